import { TestBed } from '@angular/core/testing';
import { AUDIO_BITS_PER_SECOND, AUDIO_MIME, AudioSenderService, MAX_PENDING } from './audio-sender';
import { FakeMediaRecorder } from './testing/fake-media-recorder';

const withMic = { getAudioTracks: () => [{ kind: 'audio' }] } as unknown as MediaStream;
const noMic = { getAudioTracks: () => [] } as unknown as MediaStream;

function setup(): { sender: AudioSenderService; made: FakeMediaRecorder[] } {
  TestBed.configureTestingModule({ providers: [AudioSenderService] });
  const sender = TestBed.inject(AudioSenderService);
  const made: FakeMediaRecorder[] = [];
  sender.isTypeSupported = (mime) => mime === AUDIO_MIME;
  sender.audioOnly = (stream) => stream;
  sender.factory = (_stream, options) => {
    const recorder = new FakeMediaRecorder(options);
    made.push(recorder);
    return recorder as unknown as MediaRecorder;
  };
  return { sender, made };
}

describe('AudioSenderService', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the microphone as Opus chunks, one a second, numbered in order', async () => {
    const { sender, made } = setup();
    const got: [string, number][] = [];
    sender.start(withMic, async (data, seq) => {
      got.push([new TextDecoder().decode(data), seq]);
      return true;
    });
    expect(made).toHaveLength(1);
    expect(made[0].options).toEqual({
      mimeType: AUDIO_MIME,
      audioBitsPerSecond: AUDIO_BITS_PER_SECOND,
    });
    expect(made[0].timeslice).toBe(1000);
    made[0].emit('header');
    made[0].emit('one');
    made[0].emit('two');
    await vi.advanceTimersByTimeAsync(0);
    expect(got).toEqual([
      ['header', 0],
      ['one', 1],
      ['two', 2],
    ]);
    expect(sender.sent()).toBe(3);
    expect(sender.state()).toBe('sending');
  });

  it('starts a new stream at 0 when a chunk is refused', async () => {
    const { sender, made } = setup();
    const seqs: number[] = [];
    let accept = true;
    sender.start(withMic, async (_data, seq) => {
      seqs.push(seq);
      return accept;
    });
    made[0].emit('a');
    await vi.advanceTimersByTimeAsync(0);
    accept = false;
    made[0].emit('b');
    await vi.advanceTimersByTimeAsync(0);
    expect(made[0].state).toBe('inactive'); // that stream is over
    accept = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(made).toHaveLength(2);
    made[1].emit('header again');
    await vi.advanceTimersByTimeAsync(0);
    expect(seqs).toEqual([0, 1, 0]);
    expect(sender.restarts()).toBe(1);
  });

  it('starts over instead of queueing when the server falls behind', async () => {
    const { sender, made } = setup();
    let release: (ok: boolean) => void = () => undefined;
    const seqs: number[] = [];
    sender.start(withMic, (_d, seq) => {
      seqs.push(seq);
      return new Promise<boolean>((r) => (release = r));
    });
    made[0].emit('header');
    await vi.advanceTimersByTimeAsync(0);
    expect(seqs).toEqual([0]); // in flight: no ack yet
    for (let i = 1; i <= MAX_PENDING + 1; i++) {
      made[0].emit(`chunk ${i}`); // waiting behind it
    }
    expect(made[0].state).toBe('inactive'); // one too many: that stream is dropped
    release(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(seqs).toEqual([0]); // its queued chunks are not sent
    await vi.advanceTimersByTimeAsync(1000);
    expect(made).toHaveLength(2);
  });

  it('restart() begins again at 0 with a new recorder (after a reconnect)', async () => {
    const { sender, made } = setup();
    const seqs: number[] = [];
    sender.start(withMic, async (_d, seq) => (seqs.push(seq), true));
    made[0].emit('a');
    await vi.advanceTimersByTimeAsync(0);
    sender.restart();
    made[0].emit('late chunk of the old stream');
    made[1].emit('b');
    await vi.advanceTimersByTimeAsync(0);
    expect(seqs).toEqual([0, 0]);
  });

  it('is unsupported without a microphone track or WebM/Opus recording', () => {
    const { sender, made } = setup();
    sender.start(noMic, async () => true);
    expect(sender.state()).toBe('unsupported');
    sender.isTypeSupported = () => false;
    sender.start(withMic, async () => true);
    expect(sender.state()).toBe('unsupported');
    expect(made).toHaveLength(0);
  });

  it('stop() ends the recorder and sends nothing more', async () => {
    const { sender, made } = setup();
    const sink = vi.fn(async () => true);
    sender.start(withMic, sink);
    sender.stop();
    expect(made[0].state).toBe('inactive');
    await vi.advanceTimersByTimeAsync(0);
    expect(sink).not.toHaveBeenCalled(); // the recorder's last chunk is not sent
    expect(sender.state()).toBe('idle');
  });
});
