import { Injectable, OnDestroy, computed, inject, signal } from '@angular/core';
import { ApiService, describeError } from '../../core/api';
import { saveBlob } from '../../core/blob-urls';
import { postChat, withMessage } from '../../core/chat-sender';
import {
  Ack,
  ChatMessage,
  DEFAULT_CLIENT_CONFIG,
  IdentityStatus,
  Participant,
  PresenceMessage,
  ProctorEvent,
  ScoreItem,
  ScoreMessage,
  SessionInfo,
  SnapshotImage,
} from '../../core/models';
import { SocketService } from '../../core/socket';
import { PeerStats, SignalMessage, WebRtcService } from '../../core/webrtc';
import { IdentityView, fromState, fromStatus } from './identity-badge';

const STATS_MS = 2000;

export interface Snapshot {
  url: string;
  timestamp: string;
}

/** Newest first; an update replaces the event with the same id. */
export function upsertEvent(list: ProctorEvent[], event: ProctorEvent): ProctorEvent[] {
  const rest = list.filter((e) => e.id !== event.id);
  return [...rest, event].sort((a, b) => b.timestamp.localeCompare(a.timestamp) || b.id - a.id);
}

/**
 * The interviewer's live view of a session: session details, events, score, chat, presence,
 * the candidate's video and its connection quality, snapshots, ending and the report.
 */
@Injectable()
export class InterviewerSession implements OnDestroy {
  private readonly api = inject(ApiService);
  readonly socket = inject(SocketService);
  readonly rtc = inject(WebRtcService);

  readonly info = signal<SessionInfo | null>(null);
  readonly events = signal<ProctorEvent[]>([]);
  readonly score = signal<number | null>(null);
  readonly breakdown = signal<ScoreItem[]>([]);
  /** The last identity check (the live `identity` message, or the state loaded at start). */
  readonly identity = signal<IdentityView | null>(null);
  readonly chat = signal<ChatMessage[]>([]);
  readonly participants = signal<Participant[]>([]);
  readonly stats = signal<PeerStats | null>(null);
  readonly snapshot = signal<Snapshot | null>(null);
  readonly snapshotPending = signal(false);
  readonly notice = signal<string | null>(null);
  readonly latest = signal<ProctorEvent | null>(null);
  readonly error = signal<string | null>(null);
  readonly busy = signal(false);
  readonly candidatePresent = computed(() =>
    this.participants().some((p) => p.role === 'candidate'),
  );
  readonly ended = computed(() => this.info()?.status === 'ended');

  private sessionId = '';
  private token = '';
  private statsTimer: ReturnType<typeof setInterval> | null = null;

  async begin(sessionId: string, token: string): Promise<void> {
    this.sessionId = sessionId;
    this.token = token;
    // The socket starts at once, beside the REST calls. The candidate offers video as soon as
    // this page shows up in the room; an offer that comes before the ICE settings waits for them.
    this.socket.connect({
      token,
      sessionId,
      role: 'interviewer',
      peer: this.rtc.id,
      onJoined: (ack, rejoin) => this.onJoined(ack, rejoin),
      onRefused: (reason) => {
        this.error.set(`The server refused this link: ${reason}`);
        void this.refresh().catch(() => undefined); // what the join would have told
      },
    });
    void this.api
      .clientConfig()
      .catch(() => DEFAULT_CLIENT_CONFIG)
      .then((config) =>
        this.rtc.startReceiver({
          iceServers: config.ice_servers,
          send: (data, to) =>
            this.socket.send('signal', { session_id: this.sessionId, data, ...(to ? { to } : {}) }),
        }),
      );
    this.socket.on<SignalMessage>('signal', (msg) => {
      this.rtc.handle(msg).catch((e: unknown) => console.warn('signal failed', e));
    });
    this.socket.on<ProctorEvent>('event', (e) => this.addEvent(e, true));
    this.socket.on<ProctorEvent>('event_update', (e) => this.addEvent(e, false));
    this.socket.on<ScoreMessage>('score', (s) => this.setScore(s.score, s.breakdown));
    this.socket.on<ChatMessage>('chat', (m) => this.chat.update((list) => withMessage(list, m)));
    this.socket.on<PresenceMessage>('presence', (p) => this.participants.set(p.participants));
    this.socket.on<SnapshotImage>('snapshot', (s) => this.showSnapshot(s));
    this.socket.on<IdentityStatus>('identity', (s) => this.identity.set(fromStatus(s)));
    this.socket.on('session_ended', () => void this.refresh().catch(() => undefined));
    this.statsTimer = setInterval(() => void this.pollStats(), STATS_MS);
    void this.api
      .identity(sessionId, token)
      .then((state) => this.identity.update((live) => live ?? fromState(state)))
      .catch(() => undefined); // the badge stays "unknown"; live checks still arrive
    // The session itself comes with the join's answer; the events so far from here.
    try {
      const events = await this.api.events(sessionId, token);
      this.events.update((held) => events.reduce(upsertEvent, held));
    } catch (error) {
      this.error.set(describeError(error));
    }
  }

