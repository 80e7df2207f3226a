import { Injectable, OnDestroy, signal } from '@angular/core';
import { newClientId } from './outbox';

/**
 * What travels in Socket.IO `signal.data`. `conn` names one peer connection of the candidate;
 * a new value tells the interviewer to start over with a fresh RTCPeerConnection.
 */
export interface SignalData {
  conn: string;
  /** Sender's id: one per page, so a second interviewer tab cannot take over silently. */
  from?: string;
  /** The peer this message is meant for (absent: anyone). */
  to?: string;
  description?: RTCSessionDescriptionInit;
  candidate?: RTCIceCandidateInit | null;
  /** Interviewer → candidate: "I am here; (re)connect unless we already are". */
  ready?: boolean;
}

export type PeerState = RTCPeerConnectionState | 'idle';

export interface PeerOptions {
  iceServers: RTCIceServer[];
  send: (data: SignalData) => void;
  /** The candidate's camera and microphone; absent on the receiving side. */
  stream?: MediaStream;
}

export interface PeerStats {
  rttMs: number | null;
  packetLossPct: number | null;
  fps: number | null;
  width: number | null;
  height: number | null;
}

const RESTART_GRACE_MS = 5_000;
const RESET_AFTER_MS = 15_000;

/**
 * One WebRTC link between the candidate (sender, "impolite") and the interviewer (receiver,
 * "polite"), with perfect negotiation so either side may renegotiate (e.g. an ICE restart)
 * without glare. A failed connection restarts ICE; if that does not help, the candidate builds
 * a new connection.
 */
@Injectable()
export class WebRtcService implements OnDestroy {
  readonly state = signal<PeerState>('idle');
  readonly remoteStream = signal<MediaStream | null>(null);
  readonly restarts = signal(0);
  pcFactory: (config: RTCConfiguration) => RTCPeerConnection = (c) => new RTCPeerConnection(c);

  private pc: RTCPeerConnection | null = null;
  private conn = '';
  private readonly self = newClientId();
  /** The other page this one talks to; the candidate follows the latest interviewer that announced itself. */
  private peer = '';
  private polite = false;
  private makingOffer = false;
  private ignoreOffer = false;
  private options: PeerOptions | null = null;
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  private lastStats: { lost: number; received: number } | null = null;

  get isOfferer(): boolean {
    return !this.polite;
  }

  /** Candidate side: sends `stream` and owns the connection id. */
  startSender(options: PeerOptions): void {
    this.options = options;
    this.polite = false;
    this.reset();
  }

  /** Interviewer side: waits for the candidate's offer. */
  startReceiver(options: PeerOptions): void {
    this.options = options;
    this.polite = true;
    this.announce();
  }

  /** Interviewer: asks the candidate to (re)connect, e.g. after joining or rejoining the room. */
  announce(): void {
    this.options?.send({ conn: this.conn, from: this.self, ready: true });
  }

  /** Candidate: after a (re)join, rebuilds the connection unless media is flowing. */
  ensureConnected(): void {
    if (this.isOfferer && this.state() !== 'connected') {
      this.reset();
    }
  }

  /** Candidate: a brand-new connection with a new id (the interviewer follows the id). */
  reset(): void {
    if (!this.options || !this.isOfferer) {
      return;
    }
    this.create(newClientId());
    const pc = this.pc;
    const stream = this.options.stream;
    if (pc && stream) {
      for (const track of stream.getTracks()) {
        pc.addTrack(track, stream);
      }
    }
  }

