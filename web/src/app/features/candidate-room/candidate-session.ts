import { Injectable, OnDestroy, computed, inject, signal } from '@angular/core';
import { ApiService } from '../../core/api';
import { AudioSenderService } from '../../core/audio-sender';
import { FrameSenderService } from '../../core/frame-sender';
import {
  Ack,
  ChatMessage,
  ClientConfig,
  Notice,
  Participant,
  PresenceMessage,
  SnapshotRequest,
} from '../../core/models';
import { postChat, withMessage } from '../../core/chat-sender';
import { OutboxItem, OutboxService, newClientId } from '../../core/outbox';
import { RecorderService, claimPart, releasePart } from '../../core/recorder';
import { SocketService } from '../../core/socket';
import { SignalMessage, WebRtcService } from '../../core/webrtc';
import { watchBrowserEvents } from './browser-events';

export interface CandidateStart {
  sessionId: string;
  token: string;
  config: ClientConfig;
  stream: MediaStream;
  /** The playing preview: frames and snapshots are taken from it. */
  video: HTMLVideoElement;
}

const NOTICE_MS = 10_000;
/**
 * How long the page asks the candidate to look at the screen: the server calibrates the
 * neutral head pose and gaze on the first seconds of frames (5 s by default), from the first
 * frame it analyses, at the start and after the interviewer's "Recalibrate".
 */
export const CALIBRATION_MS = 8_000;
export const CALIBRATION_MESSAGE =
  'Calibrating: please look at the screen, as you will during the interview, for the next few seconds.';

/**
 * Everything the candidate's page does during a session: joins the room (and rejoins after a
 * reconnect), streams to the interviewer, sends frames, records and uploads, reports browser
 * events through the outbox, answers snapshots and keeps the chat.
 */
@Injectable()
export class CandidateSession implements OnDestroy {
  private readonly api = inject(ApiService);
  readonly socket = inject(SocketService);
  readonly rtc = inject(WebRtcService);
  readonly frames = inject(FrameSenderService);
  readonly outbox = inject(OutboxService);
  readonly recorder = inject(RecorderService);
  readonly audio = inject(AudioSenderService);

  readonly name = signal('');
  readonly chat = signal<ChatMessage[]>([]);
  readonly notice = signal<Notice | null>(null);
  /** True while the server takes the candidate's neutral pose and gaze. */
  readonly calibrating = signal(false);
  readonly interviewerPresent = signal(false);
  readonly ended = signal(false);
  readonly error = signal<string | null>(null);
  readonly snapshotsAnswered = signal(0);
  readonly joined = computed(() => this.socket.state() === 'connected');

  private start: CandidateStart | null = null;
  private stopWatching: (() => void) | null = null;
  private noticeTimer: ReturnType<typeof setTimeout> | null = null;
  private calibrationTimer: ReturnType<typeof setTimeout> | null = null;
  private finishing: Promise<void> | null = null;

  begin(start: CandidateStart): void {
    this.start = start;
    const { sessionId, token } = start;
    this.outbox.init(sessionId, (item) => this.deliver(item));
    this.stopWatching = watchBrowserEvents(document, window, (type, detail) =>
      this.outbox.add(type, detail),
    );

    this.socket.connect({
      token,
      sessionId,
      role: 'candidate',
      peer: this.rtc.id,
      onJoined: (ack, rejoin) => this.onJoined(ack, rejoin),
      onRefused: (reason) => this.onRefused(reason),
    });
    this.socket.on<SignalMessage>('signal', (msg) => {
      this.rtc.handle(msg).catch((e: unknown) => console.warn('signal failed', e));
    });
    this.socket.on<ChatMessage>('chat', (m) => this.chat.update((list) => withMessage(list, m)));
    this.socket.on<Notice>('notice', (n) =>
      n.type === 'calibrating' ? this.startCalibrating() : this.showNotice(n),
    );
    this.socket.on<SnapshotRequest>('snapshot', (req) => void this.answerSnapshot(req));
    this.socket.on<PresenceMessage>('presence', (p) => this.onPresence(p));
    this.socket.on('session_ended', () => void this.finish());
  }

  async sendChat(message: string): Promise<void> {
    const start = this.start;
    if (!start) {
      return;
    }
    const problem = await postChat(this.socket, start.sessionId, message, this.chat);
    if (problem) {
      this.error.set(problem);
    }
  }

  /** Stops sending, finishes the upload and leaves. Safe to call more than once. */
  finish(): Promise<void> {
    this.finishing ??= (async () => {
      this.ended.set(true);
      this.stopCalibrating();
      this.frames.stop();
      this.audio.stop();
      this.rtc.close();
      this.stopWatching?.();
      this.stopWatching = null;
      await this.recorder.stop();
      this.socket.close();
      this.start?.stream.getTracks().forEach((t) => t.stop());
    })();
    return this.finishing;
  }

  ngOnDestroy(): void {
    this.stopWatching?.();
    // Leaving the page turns the camera off (the other services stop themselves).
    this.start?.stream.getTracks().forEach((t) => t.stop());
    if (this.noticeTimer !== null) {
      clearTimeout(this.noticeTimer);
    }
    this.stopCalibrating();
  }

