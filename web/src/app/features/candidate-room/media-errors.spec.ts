import { describeMediaError, openCameraAndMic } from './media-errors';

describe('camera and microphone errors', () => {
  it('tells denied permission apart from a missing device and a busy one', () => {
    expect(describeMediaError({ name: 'NotAllowedError' })).toMatch(/denied/);
    expect(describeMediaError({ name: 'NotFoundError' })).toMatch(
      /No camera or microphone was found/,
    );
    expect(describeMediaError({ name: 'NotReadableError' })).toMatch(/in use/);
    expect(describeMediaError(new Error('x'))).toMatch(/could not be opened/);
  });

  it('says https is needed when the browser offers no camera API', async () => {
    const error = await openCameraAndMic(undefined).catch((e: unknown) => e);
    expect(describeMediaError(error)).toMatch(/https/);
  });

  it('asks for the analyzed size and both devices, and keeps the video sharp', async () => {
    const video = { contentHint: '' };
    const stream = { getVideoTracks: () => [video] };
    const getUserMedia = vi.fn().mockResolvedValue(stream);
    expect(await openCameraAndMic({ getUserMedia } as unknown as MediaDevices)).toBe(stream);
    const constraints = getUserMedia.mock.calls[0][0];
    expect(constraints.video.width).toEqual({ ideal: 640 });
    expect(constraints.audio).toBeTruthy();
    expect(video.contentHint).toBe('detail');
  });
});
