import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  afterRenderEffect,
  computed,
  input,
  signal,
  viewChild,
} from '@angular/core';
import { PeerState, PeerStats, qualityOf } from '../../core/webrtc';
import { StatusBadge } from '../../shared/status-badge';
import { peerBadge } from '../../shared/status-text';

/** The candidate's live video and audio, a mute toggle, and the link's quality. */
@Component({
  selector: 'app-remote-video',
  imports: [StatusBadge],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="video-frame">
      <video
        #video
        [muted]="muted()"
        autoplay
        playsinline
        aria-label="Candidate’s live video"
      ></video>
      @if (!stream() || state() !== 'connected') {
        <div class="video-overlay" aria-hidden="true">{{ overlay() }}</div>
      }
    </div>
    <div class="row controls">
      <button
        type="button"
        class="btn secondary small"
        [attr.aria-pressed]="muted()"
        (click)="toggleMute()"
      >
        {{ muted() ? 'Unmute candidate' : 'Mute candidate' }}
      </button>
      <app-status-badge [label]="badge().label" [text]="badge().text" [tone]="badge().tone" />
      <app-status-badge label="Quality" [text]="qualityText()" [tone]="qualityTone()" />
    </div>
    @if (autoplayBlocked()) {
      <p class="muted small-text">
        The browser started the video muted: use “Unmute candidate” to hear them.
      </p>
    }
  `,
  styles: `
    .controls {
      margin-top: 0.6rem;
    }
    .small-text {
      font-size: 0.875rem;
      margin: 0.4rem 0 0;
    }
  `,
})
export class RemoteVideo {
  readonly stream = input<MediaStream | null>(null);
  readonly state = input<PeerState>('idle');
  readonly present = input(false);
  readonly stats = input<PeerStats | null>(null);

  protected readonly muted = signal(false);
  protected readonly autoplayBlocked = signal(false);
  protected readonly badge = computed(() => peerBadge(this.state(), this.present(), 'candidate'));
  protected readonly overlay = computed(() =>
    this.present() ? 'Connecting to the candidate’s camera…' : 'Waiting for the candidate to join…',
  );
  protected readonly qualityText = computed(() => {
    const s = this.stats();
    if (!s || this.state() !== 'connected') {
      return 'unknown';
    }
    const parts: string[] = [qualityOf(s)];
    if (s.rttMs !== null) parts.push(`RTT ${s.rttMs} ms`);
    if (s.packetLossPct !== null) parts.push(`loss ${s.packetLossPct.toFixed(1)}%`);
    if (s.fps !== null) parts.push(`${Math.round(s.fps)} fps`);
    if (s.width && s.height) parts.push(`${s.width}×${s.height}`);
    return parts.join(' · ');
  });
  protected readonly qualityTone = computed(() => {
    const q = this.state() === 'connected' ? qualityOf(this.stats()) : 'unknown';
    return q === 'good' ? 'ok' : q === 'fair' ? 'warn' : q === 'poor' ? 'bad' : 'idle';
  });
  private readonly video = viewChild.required<ElementRef<HTMLVideoElement>>('video');

  constructor() {
    // After render, so the element exists; attaching here also lets play() run right after.
    afterRenderEffect(() => {
      const stream = this.stream();
      const el = this.video().nativeElement;
      if (el.srcObject !== stream) {
        el.srcObject = stream;
        if (stream) {
          void this.play();
        }
      }
    });
  }

  protected toggleMute(): void {
    this.muted.update((m) => !m);
    this.autoplayBlocked.set(false);
    void this.video()
      .nativeElement.play()
      .catch(() => undefined);
  }

  /** Plays with sound; browsers that block autoplay with sound get a muted start and a hint. */
  private async play(): Promise<void> {
    const el = this.video().nativeElement;
    try {
      await el.play();
    } catch (error) {
      if ((error as Error).name === 'NotAllowedError') {
        this.muted.set(true);
        el.muted = true;
        this.autoplayBlocked.set(true);
        await el.play().catch(() => undefined);
      }
    }
  }
}
