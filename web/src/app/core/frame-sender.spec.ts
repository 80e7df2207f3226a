import { TestBed } from '@angular/core/testing';
import { FrameSenderService, jpegQuality } from './frame-sender';

const OPTIONS = { width: 640, height: 480, quality: 0.7, intervalMs: 1000 };

function setup(): FrameSenderService {
  TestBed.configureTestingModule({ providers: [FrameSenderService] });
  const sender = TestBed.inject(FrameSenderService);
  // jsdom has no canvas: the JPEG itself is made by the browser, the pacing is what is tested.
  vi.spyOn(sender, 'capture').mockImplementation(
    async () => new Blob([new Uint8Array([0xff, 0xd8, 0xff])]),
  );
  return sender;
}

describe('FrameSenderService', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('never has more than one unacknowledged frame: ticks during a pending ack are skipped', async () => {
    const sender = setup();
    const acks: ((ok: boolean) => void)[] = [];
    const sink = vi.fn(
      (_image: ArrayBuffer, _ts: number) => new Promise<boolean>((resolve) => acks.push(resolve)),
    );

    sender.start(document.createElement('video'), OPTIONS, sink);
    await vi.advanceTimersByTimeAsync(3500); // 3 more ticks while the first frame is unacknowledged
    expect(sink).toHaveBeenCalledTimes(1);
    expect(sender.skipped()).toBe(3);
    expect(sender.inFlight()).toBe(true);

    acks[0](true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sender.sent()).toBe(1);
    expect(sink).toHaveBeenCalledTimes(2);
    sender.stop();
  });

  it('sends the JPEG bytes with a timestamp at the configured interval', async () => {
    const sender = setup();
    const sink = vi.fn(async (_image: ArrayBuffer, _ts: number) => true);
    sender.start(document.createElement('video'), { ...OPTIONS, intervalMs: 500 }, sink);
    await vi.advanceTimersByTimeAsync(1600);
    sender.stop();
    expect(sink).toHaveBeenCalledTimes(4); // at 0, 500, 1000, 1500 ms
    const [image, ts] = sink.mock.calls[0];
    expect(new Uint8Array(image)[0]).toBe(0xff);
    expect(typeof ts).toBe('number');
    await vi.advanceTimersByTimeAsync(2000);
    expect(sink).toHaveBeenCalledTimes(4); // stopped
  });

  it('counts a lost frame as not sent and goes on with the next', async () => {
    const sender = setup();
    const sink = vi.fn().mockRejectedValueOnce(new Error('timeout')).mockResolvedValue(true);
    sender.start(document.createElement('video'), OPTIONS, sink);
    await vi.advanceTimersByTimeAsync(1100);
    sender.stop();
    expect(sink).toHaveBeenCalledTimes(2);
    expect(sender.sent()).toBe(1);
    expect(sender.inFlight()).toBe(false);
  });

  it('has nothing to capture before the camera plays', async () => {
    TestBed.configureTestingModule({ providers: [FrameSenderService] });
    expect(await TestBed.inject(FrameSenderService).capture()).toBeNull();
  });
});

describe('jpegQuality', () => {
  it('accepts 0..1 or percent, and keeps a sane range', () => {
    expect(jpegQuality(0.7)).toBe(0.7);
    expect(jpegQuality(85)).toBe(0.85);
    expect(jpegQuality(0)).toBe(0.1);
  });
});
