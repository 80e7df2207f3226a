import { Injectable, OnDestroy, signal } from '@angular/core';

export type AudioSenderState = 'idle' | 'sending' | 'unsupported';

/**
 * Sends one chunk of the microphone stream; resolves true once the server took it, false when
 * it was refused or lost (the stream then starts again: the server needs every chunk of one).
 */
export type AudioSink = (data: ArrayBuffer, seq: number, ts: number) => Promise<boolean>;

type RecorderFactory = (stream: MediaStream, options: MediaRecorderOptions) => MediaRecorder;

/** Opus in WebM: what the server's demuxer reads (docs/API.md, `audio`). */
export const AUDIO_MIME = 'audio/webm;codecs=opus';
/** Speech needs no more: ~3 KB a second on the Socket.IO connection. */
export const AUDIO_BITS_PER_SECOND = 24_000;
/** One chunk a second: the server hears speech within about a second of it. */
export const AUDIO_SLICE_MS = 1000;
const RESTART_MS = 1000;
/** Chunks waiting for the ones before them to be acknowledged: past this, the server is behind
 * and the stream starts over (a backlog would only make every event later). */
export const MAX_PENDING = 5;

/**
 * Streams the microphone to the server for live analysis: MediaRecorder records the audio
 * track alone as WebM/Opus and hands out a chunk a second; each goes out in order, numbered
 * from 0 (the chunk holding the WebM header). A chunk refused or lost ends that stream: a new
 * recorder starts again at 0 a second later. The camera's recording is a recorder of its own.
 */
@Injectable()
export class AudioSenderService implements OnDestroy {
  readonly state = signal<AudioSenderState>('idle');
  readonly sent = signal(0);
  readonly bytes = signal(0);
  readonly restarts = signal(0);
  factory: RecorderFactory = (stream, options) => new MediaRecorder(stream, options);
  isTypeSupported: (mime: string) => boolean = (mime) =>
    typeof MediaRecorder !== 'undefined' && MediaRecorder.isTypeSupported(mime);
  /** The microphone's tracks alone, as a stream of their own. */
  audioOnly: (stream: MediaStream) => MediaStream = (stream) =>
    new MediaStream(stream.getAudioTracks());

  private recorder: MediaRecorder | null = null;
  private stream: MediaStream | null = null;
  private sink: AudioSink | null = null;
  private chain: Promise<void> = Promise.resolve();
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private pending = 0;

  start(stream: MediaStream, sink: AudioSink): void {
    this.stop();
    if (!this.isTypeSupported(AUDIO_MIME) || stream.getAudioTracks().length === 0) {
      this.state.set('unsupported');
      return;
    }
    this.stream = stream;
    this.sink = sink;
    this.begin();
  }

  /** Starts a new stream at 0 (after a reconnect: the server forgot the old one). */
  restart(): void {
    if (this.stream && this.sink) {
      this.end();
      this.begin();
    }
  }

  stop(): void {
    this.end();
    this.stream = null;
    this.sink = null;
    if (this.state() === 'sending') {
      this.state.set('idle');
    }
  }

  ngOnDestroy(): void {
    this.stop();
  }

  private begin(): void {
    const stream = this.stream;
    const sink = this.sink;
    if (!stream || !sink) {
      return;
    }
    const recorder = this.factory(this.audioOnly(stream), {
      mimeType: AUDIO_MIME,
      audioBitsPerSecond: AUDIO_BITS_PER_SECOND,
    });
    this.recorder = recorder;
    let seq = 0;
    recorder.addEventListener('dataavailable', (e: BlobEvent) => {
      if (!e.data || e.data.size === 0) {
        return;
      }
      const data = e.data;
      if (this.pending >= MAX_PENDING) {
        this.scheduleRestart();
        return;
      }
      this.pending++;
      // One at a time and in order: the server reads them as one file.
      this.chain = this.chain.then(async () => {
        this.pending--;
        if (this.recorder !== recorder) {
          return; // this stream was replaced
        }
        const n = seq++;
        let ok = false;
        try {
          ok = await sink(await data.arrayBuffer(), n, Date.now());
        } catch {
          ok = false;
        }
        if (this.recorder !== recorder) {
          return;
        }
        if (ok) {
          this.sent.update((x) => x + 1);
          this.bytes.update((x) => x + data.size);
        } else {
          this.scheduleRestart();
        }
      });
    });
    recorder.start(AUDIO_SLICE_MS);
    this.state.set('sending');
  }

  private scheduleRestart(): void {
    this.end();
    this.restarts.update((n) => n + 1);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.begin();
    }, RESTART_MS);
  }

  private end(): void {
    if (this.restartTimer !== null) {
      clearTimeout(this.restartTimer);
      this.restartTimer = null;
    }
    const recorder = this.recorder;
    this.recorder = null;
    this.pending = 0; // what the old stream still has queued is skipped
    if (recorder && recorder.state !== 'inactive') {
      recorder.stop();
    }
  }
}
