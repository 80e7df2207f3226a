import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  OnInit,
  computed,
  inject,
  output,
  signal,
} from '@angular/core';
import { describeMediaError, openCameraAndMic } from './media-errors';

/** Camera and microphone check: a preview, the device names, a level meter and clear errors. */
@Component({
  selector: 'app-device-check',
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './device-check.html',
  styles: `
    .check-grid {
      display: grid;
      grid-template-columns: minmax(0, 3fr) minmax(14rem, 2fr);
      gap: 1rem;
    }
    @media (max-width: 720px) {
      .check-grid {
        grid-template-columns: 1fr;
      }
    }
    .devices {
      list-style: none;
      padding: 0;
      margin: 0 0 1rem;
    }
    .devices li {
      margin-bottom: 0.4rem;
      overflow-wrap: anywhere;
    }
    meter {
      width: 100%;
      height: 1rem;
    }
  `,
})
export class DeviceCheck implements OnInit {
  readonly ready = output<MediaStream>();
  protected readonly stream = signal<MediaStream | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly opening = signal(false);
  protected readonly level = signal(0);
  protected readonly cameraLabel = computed(() => trackLabel(this.stream(), 'video'));
  protected readonly micLabel = computed(() => trackLabel(this.stream(), 'audio'));
  private audio: AudioContext | null = null;
  private frame = 0;
  private handedOver = false;

  constructor() {
    inject(DestroyRef).onDestroy(() => this.release());
  }

  ngOnInit(): void {
    void this.open();
  }

  protected async open(): Promise<void> {
    this.release();
    this.opening.set(true);
    this.error.set(null);
    try {
      const stream = await openCameraAndMic(navigator.mediaDevices);
      if (!stream.getVideoTracks().length || !stream.getAudioTracks().length) {
        stream.getTracks().forEach((t) => t.stop());
        throw Object.assign(new Error('missing track'), { name: 'NotFoundError' });
      }
      this.stream.set(stream);
      this.meter(stream);
    } catch (error) {
      this.error.set(describeMediaError(error));
    } finally {
      this.opening.set(false);
    }
  }

  protected continue(): void {
    const stream = this.stream();
    if (stream) {
      this.handedOver = true;
      this.ready.emit(stream);
    }
  }

  /** Microphone level, so the candidate sees the microphone works. */
  private meter(stream: MediaStream): void {
    try {
      this.audio = new AudioContext();
      const analyser = this.audio.createAnalyser();
      analyser.fftSize = 512;
      this.audio.createMediaStreamSource(stream).connect(analyser);
      const data = new Uint8Array(analyser.fftSize);
      const tick = (): void => {
        analyser.getByteTimeDomainData(data);
        let peak = 0;
        for (const v of data) {
          peak = Math.max(peak, Math.abs(v - 128));
        }
        this.level.set(Math.min(1, peak / 64));
        this.frame = requestAnimationFrame(tick);
      };
      tick();
    } catch {
      // No Web Audio: the meter stays empty; the microphone itself may still work.
    }
  }

  private release(): void {
    cancelAnimationFrame(this.frame);
    void this.audio?.close().catch(() => undefined);
    this.audio = null;
    if (!this.handedOver) {
      this.stream()
        ?.getTracks()
        .forEach((t) => t.stop());
    }
    this.stream.set(null);
  }
}

function trackLabel(stream: MediaStream | null, kind: 'video' | 'audio'): string {
  const track = kind === 'video' ? stream?.getVideoTracks()[0] : stream?.getAudioTracks()[0];
  return track ? track.label || (kind === 'video' ? 'Camera' : 'Microphone') : '';
}
