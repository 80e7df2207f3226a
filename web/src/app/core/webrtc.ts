import { Injectable, OnDestroy, computed, signal } from '@angular/core';
import { Participant, Role } from './models';
import { newClientId } from './outbox';
import { PeerLink, PeerState, SignalData } from './peer-link';

export type { PeerState, SignalData } from './peer-link';

/** A relayed `signal` as the server delivers it: `from` is the sender's Socket.IO sid. */
export interface SignalMessage {
  session_id?: string;
  from_role?: Role | string;
  from?: string;
  data: SignalData;
}

export interface PeerOptions {
  iceServers: RTCIceServer[];
  /** Sends `data`, to the page with Socket.IO sid `to` (absent: to the others in the room). */
  send: (data: SignalData, to?: string) => void;
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

/** How long a link of an interviewer who left waits (sending nothing) for that page to return. */
const ORPHAN_MS = 20_000;
const ORDER: PeerState[] = ['connected', 'connecting', 'new', 'disconnected', 'failed', 'closed'];

/**
 * Live video from the candidate to every interviewer page: the candidate (sender) keeps one
 * peer connection per interviewer in the room, so an exam proctor and a supervisor both see
 * it; an interviewer page (receiver) keeps one, to the candidate.
 *
 * The candidate opens a link as soon as an interviewer shows up in `presence` (no round trip
 * waits for the interviewer to ask), addresses each link's messages to that interviewer's
 * socket, and follows an interviewer whose socket reconnected (same page id, new sid) without
 * rebuilding a link that still carries media.
 */
@Injectable()
export class WebRtcService implements OnDestroy {
  pcFactory: (config: RTCConfiguration) => RTCPeerConnection = (c) => new RTCPeerConnection(c);
  /** This page's id: stable for the page's life, sent in `join` and in every signal. */
  readonly id = newClientId();

  private readonly links = signal<PeerLink[]>([]);
  private options: PeerOptions | null = null;
  private polite = false;
  /** Receiver: messages that came before the receiver had its settings, and a pending hello. */
  private queued: SignalMessage[] = [];
  private announceWhenStarted = false;
  private readonly orphanTimers = new Map<PeerLink, ReturnType<typeof setTimeout>>();

  /** Best state over the links: connected when media flows to (or from) anyone. */
  readonly state = computed<PeerState>(() => {
    const states = this.links().map((l) => l.state());
    return ORDER.find((s) => states.includes(s)) ?? 'idle';
  });
  readonly remoteStream = computed(() => this.links()[0]?.remoteStream() ?? null);
  /** Every link's incoming stream (the candidate hears each interviewer who talks). */
  readonly remoteStreams = computed(() =>
    this.links()
      .map((l) => l.remoteStream())
      .filter((s): s is MediaStream => s !== null),
  );
  /** Interviewer: the microphone sent to the candidate while talking (null: silent). */
  readonly talking = signal<MediaStream | null>(null);
  readonly restarts = computed(() => this.links().reduce((n, l) => n + l.restarts(), 0));
  /** Sender: how many interviewer pages get the video now. */
  readonly viewers = computed(() => this.links().filter((l) => l.state() === 'connected').length);

  get isOfferer(): boolean {
    return !this.polite;
  }

  /** Candidate side: sends `stream` to each interviewer (see `syncPeers`). */
  startSender(options: PeerOptions): void {
    this.options = options;
    this.polite = false;
  }

  /** Interviewer side: answers the candidate's offers. */
  startReceiver(options: PeerOptions): void {
    this.options = options;
    this.polite = true;
    const queued = this.queued;
    this.queued = [];
    for (const message of queued) {
      void this.handle(message);
    }
    if (this.announceWhenStarted) {
      this.announce();
    }
  }

  /** Interviewer: sends `stream` (the microphone) to the candidate, or stops (null). */
  setTalk(stream: MediaStream | null): void {
    this.talking.set(stream);
    for (const link of this.links()) {
      link.setTalk(stream);
    }
  }

  /** Interviewer: asks the candidate to connect (after joining or rejoining the room). */
  announce(): void {
    if (!this.options) {
      this.announceWhenStarted = true;
      return;
    }
    this.announceWhenStarted = false;
    this.options.send({ conn: this.links()[0]?.conn ?? '', from: this.id, ready: true });
  }

