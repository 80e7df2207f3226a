import { Injectable, OnDestroy, signal } from '@angular/core';
import { isTransient } from './api';

export type RecorderState = 'idle' | 'recording' | 'finishing' | 'done' | 'failed' | 'unsupported';

/** What the recorder knows of its recording when it is over. */
export interface RecordingInfo {
  chunks: number;
  mime: string;
  /** When recording started, by this machine's clock (ISO-8601). */
  startedAt: string;
  durationS: number;
}

export interface RecorderSinks {
  /**
   * Uploads chunk `index`; rejects on failure (retried with backoff when transient).
   * `recordedMs`: how long recording has run as this attempt leaves (the server dates the
   * recording's start from it by its own clock, whatever this machine's clock says).
   */
  upload: (index: number, data: Blob, recordedMs: number) => Promise<unknown>;
  /** Tells the server all chunks are there. */
  complete: (info: RecordingInfo) => Promise<unknown>;
}

const PART_KEY = 'proctor.recording.';

/**
 * The recording part this browser records for a session, kept in localStorage: a reloaded or
 * reopened page starts a new part and learns which part the page before it left unfinished.
 */
export function claimPart(sessionId: string, part: string): string | null {
  const key = PART_KEY + sessionId;
  const previous = readStorage(key);
  writeStorage(key, part);
  return previous && previous !== part ? previous : null;
}

/** The part is complete: a later page has nothing to finish for it. */
export function releasePart(sessionId: string, part: string): void {
  const key = PART_KEY + sessionId;
  if (readStorage(key) === part) {
    writeStorage(key, null);
  }
}

function readStorage(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage disabled: each page records its own part all the same
  }
}

function writeStorage(key: string, value: string | null): void {
  try {
    if (value === null) {
      localStorage.removeItem(key);
    } else {
      localStorage.setItem(key, value);
    }
  } catch {
    // see readStorage
  }
}

type RecorderFactory = (stream: MediaStream, options: MediaRecorderOptions) => MediaRecorder;

const MIME_CANDIDATES = ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9,opus', 'video/webm'];
const MAX_BACKOFF_MS = 15_000;

/**
 * Records the camera and microphone with MediaRecorder (WebM) and uploads each slice while the
 * session runs. A failed upload stays queued and is retried with exponential backoff, and at
 * once when the browser says it is back online, so a network drop only delays the upload.
 */
@Injectable()
export class RecorderService implements OnDestroy {
  readonly state = signal<RecorderState>('idle');
  readonly recorded = signal(0);
  readonly uploaded = signal(0);
  readonly retrying = signal(false);
  readonly error = signal<string | null>(null);
  factory: RecorderFactory = (stream, options) => new MediaRecorder(stream, options);
  isTypeSupported: (mime: string) => boolean = (mime) =>
    typeof MediaRecorder !== 'undefined' && MediaRecorder.isTypeSupported(mime);
  baseBackoffMs = 500;
  /** Clocks, replaceable in tests: a monotonic one for spans, the wall clock for the start. */
  now: () => number = () => performance.now();
  wallNow: () => number = () => Date.now();

  private recorder: MediaRecorder | null = null;
  private sinks: RecorderSinks | null = null;
  private readonly queue: { index: number; data: Blob }[] = [];
  private pumping = false;
  private attempts = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private startMono = 0;
  private startWall = 0;
  private durationMs: number | null = null;
  private finished: Promise<void> | null = null;
  private resolveFinished: (() => void) | null = null;
  private readonly online = (): void => this.retryNow();

  start(stream: MediaStream, sliceMs: number, sinks: RecorderSinks): void {
    const mime = MIME_CANDIDATES.find((m) => this.isTypeSupported(m));
    if (!mime) {
      this.state.set('unsupported');
      return;
    }
    this.sinks = sinks;
    const recorder = this.factory(stream, { mimeType: mime, videoBitsPerSecond: 1_000_000 });
    this.recorder = recorder;
    recorder.addEventListener('dataavailable', (e: BlobEvent) => {
      if (e.data && e.data.size > 0) {
        this.queue.push({ index: this.recorded(), data: e.data });
        this.recorded.update((n) => n + 1);
        void this.pump();
      }
    });
    recorder.addEventListener('start', () => this.markStart());
    recorder.addEventListener('stop', () => {
      this.durationMs = this.now() - this.startMono;
      this.stopped = true;
      void this.pump();
    });
    window.addEventListener('online', this.online);
    this.markStart(); // refined by the 'start' event, when the first frame is taken
    recorder.start(Math.max(1000, sliceMs));
    this.state.set('recording');
  }

  /** Stops recording, uploads what is left and completes the video. Safe to call twice. */
  stop(): Promise<void> {
    if (this.finished) {
      return this.finished;
    }
    this.finished = new Promise<void>((resolve) => (this.resolveFinished = resolve));
    const recorder = this.recorder;
    if (!recorder || this.state() !== 'recording') {
      this.resolveFinished?.();
      return this.finished;
    }
    this.state.set('finishing');
    if (recorder.state !== 'inactive') {
      recorder.stop();
    } else {
      this.stopped = true;
      void this.pump();
    }
    return this.finished;
  }

  /** Retries the queue now instead of waiting for the backoff. */
  retryNow(): void {
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    void this.pump();
  }

  ngOnDestroy(): void {
    window.removeEventListener('online', this.online);
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
    }
    if (this.recorder && this.recorder.state !== 'inactive') {
      this.recorder.stop();
    }
  }

  private async pump(): Promise<void> {
    if (this.pumping || !this.sinks || this.retryTimer !== null) {
      return;
    }
    this.pumping = true;
    try {
      while (this.queue.length) {
        const chunk = this.queue[0];
        await this.sinks.upload(chunk.index, chunk.data, this.now() - this.startMono);
        this.queue.shift();
        this.uploaded.update((n) => n + 1);
        this.succeeded();
      }
      if (this.stopped && this.state() === 'finishing') {
        const durationMs = this.durationMs ?? this.now() - this.startMono;
        await this.sinks.complete({
          chunks: this.recorded(),
          mime: 'video/webm',
          startedAt: new Date(this.startWall).toISOString(),
          durationS: Math.round(durationMs / 100) / 10,
        });
        this.succeeded();
        this.finish('done');
      }
    } catch (error) {
      this.failedAttempt(error);
    } finally {
      this.pumping = false;
    }
  }

  private markStart(): void {
    this.startMono = this.now();
    this.startWall = this.wallNow();
  }

  private succeeded(): void {
    this.attempts = 0;
    this.retrying.set(false);
    this.error.set(null);
  }

  private failedAttempt(error: unknown): void {
    if (!isTransient(error)) {
      this.error.set('The server refused the recording.');
      this.finish('failed');
      return;
    }
    this.retrying.set(true);
    this.error.set('Upload paused: retrying when the connection is back.');
    const delay = Math.min(MAX_BACKOFF_MS, this.baseBackoffMs * 2 ** this.attempts++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.pump();
    }, delay);
  }

  private finish(state: 'done' | 'failed'): void {
    this.state.set(state);
    window.removeEventListener('online', this.online);
    this.resolveFinished?.();
  }
}
