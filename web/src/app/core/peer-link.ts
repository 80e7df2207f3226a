import { signal } from '@angular/core';

/**
 * What travels in Socket.IO `signal.data`. `conn` names one peer connection (the candidate
 * chooses it); a new value tells the interviewer to start over with a fresh RTCPeerConnection.
 */
export interface SignalData {
  conn: string;
  /** The sending page's id (stable across its socket reconnects). */
  from?: string;
  description?: RTCSessionDescriptionInit;
  candidate?: RTCIceCandidateInit | null;
  /** Interviewer → candidate: "I am here; connect to me unless we already are". */
  ready?: boolean;
}

export type PeerState = RTCPeerConnectionState | 'idle';

export interface LinkOptions {
  /** The interviewer is polite: it yields when both sides offer at once. */
  polite: boolean;
  iceServers: RTCIceServer[];
  /** Tracks to send (the candidate's camera and microphone). */
  stream?: MediaStream;
  factory: (config: RTCConfiguration) => RTCPeerConnection;
  send: (data: Omit<SignalData, 'conn' | 'from'>) => void;
  /** The ICE restart did not bring the link back: the sender builds a new one. */
  onGiveUp?: () => void;
  /** After every change of the connection's state (the owner may close the link here). */
  onState?: () => void;
}

const RESTART_GRACE_MS = 5_000;
const RESET_AFTER_MS = 15_000;
const MAX_EARLY_CANDIDATES = 64;

/**
 * One RTCPeerConnection between the candidate and one interviewer page, with perfect
 * negotiation (either side may renegotiate, e.g. for an ICE restart, without glare). A failed
 * link restarts ICE; if that does not help within 15 s, `onGiveUp` runs.
 */
export class PeerLink {
  readonly state = signal<PeerState>('new');
  readonly remoteStream = signal<MediaStream | null>(null);
  readonly restarts = signal(0);
  /** Socket.IO sid of the page at the other end, where messages go (null: anyone). */
  target: string | null = null;
  /** Page id of the other end, once known. */
  peerPage: string | null = null;
  /** The other end left the room: nothing is sent (see `pause`) until it comes back. */
  orphan = false;

  private readonly pc: RTCPeerConnection;
  private makingOffer = false;
  private ignoreOffer = false;
  /** ICE candidates that arrived before the description they belong to. */
  private early: (RTCIceCandidateInit | undefined)[] = [];
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  private lastLoss: { lost: number; received: number } | null = null;
  private closed = false;
  /** Senders of the interviewer's voice (see `setTalk`). */
  private talkSenders: RTCRtpSender[] = [];
  private paused: { sender: RTCRtpSender; track: MediaStreamTrack | null }[] = [];