  /** Candidate: one link per interviewer present; links of interviewers gone are dropped
   * (a link still carrying media only once it stops: the page may be reconnecting). */
  syncPeers(participants: Participant[]): void {
    if (!this.options || !this.isOfferer) {
      return;
    }
    const present = participants.filter((p) => p.role === 'interviewer' && p.sid);
    const sids = new Set(present.map((p) => p.sid));
    for (const p of present) {
      const sid = p.sid as string;
      if (this.linkTo(sid)) {
        continue;
      }
      const same = p.peer ? this.links().find((l) => l.peerPage === p.peer && l.alive) : undefined;
      if (same) {
        same.target = sid; // the same page on a new socket
        this.adopt(same);
      } else {
        this.open(sid, p.peer ?? null);
      }
    }
    for (const link of this.links()) {
      if (link.target && !sids.has(link.target) && !link.orphan) {
        if (!link.connected) {
          this.drop(link);
          continue;
        }
        // Maybe a socket reconnect: keep the link, send nothing, give it a while to come back.
        link.orphan = true;
        link.pause();
        const timer = setTimeout(() => {
          if (this.links().includes(link) && link.orphan) {
            this.drop(link);
          }
        }, ORPHAN_MS);
        this.orphanTimers.set(link, timer);
      }
    }
  }

  /** Candidate, after rejoining: rebuilds the links that lost their media. */
  ensureConnected(): void {
    if (this.isOfferer) {
      for (const link of this.links()) {
        if (!link.alive) {
          this.rebuild(link);
        }
      }
    }
  }

  async handle(message: SignalMessage): Promise<void> {
    const data = message?.data;
    if (!data || typeof data.conn !== 'string') {
      return;
    }
    if (!this.options) {
      this.queued.push(message);
      return;
    }
    return this.isOfferer ? this.fromInterviewer(message, data) : this.fromCandidate(message, data);
  }

  async stats(): Promise<PeerStats | null> {
    const link = this.links().find((l) => l.connected) ?? this.links()[0];
    return link ? readStats(await link.getStats(), link) : null;
  }

  close(): void {
    for (const link of this.links()) {
      this.drop(link);
    }
  }

  ngOnDestroy(): void {
    this.close();
    this.options = null;
  }

  private async fromInterviewer(message: SignalMessage, data: SignalData): Promise<void> {
    if (message.from_role === 'candidate' || !message.from) {
      return;
    }
    const sid = message.from;
    let link = this.linkTo(sid) ?? this.links().find((l) => l.conn === data.conn && l.alive);
    if (link && link.target !== sid) {
      link.target = sid; // that page's socket reconnected: follow it
      this.adopt(link);
    }
    if (data.ready) {
      if (!link) {
        this.open(sid, data.from ?? null);
      } else if (!link.alive) {
        this.rebuild(link);
      }
      return;
    }
    if (link && link.conn === data.conn) {
      link.peerPage ??= data.from ?? null;
      await link.handle(data);
    }
  }

  private async fromCandidate(message: SignalMessage, data: SignalData): Promise<void> {
    if (message.from_role === 'interviewer' || data.ready) {
      return;
    }
    let link: PeerLink | undefined = this.links()[0];
    if (!link || link.conn !== data.conn) {
      if (data.description?.type !== 'offer') {
        return; // a message of a connection the candidate has replaced
      }
      this.close();
      link = this.make(data.conn, message.from ?? null);
    }
    link.target = message.from ?? link.target;
    await link.handle(data);
  }

  private linkTo(sid: string): PeerLink | undefined {
    return this.links().find((l) => l.target === sid);
  }

  private open(sid: string, page: string | null): PeerLink {
    const link = this.make(newClientId(), sid);
    link.peerPage = page;
    return link;
  }

  private rebuild(link: PeerLink): void {
    const target = link.target;
    const page = link.peerPage;
    this.drop(link);
    if (target) {
      this.open(target, page);
    }
  }

  private adopt(link: PeerLink): void {
    if (link.orphan) {
      link.orphan = false;
      link.resume();
      clearTimeout(this.orphanTimers.get(link));
      this.orphanTimers.delete(link);
    }
  }

  private drop(link: PeerLink): void {
    clearTimeout(this.orphanTimers.get(link));
    this.orphanTimers.delete(link);
    link.close();
    this.links.update((all) => all.filter((l) => l !== link));
  }

  private make(conn: string, target: string | null): PeerLink {
    const options = this.options as PeerOptions;
    const link: PeerLink = new PeerLink(conn, {
      polite: this.polite,
      iceServers: options.iceServers,
      stream: this.isOfferer ? options.stream : undefined,
      factory: this.pcFactory,
      send: (data) =>
        this.options?.send({ conn, from: this.id, ...data }, link.target ?? undefined),
      onGiveUp: () => {
        if (this.isOfferer && this.links().includes(link)) {
          this.rebuild(link);
        }
      },
      onState: () => {
        // A link whose interviewer left is dropped once it stops carrying media.
        if (link.orphan && !link.connected && this.links().includes(link)) {
          this.drop(link);
        }
      },
    });
    link.target = target;
    if (!this.isOfferer && this.talking()) {
      link.setTalk(this.talking()); // a new connection carries the voice from the start
    }
    this.links.update((all) => [...all, link]);
    return link;
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
export function readStats(report: RTCStatsReport, peer: Pick<PeerLink, 'lossSince'>): PeerStats {
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
