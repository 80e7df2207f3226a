import { HttpErrorResponse } from '@angular/common/http';
import { TestBed } from '@angular/core/testing';
import { RecorderService, claimPart, releasePart } from './recorder';
import { FakeMediaRecorder } from './testing/fake-media-recorder';

const offline = (): HttpErrorResponse => new HttpErrorResponse({ status: 0 });

function setup(): { recorder: RecorderService; fake: () => FakeMediaRecorder } {
  TestBed.configureTestingModule({ providers: [RecorderService] });
  const recorder = TestBed.inject(RecorderService);
  let made: FakeMediaRecorder | null = null;
  recorder.isTypeSupported = (mime) => mime === 'video/webm;codecs=vp8,opus';
  recorder.factory = (_stream, options) =>
    (made = new FakeMediaRecorder(options)) as unknown as MediaRecorder;
  recorder.baseBackoffMs = 1000;
  return { recorder, fake: () => made! };
}

describe('RecorderService', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('uploads each slice during the session and completes the video at the end', async () => {
    const { recorder, fake } = setup();
    let clock = 1000;
    recorder.now = () => clock;
    recorder.wallNow = () => Date.parse('2026-01-01T10:00:00.000Z');
    const uploads: [number, string, number][] = [];
    const upload = vi.fn(
      async (i: number, data: Blob, recordedMs: number) =>
        void uploads.push([i, await data.text(), recordedMs]),
    );
    const complete = vi.fn(async () => undefined);
    recorder.start({} as MediaStream, 5000, { upload, complete });
    expect(fake().options.mimeType).toBe('video/webm;codecs=vp8,opus');
    expect(fake().timeslice).toBe(5000);

    fake().dispatchEvent(new Event('start')); // the first frame: recording time starts here
    clock = 6000;
    fake().emit('a');
    fake().emit('b');
    await vi.advanceTimersByTimeAsync(0);
    expect(uploads).toEqual([
      [0, 'a', 5000],
      [1, 'b', 5000],
    ]); // uploaded while still recording, each saying how long it has recorded
    expect(complete).not.toHaveBeenCalled();

    clock = 13_040;
    await recorder.stop();
    expect(uploads.at(-1)).toEqual([2, 'last', 12_040]);
    expect(complete).toHaveBeenCalledWith({
      chunks: 3,
      mime: 'video/webm',
      startedAt: '2026-01-01T10:00:00.000Z',
      durationS: 12,
    });
    expect(recorder.state()).toBe('done');
  });

  it('keeps failed chunks and retries with backoff, in order, after a network drop', async () => {
    const { recorder, fake } = setup();
    const done: number[] = [];
    let down = true;
    const upload = vi.fn(async (i: number) => {
      if (down) throw offline();
      done.push(i);
    });
    recorder.start({} as MediaStream, 1000, { upload, complete: async () => undefined });

    fake().emit('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(recorder.retrying()).toBe(true);
    fake().emit('b'); // queued behind the failed one
    await vi.advanceTimersByTimeAsync(1000); // 1st retry, still down
    await vi.advanceTimersByTimeAsync(1000); // backoff doubled: not yet
    expect(upload).toHaveBeenCalledTimes(2);

    down = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(done).toEqual([0, 1]);
    expect(recorder.retrying()).toBe(false);
    expect(recorder.uploaded()).toBe(2);
  });

  it('retries at once when the browser comes back online', async () => {
    const { recorder, fake } = setup();
    let down = true;
    const upload = vi.fn(async () => {
      if (down) throw offline();
    });
    recorder.start({} as MediaStream, 1000, { upload, complete: async () => undefined });
    fake().emit('a');
    await vi.advanceTimersByTimeAsync(0);
    down = false;
    window.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    expect(recorder.uploaded()).toBe(1);
  });

  it('stops trying when the server refuses the recording', async () => {
    const { recorder, fake } = setup();
    const upload = vi.fn(async () => {
      throw new HttpErrorResponse({ status: 403 });
    });
    recorder.start({} as MediaStream, 1000, { upload, complete: async () => undefined });
    fake().emit('a');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(upload).toHaveBeenCalledTimes(1);
    expect(recorder.state()).toBe('failed');
  });

  it('remembers the part a page records, so the next page can finish it', () => {
    localStorage.clear();
    expect(claimPart('s1', 'first')).toBeNull();
    expect(claimPart('s1', 'second')).toBe('first'); // the page was reloaded mid-recording
    expect(claimPart('s2', 'other')).toBeNull(); // sessions apart
    releasePart('s1', 'first'); // not the current one: nothing changes
    expect(claimPart('s1', 'second')).toBeNull();
    releasePart('s1', 'second');
    expect(claimPart('s1', 'third')).toBeNull();
  });

  it('says so when the browser cannot record WebM', () => {
    TestBed.configureTestingModule({ providers: [RecorderService] });
    const recorder = TestBed.inject(RecorderService);
    recorder.isTypeSupported = () => false;
    recorder.start({} as MediaStream, 1000, { upload: async () => 0, complete: async () => 0 });
    expect(recorder.state()).toBe('unsupported');
  });
});