  constructor(
    readonly conn: string,
    private readonly options: LinkOptions,
  ) {
    const pc = options.factory({ iceServers: options.iceServers });
    this.pc = pc;
    this.state.set(pc.connectionState);
    pc.onnegotiationneeded = async () => {
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        this.options.send({ description: pc.localDescription?.toJSON() });
      } catch (error) {
        console.warn('negotiation failed', error);
      } finally {
        this.makingOffer = false;
      }
    };
    // Trickled at once: the other side starts its checks with the first candidate.
    pc.onicecandidate = ({ candidate }) =>
      this.options.send({ candidate: candidate?.toJSON() ?? null });
    pc.ontrack = ({ streams, track }) => {
      this.remoteStream.set(streams[0] ?? new MediaStream([track]));
    };
    pc.onconnectionstatechange = () => this.onState();
    const stream = options.stream;
    if (stream) {
      for (const track of stream.getTracks()) {
        pc.addTrack(track, stream);
      }
    }
  }

  get connected(): boolean {
    return this.state() === 'connected';
  }

  /** True while the link is being set up or carries media (nothing to rebuild). */
  get alive(): boolean {
    const s = this.state();
    return s === 'new' || s === 'connecting' || s === 'connected';
  }

  async handle(data: SignalData): Promise<void> {
    const pc = this.pc;
    if (this.closed) {
      return;
    }
    if (data.description) {
      const description = data.description;
      const collision =
        description.type === 'offer' && (this.makingOffer || pc.signalingState !== 'stable');
      this.ignoreOffer = !this.options.polite && collision;
      if (this.ignoreOffer) {
        return;
      }
      await pc.setRemoteDescription(description);
      if (description.type === 'offer') {
        await pc.setLocalDescription();
        this.options.send({ description: pc.localDescription?.toJSON() });
      }
      const early = this.early;
      this.early = [];
      for (const candidate of early) {
        await this.addCandidate(candidate);
      }
    } else if (data.candidate !== undefined) {
      const candidate = data.candidate ?? undefined;
      if (!pc.remoteDescription) {
        // Messages may overtake each other in the relay: its description is still on its way.
        if (this.early.length < MAX_EARLY_CANDIDATES) {
          this.early.push(candidate);
        }
      } else {
        await this.addCandidate(candidate);
      }
    }
  }

  /**
   * Stops sending media without closing the link: no CPU goes into encoding for a page that
   * left, and a page that comes back (its socket reconnected) gets it again at once.
   */
  pause(): void {
    if (this.closed || this.paused.length) {
      return;
    }
    this.paused = this.pc.getSenders().map((sender) => ({ sender, track: sender.track }));
    for (const { sender } of this.paused) {
      void sender.replaceTrack(null).catch(() => undefined);
    }
  }

  resume(): void {
    const paused = this.paused;
    this.paused = [];
    for (const { sender, track } of paused) {
      void sender.replaceTrack(track).catch(() => undefined);
    }
  }

  /**
   * Sends a second stream on this link, or stops sending it (null): the interviewer's voice
   * to the candidate. Adding or removing a track renegotiates (perfect negotiation).
   */
  setTalk(stream: MediaStream | null): void {
    if (this.closed) {
      return;
    }
    for (const sender of this.talkSenders) {
      try {
        this.pc.removeTrack(sender);
      } catch {
        // already gone with a closed connection
      }
    }
    this.talkSenders = [];
    for (const track of stream?.getTracks() ?? []) {
      this.talkSenders.push(this.pc.addTrack(track, stream as MediaStream));
    }
  }

  getStats(): Promise<RTCStatsReport> {
    return this.pc.getStats();
  }

  /** Turns cumulative loss counters into the loss rate since the last reading. */
  lossSince(lost: number, received: number): number | null {
    const previous = this.lastLoss;
    this.lastLoss = { lost, received };
    const dLost = previous ? lost - previous.lost : lost;
    const dReceived = previous ? received - previous.received : received;
    const total = dLost + dReceived;
    return total > 0 ? (100 * Math.max(0, dLost)) / total : null;
  }

  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.clearWatchdog();
    const pc = this.pc;
    pc.onnegotiationneeded = null;
    pc.onicecandidate = null;
    pc.onconnectionstatechange = null;
    pc.ontrack = null;
    pc.close();
    this.remoteStream.set(null);
    this.state.set('closed');
  }

  private async addCandidate(candidate: RTCIceCandidateInit | undefined): Promise<void> {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (error) {
      if (!this.ignoreOffer) {
        console.warn('ICE candidate rejected', error);
      }
    }
  }

  private onState(): void {
    const state = this.pc.connectionState;
    this.state.set(state);
    this.options.onState?.();
    if (this.closed) {
      return;
    }
    if (state === 'connected') {
      this.clearWatchdog();
    } else if (state === 'failed') {
      this.restartIce();
    } else if (state === 'disconnected') {
      // Often recovers by itself within a few seconds; restart ICE if it does not.
      this.arm(RESTART_GRACE_MS, () => this.restartIce());
    }
  }

  private restartIce(): void {
    if (this.closed) {
      return;
    }
    this.restarts.update((n) => n + 1);
    this.pc.restartIce();
    this.arm(RESET_AFTER_MS, () => {
      if (!this.closed && this.pc.connectionState !== 'connected') {
        this.options.onGiveUp?.();
      }
    });
  }

  private arm(ms: number, action: () => void): void {
    this.clearWatchdog();
    this.watchdog = setTimeout(() => {
      this.watchdog = null;
      action();
    }, ms);
  }

  private clearWatchdog(): void {
    if (this.watchdog !== null) {
      clearTimeout(this.watchdog);
      this.watchdog = null;
    }
  }
}