  async handle(data: SignalData): Promise<void> {
    if (!data || typeof data.conn !== 'string') {
      return;
    }
    if (data.to && data.to !== this.self) {
      return;
    }
    if (data.ready) {
      const samePeer = data.from === this.peer && data.conn === this.conn;
      if (this.isOfferer && !(samePeer && this.state() === 'connected')) {
        this.peer = data.from ?? '';
        this.reset();
      }
      return;
    }
    if (this.isOfferer) {
      // Answers and candidates count only for the current connection and the current interviewer.
      if (data.conn !== this.conn || (this.peer && data.from !== this.peer)) {
        return;
      }
      this.peer ||= data.from ?? '';
    } else {
      this.peer = data.from ?? '';
      if (data.conn !== this.conn) {
        this.create(data.conn);
      }
    }
    const pc = this.pc;
    if (!pc) {
      return;
    }
    if (data.description) {
      const description = data.description;
      const collision =
        description.type === 'offer' && (this.makingOffer || pc.signalingState !== 'stable');
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) {
        return;
      }
      await pc.setRemoteDescription(description);
      if (description.type === 'offer') {
        await pc.setLocalDescription();
        this.emit({ description: pc.localDescription?.toJSON() });
      }
    } else if (data.candidate !== undefined) {
      try {
        await pc.addIceCandidate(data.candidate ?? undefined);
      } catch (error) {
        if (!this.ignoreOffer) {
          console.warn('ICE candidate rejected', error);
        }
      }
    }
  }

  async stats(): Promise<PeerStats | null> {
    if (!this.pc) {
      return null;
    }
    const report = await this.pc.getStats();
    return readStats(report, this);
  }

  /** Used by readStats to turn cumulative counters into a recent loss rate. */
  lossSince(lost: number, received: number): number | null {
    const previous = this.lastStats;
    this.lastStats = { lost, received };
    const dLost = previous ? lost - previous.lost : lost;
    const dReceived = previous ? received - previous.received : received;
    const total = dLost + dReceived;
    return total > 0 ? (100 * Math.max(0, dLost)) / total : null;
  }

  close(): void {
    this.clearWatchdog();
    if (this.pc) {
      this.pc.onnegotiationneeded = null;
      this.pc.onicecandidate = null;
      this.pc.onconnectionstatechange = null;
      this.pc.ontrack = null;
      this.pc.close();
    }
    this.pc = null;
    this.remoteStream.set(null);
    this.state.set('idle');
  }

  ngOnDestroy(): void {
    this.close();
    this.options = null;
  }

  private create(conn: string): void {
    this.close();
    this.conn = conn;
    this.lastStats = null;
    this.makingOffer = false;
    this.ignoreOffer = false;
    const pc = this.pcFactory({ iceServers: this.options?.iceServers ?? [] });
    this.pc = pc;
    this.state.set(pc.connectionState);
    pc.onnegotiationneeded = async () => {
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        this.emit({ description: pc.localDescription?.toJSON() });
      } catch (error) {
        console.warn('negotiation failed', error);
      } finally {
        this.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => this.emit({ candidate: candidate?.toJSON() ?? null });
    pc.ontrack = ({ streams, track }) => {
      const stream = streams[0] ?? new MediaStream([track]);
      this.remoteStream.set(stream);
    };
    pc.onconnectionstatechange = () => this.onState(pc);
  }

  private onState(pc: RTCPeerConnection): void {
    if (pc !== this.pc) {
      return;
    }
    const state = pc.connectionState;
    this.state.set(state);
    if (state === 'connected') {
      this.clearWatchdog();
    } else if (state === 'failed') {
      this.restartIce(pc);
    } else if (state === 'disconnected') {
      // Often recovers by itself within a few seconds; restart ICE if it does not.
      this.arm(RESTART_GRACE_MS, () => this.restartIce(pc));
    }
  }

  private restartIce(pc: RTCPeerConnection): void {
    if (pc !== this.pc) {
      return;
    }
    this.restarts.update((n) => n + 1);
    pc.restartIce();
    // The sender rebuilds the whole connection when an ICE restart does not bring it back.
    this.arm(RESET_AFTER_MS, () => {
      if (pc === this.pc && pc.connectionState !== 'connected') {
        this.reset();
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

  private emit(data: Omit<SignalData, 'conn' | 'from' | 'to'>): void {
    const to = this.peer ? { to: this.peer } : {};
    this.options?.send({ conn: this.conn, from: this.self, ...to, ...data });
  }
}

interface StatLike {
  type: string;
  kind?: string;
  state?: string;
  nominated?: boolean;
  currentRoundTripTime?: number;
  packetsLost?: number;
  packetsReceived?: number;
  framesPerSecond?: number;
  frameWidth?: number;
  frameHeight?: number;
}

/** RTT of the active candidate pair; loss, fps and size of the incoming video. */
export function readStats(
  report: RTCStatsReport,
  peer: Pick<WebRtcService, 'lossSince'>,
): PeerStats {
  const out: PeerStats = { rttMs: null, packetLossPct: null, fps: null, width: null, height: null };
  report.forEach((entry: StatLike) => {
    if (entry.type === 'candidate-pair' && entry.state === 'succeeded' && entry.nominated) {
      if (typeof entry.currentRoundTripTime === 'number') {
        out.rttMs = Math.round(entry.currentRoundTripTime * 1000);
      }
    } else if (entry.type === 'inbound-rtp' && entry.kind === 'video') {
      out.packetLossPct = peer.lossSince(entry.packetsLost ?? 0, entry.packetsReceived ?? 0);
      out.fps = entry.framesPerSecond ?? null;
      out.width = entry.frameWidth ?? null;
      out.height = entry.frameHeight ?? null;
    }
  });
  return out;
}

export type Quality = 'good' | 'fair' | 'poor' | 'unknown';

export function qualityOf(stats: PeerStats | null): Quality {
  if (!stats || stats.rttMs === null) {
    return 'unknown';
  }
  const loss = stats.packetLossPct ?? 0;
  if (stats.rttMs < 200 && loss < 2) {
    return 'good';
  }
  if (stats.rttMs < 500 && loss < 8) {
    return 'fair';
  }
  return 'poor';
}