  private onJoined(ack: Ack, rejoin: boolean): void {
    const start = this.start;
    if (!start) {
      return;
    }
    const session = ack['session'] as { name?: string; status?: string } | undefined;
    this.name.set(session?.name ?? '');
    this.onPresence({
      session_id: start.sessionId,
      participants: (ack['participants'] as []) ?? [],
    });
    if (!rejoin) {
      // Recording starts only once the server let us in (never for an ended session).
      this.startRecording(start);
      this.rtc.startSender({
        iceServers: start.config.ice_servers,
        stream: start.stream,
        send: (data, to) =>
          this.socket.send('signal', { session_id: start.sessionId, data, ...(to ? { to } : {}) }),
      });
      // The first frames the server sees calibrate the neutral pose and gaze.
      this.startCalibrating();
      this.frames.start(
        start.video,
        {
          width: start.config.frame_width,
          height: start.config.frame_height,
          quality: start.config.jpeg_quality,
          intervalMs: start.config.frame_interval_ms,
        },
        (image, ts) => this.sendFrame(image, ts),
      );
      // The microphone, for the server's live audio analysis (speech, another voice)
      this.audio.start(start.stream, (data, seq, ts) => this.sendAudio(data, seq, ts));
    } else {
      this.rtc.ensureConnected();
      this.audio.restart(); // the server forgot the stream that was cut
    }
    // A link to each interviewer already in the room, made at once.
    this.rtc.syncPeers((ack['participants'] as Participant[] | undefined) ?? []);
    void this.outbox.flush();
  }

  /**
   * Each page records its own part, so a reload never overwrites what the page before it
   * recorded; that page's part is completed here with whatever chunks reached the server.
   */
  private startRecording(start: CandidateStart): void {
    const { sessionId, token } = start;
    const part = newClientId();
    const previous = claimPart(sessionId, part);
    if (previous) {
      // Best effort: the server also joins a part left unfinished for a while by itself.
      this.api.completeVideo(sessionId, previous, {}, token).catch(() => undefined);
    }
    this.recorder.start(start.stream, start.config.chunk_interval_ms, {
      upload: (index, data, recordedMs) =>
        this.api.putChunk(sessionId, part, index, data, recordedMs, token),
      complete: async (info) => {
        const receipt = await this.api.completeVideo(
          sessionId,
          part,
          {
            chunks: info.chunks,
            mime: info.mime,
            started_at: info.startedAt,
            duration_s: info.durationS,
          },
          token,
        );
        releasePart(sessionId, part);
        return receipt;
      },
    });
  }

  private onRefused(reason: string): void {
    if (/ended/i.test(reason)) {
      void this.finish();
    } else {
      this.error.set(`The server refused this link: ${reason}`);
    }
  }

  private onPresence(p: PresenceMessage): void {
    this.interviewerPresent.set(p.participants.some((x) => x.role === 'interviewer'));
    this.rtc.syncPeers(p.participants);
  }

  private async sendFrame(image: ArrayBuffer, ts: number): Promise<boolean> {
    const start = this.start;
    if (!start || !this.socket.connected) {
      return false;
    }
    try {
      const ack = await this.socket.request(
        'frame',
        { session_id: start.sessionId, image, ts },
        5000,
      );
      return ack.ok;
    } catch {
      return false;
    }
  }

  private async sendAudio(data: ArrayBuffer, seq: number, ts: number): Promise<boolean> {
    const start = this.start;
    if (!start || !this.socket.connected) {
      return false;
    }
    try {
      const ack = await this.socket.request(
        'audio',
        { session_id: start.sessionId, data, seq, ts },
        5000,
      );
      if (ack.ok && ack['accepted'] === false) {
        this.audio.stop(); // the server does not analyse audio: send none
      }
      return ack.ok;
    } catch {
      return false;
    }
  }

  private async deliver(item: OutboxItem): Promise<'stored' | 'rejected' | 'retry'> {
    if (!this.socket.connected) {
      return 'retry';
    }
    const ack = await this.socket.request('event', item);
    if (ack.ok) {
      return 'stored';
    }
    // Rate limits and "join first" pass; anything else would be refused again.
    return /rate|join|connected/i.test(ack.error ?? '') ? 'retry' : 'rejected';
  }

  private async answerSnapshot(req: SnapshotRequest): Promise<void> {
    const blob = await this.frames.capture();
    if (!blob || !this.start) {
      return;
    }
    const image = await blob.arrayBuffer();
    try {
      const ack = await this.socket.request('snapshot', {
        session_id: this.start.sessionId,
        request_id: req.request_id,
        image,
      });
      if (ack.ok) {
        this.snapshotsAnswered.update((n) => n + 1);
      }
    } catch {
      // The interviewer can ask again.
    }
  }

  private startCalibrating(): void {
    this.stopCalibrating();
    this.calibrating.set(true);
    this.calibrationTimer = setTimeout(() => this.stopCalibrating(), CALIBRATION_MS);
  }

  private stopCalibrating(): void {
    if (this.calibrationTimer !== null) {
      clearTimeout(this.calibrationTimer);
      this.calibrationTimer = null;
    }
    this.calibrating.set(false);
  }

  private showNotice(notice: Notice): void {
    this.notice.set(notice);
    if (this.noticeTimer !== null) {
      clearTimeout(this.noticeTimer);
    }
    this.noticeTimer = setTimeout(() => this.notice.set(null), NOTICE_MS);
  }
}
