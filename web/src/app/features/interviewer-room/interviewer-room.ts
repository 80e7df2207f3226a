import {
  ChangeDetectionStrategy,
  Component,
  OnInit,
  computed,
  inject,
  input,
  signal,
} from '@angular/core';
import { RouterLink } from '@angular/router';
import { BlobUrlCache } from '../../core/blob-urls';
import { SocketService } from '../../core/socket';
import { TokenStore } from '../../core/token-store';
import { WebRtcService } from '../../core/webrtc';
import { ChatPanel } from '../../shared/chat-panel';
import { typeLabel } from '../../shared/event-meta';
import { clockTime } from '../../shared/format';
import { StatusBadge } from '../../shared/status-badge';
import { socketBadge } from '../../shared/status-text';
import { EventsPanel } from './events-panel';
import { identityBadge, spoofAdvice } from './identity-badge';
import { InterviewerSession } from './interviewer-session';
import { RemoteVideo } from './remote-video';

/** The interviewer's page: live video, events, score, chat, snapshot, end and report. */
@Component({
  selector: 'app-interviewer-room',
  imports: [RouterLink, ChatPanel, StatusBadge, EventsPanel, RemoteVideo],
  providers: [SocketService, WebRtcService, BlobUrlCache, InterviewerSession],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './interviewer-room.html',
  styleUrl: './interviewer-room.css',
})
export class InterviewerRoom implements OnInit {
  readonly id = input.required<string>();
  protected readonly session = inject(InterviewerSession);
  private readonly tokens = inject(TokenStore);

  protected readonly token = signal<string | null>(null);
  protected readonly confirmingEnd = signal(false);
  protected readonly socketBadge = computed(() => socketBadge(this.session.socket.state()));
  protected readonly candidateName = computed(() => {
    const p = this.session.participants().find((x) => x.role === 'candidate');
    return p?.name || this.session.info()?.name || 'Candidate';
  });
  protected readonly scoreTone = computed(() => {
    const s = this.session.score();
    return s === null ? '' : s >= 80 ? 'score-good' : s >= 60 ? 'score-fair' : 'score-poor';
  });
  protected readonly identityBadge = computed(() => identityBadge(this.session.identity()));
  protected readonly spoofAdvice = computed(() => spoofAdvice(this.session.identity()));
  protected readonly typeLabel = typeLabel;
  protected readonly clockTime = clockTime;

  ngOnInit(): void {
    const token = this.tokens.get(this.id(), 'interviewer');
    this.token.set(token);
    if (token) {
      void this.session.begin(this.id(), token);
    }
  }

  protected async endSession(): Promise<void> {
    this.confirmingEnd.set(false);
    await this.session.end();
  }

  protected sendChat(message: string): void {
    void this.session.sendChat(message);
  }
}
