import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  OnInit,
  computed,
  effect,
  inject,
  input,
  signal,
  viewChild,
} from '@angular/core';
import { ApiService } from '../../core/api';
import { AudioSenderService } from '../../core/audio-sender';
import { FrameSenderService } from '../../core/frame-sender';
import { ClientConfig, DEFAULT_CLIENT_CONFIG } from '../../core/models';
import { OutboxService } from '../../core/outbox';
import { RecorderService } from '../../core/recorder';
import { SocketService } from '../../core/socket';
import { TokenStore } from '../../core/token-store';
import { WebRtcService } from '../../core/webrtc';
import { ChatPanel } from '../../shared/chat-panel';
import { RemoteAudio } from '../../shared/remote-audio';
import { StatusBadge } from '../../shared/status-badge';
import { peerBadge, socketBadge } from '../../shared/status-text';
import { CALIBRATION_MESSAGE, CandidateSession } from './candidate-session';
import { Consent } from './consent';
import { DeviceCheck } from './device-check';
import { Enrolment } from './enrolment';

type Step = 'consent' | 'check' | 'enrol' | 'session';

/** The candidate's page: consent, device check, enrolment photo, then the proctored session. */
@Component({
  selector: 'app-candidate-room',
  imports: [Consent, DeviceCheck, Enrolment, ChatPanel, StatusBadge, RemoteAudio],
  providers: [
    SocketService,
    WebRtcService,
    FrameSenderService,
    AudioSenderService,
    OutboxService,
    RecorderService,
    CandidateSession,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '(document:fullscreenchange)': 'fullscreen.set(!!fullscreenElement())' },
  templateUrl: './candidate-room.html',
  styleUrl: './candidate-room.css',
})
export class CandidateRoom implements OnInit {
  /** The session id, from the route. */
  readonly id = input.required<string>();
  protected readonly session = inject(CandidateSession);
  private readonly api = inject(ApiService);
  private readonly tokens = inject(TokenStore);

  protected readonly calibrationMessage = CALIBRATION_MESSAGE;
  protected readonly step = signal<Step>('consent');
  protected readonly config = signal<ClientConfig>(DEFAULT_CLIENT_CONFIG);
  protected readonly token = signal<string | null>(null);
  protected readonly stream = signal<MediaStream | null>(null);
  protected readonly fullscreen = signal(
    typeof document !== 'undefined' && !!document.fullscreenElement,
  );
  protected readonly socketBadge = computed(() => socketBadge(this.session.socket.state()));
  protected readonly peerBadge = computed(() =>
    peerBadge(this.session.rtc.state(), this.session.interviewerPresent(), 'interviewer'),
  );
  protected readonly upload = computed(() => {
    const r = this.session.recorder;
    return { state: r.state(), recorded: r.recorded(), uploaded: r.uploaded(), error: r.error() };
  });
  private readonly preview = viewChild<ElementRef<HTMLVideoElement>>('preview');
  private started = false;

  constructor() {
    // Start once the session view (and its preview element) exists.
    effect(() => {
      const video = this.preview()?.nativeElement;
      const stream = this.stream();
      const token = this.token();
      if (video && stream && token && this.step() === 'session' && !this.started) {
        this.started = true;
        this.session.begin({ sessionId: this.id(), token, config: this.config(), stream, video });
      }
    });
  }

  async ngOnInit(): Promise<void> {
    this.token.set(this.tokens.get(this.id(), 'candidate'));
    try {
      this.config.set(await this.api.clientConfig());
    } catch {
      // The defaults match the server's; the session itself will show a connection problem.
    }
  }

  protected consented(): void {
    this.step.set('check');
  }

  protected devicesReady(stream: MediaStream): void {
    this.stream.set(stream);
    this.step.set('enrol');
  }

  protected enrolled(): void {
    this.step.set('session');
    this.enterFullscreen();
  }

  protected fullscreenElement(): Element | null {
    return document.fullscreenElement;
  }

  protected enterFullscreen(): void {
    document.documentElement.requestFullscreen?.().catch(() => undefined);
  }

  protected sendChat(message: string): void {
    void this.session.sendChat(message);
  }
}