  async sendChat(message: string): Promise<void> {
    const problem = await postChat(this.socket, this.sessionId, message, this.chat);
    if (problem) {
      this.error.set(problem);
    }
  }

  async requestSnapshot(): Promise<void> {
    this.snapshotPending.set(true);
    try {
      const ack = await this.socket.request('snapshot', { session_id: this.sessionId });
      if (!ack.ok) {
        throw new Error(ack.error ?? 'refused');
      }
    } catch (error) {
      this.snapshotPending.set(false);
      this.error.set(`Snapshot not possible: ${describeError(error)}`);
    }
  }

  /**
   * Talks to the candidate, or stops: the microphone goes to the candidate's page over the
   * video link (echo cancellation on, so the candidate's voice coming back is not resent).
   */
  async toggleTalk(): Promise<void> {
    const current = this.rtc.talking();
    if (current) {
      this.rtc.setTalk(null);
      current.getTracks().forEach((t) => t.stop());
      return;
    }
    try {
      const mic = await this.openMic();
      this.rtc.setTalk(mic);
    } catch (error) {
      this.error.set(`The microphone could not be opened: ${describeError(error)}`);
    }
  }

  openMic: () => Promise<MediaStream> = () =>
    navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true },
    });

  /** The next seconds of the candidate's frames become the neutral head pose again. */
  async recalibrate(): Promise<void> {
    try {
      const ack = await this.socket.request('calibrate', { session_id: this.sessionId });
      if (!ack.ok) {
        throw new Error(ack.error ?? 'refused');
      }
      this.notice.set(
        "Calibrating: the candidate's page asks them to look at the screen for the next few seconds.",
      );
      setTimeout(() => this.notice.set(null), 15_000);
    } catch (error) {
      this.error.set(`Calibration not started: ${describeError(error)}`);
    }
  }

  async end(): Promise<void> {
    await this.guard(async () => {
      this.info.set(await this.api.endSession(this.sessionId, this.token));
    });
  }

  async downloadReport(): Promise<void> {
    await this.guard(async () => {
      const pdf = await this.api.report(this.sessionId, this.token);
      saveBlob(pdf, `proctor-report-${this.sessionId}.pdf`);
    });
  }

  ngOnDestroy(): void {
    if (this.statsTimer !== null) {
      clearInterval(this.statsTimer);
    }
    this.rtc
      .talking()
      ?.getTracks()
      .forEach((t) => t.stop());
    const shot = this.snapshot();
    if (shot) {
      URL.revokeObjectURL(shot.url);
    }
  }

  private async refresh(): Promise<void> {
    const [info, events] = await Promise.all([
      this.api.session(this.sessionId, this.token),
      this.api.events(this.sessionId, this.token),
    ]);
    this.info.set(info);
    this.setScore(info.score.score, info.score.breakdown);
    this.events.update((held) => events.reduce(upsertEvent, held));
  }

  private onJoined(ack: Ack, rejoin: boolean): void {
    this.participants.set((ack['participants'] as Participant[] | undefined) ?? []);
    const session = ack['session'] as SessionInfo | undefined;
    if (session?.score) {
      this.info.set(session);
      this.setScore(session.score.score, session.score.breakdown);
    }
    if (rejoin) {
      // Catch up on what happened while disconnected.
      void this.refresh().catch(() => undefined);
    }
    // The candidate already offers on seeing this page join; this asks again in case it missed
    // it (or, after a reconnect, to rebuild a link that lost its media).
    this.rtc.announce();
  }

  private addEvent(event: ProctorEvent, isNew: boolean): void {
    if (event.session_id !== this.sessionId) {
      return;
    }
    this.events.update((list) => upsertEvent(list, event));
    if (isNew) {
      this.latest.set(event);
    }
  }

  private setScore(score: number, breakdown: ScoreItem[]): void {
    this.score.set(score);
    this.breakdown.set(breakdown ?? []);
  }

  private showSnapshot(s: SnapshotImage): void {
    const previous = this.snapshot();
    if (previous) {
      URL.revokeObjectURL(previous.url);
    }
    const bytes = s.image instanceof Uint8Array ? s.image : new Uint8Array(s.image);
    const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'image/jpeg' }));
    this.snapshot.set({ url, timestamp: s.timestamp });
    this.snapshotPending.set(false);
  }

  private async pollStats(): Promise<void> {
    try {
      this.stats.set(await this.rtc.stats());
    } catch {
      this.stats.set(null);
    }
  }

  private async guard(action: () => Promise<void>): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    try {
      await action();
    } catch (error) {
      this.error.set(describeError(error));
    } finally {
      this.busy.set(false);
    }
  }
}
