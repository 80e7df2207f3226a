import { Injectable, OnDestroy, signal } from '@angular/core';

export interface FrameOptions {
  width: number;
  height: number;
  /** JPEG quality 0..1 (values above 1 are read as percent). */
  quality: number;
  intervalMs: number;
}

/** Sends one JPEG; resolves when the server acked it (true) or it was lost (false). */
export type FrameSink = (image: ArrayBuffer, ts: number) => Promise<boolean>;

/**
 * Grabs a JPEG of the camera at a fixed interval and hands it to the sink, with backpressure:
 * a tick while the previous frame is still unacknowledged is skipped, never queued, so a slow
 * server always analyzes the newest picture.
 */
@Injectable()
export class FrameSenderService implements OnDestroy {
  readonly sent = signal(0);
  readonly skipped = signal(0);
  readonly inFlight = signal(false);
  private video: HTMLVideoElement | null = null;
  private canvas: HTMLCanvasElement | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private options: FrameOptions = { width: 640, height: 480, quality: 0.7, intervalMs: 1000 };

  start(video: HTMLVideoElement, options: FrameOptions, sink: FrameSink): void {
    this.stop();
    this.video = video;
    this.options = options;
    this.timer = setInterval(() => void this.tick(sink), Math.max(100, options.intervalMs));
    void this.tick(sink);
  }

  stop(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** A JPEG of the current camera picture, letterboxed to the configured size. */
  async capture(): Promise<Blob | null> {
    const video = this.video;
    if (!video || video.readyState < 2 || !video.videoWidth) {
      return null;
    }
    const { width, height } = this.options;
    const canvas = (this.canvas ??= document.createElement('canvas'));
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d');
    if (!context) {
      return null;
    }
    // Keep the aspect ratio: stretching would distort faces and objects for the detectors.
    const scale = Math.min(width / video.videoWidth, height / video.videoHeight);
    const w = Math.round(video.videoWidth * scale);
    const h = Math.round(video.videoHeight * scale);
    context.fillStyle = '#000';
    context.fillRect(0, 0, width, height);
    context.drawImage(video, (width - w) / 2, (height - h) / 2, w, h);
    return new Promise((resolve) =>
      canvas.toBlob(resolve, 'image/jpeg', jpegQuality(this.options.quality)),
    );
  }

  ngOnDestroy(): void {
    this.stop();
  }

  private async tick(sink: FrameSink): Promise<void> {
    if (this.inFlight()) {
      this.skipped.update((n) => n + 1);
      return;
    }
    this.inFlight.set(true);
    try {
      const blob = await this.capture();
      if (!blob) {
        return;
      }
      const ts = Date.now();
      const bytes = await blob.arrayBuffer();
      if (await sink(bytes, ts)) {
        this.sent.update((n) => n + 1);
      }
    } catch {
      // A lost frame is replaced by the next tick's; nothing to retry.
    } finally {
      this.inFlight.set(false);
    }
  }
}

export function jpegQuality(value: number): number {
  const q = value > 1 ? value / 100 : value;
  return Math.min(1, Math.max(0.1, q));
}
