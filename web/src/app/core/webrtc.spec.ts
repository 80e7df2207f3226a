import { TestBed } from '@angular/core/testing';
import { PeerLink } from './peer-link';
import { FakePeerConnection } from './testing/fake-peer-connection';
import {
  PeerStats,
  SignalData,
  SignalMessage,
  WebRtcService,
  qualityOf,
  readStats,
} from './webrtc';

interface Sent {
  data: SignalData;
  to?: string;
}

function peer(): { rtc: WebRtcService; pcs: FakePeerConnection[] } {
  const rtc = new WebRtcService();
  const pcs: FakePeerConnection[] = [];
  rtc.pcFactory = () => {
    const pc = new FakePeerConnection();
    pcs.push(pc);
    return pc as unknown as RTCPeerConnection;
  };
  return { rtc, pcs };
}

const stream = { getTracks: () => [{}, {}] } as unknown as MediaStream;
const interviewer = (sid: string, peerId?: string) => ({
  role: 'interviewer' as const,
  name: 'I',
  sid,
  ...(peerId ? { peer: peerId } : {}),
});
const fromInterviewer = (sid: string, data: SignalData): SignalMessage => ({
  from_role: 'interviewer',
  from: sid,
  data,
});

function sender(): { rtc: WebRtcService; pcs: FakePeerConnection[]; sent: Sent[] } {
  const { rtc, pcs } = peer();
  const sent: Sent[] = [];
  rtc.startSender({ iceServers: [], stream, send: (data, to) => sent.push({ data, to }) });
  return { rtc, pcs, sent };
}

describe('WebRtcService signaling', () => {
  it('connects a sender and a receiver through relayed messages (offer, answer, candidates)', async () => {
    const a = sender();
    const b = peer();
    const toCandidate: Sent[] = [];
    b.rtc.startReceiver({ iceServers: [], send: (data, to) => toCandidate.push({ data, to }) });
    a.rtc.syncPeers([interviewer('sid-i', b.rtc.id)]); // the interviewer shows up in presence
    expect(a.pcs).toHaveLength(1);
    expect(a.pcs[0].tracks).toBe(2);

    await a.pcs[0].onnegotiationneeded!();
    const offer = a.sent[0];
    expect(offer.data.description?.type).toBe('offer');
    expect(offer.to).toBe('sid-i'); // addressed to that interviewer only

    await b.rtc.handle({ from_role: 'candidate', from: 'sid-c', data: offer.data });
    expect(b.pcs).toHaveLength(1); // created for the candidate's connection id
    const answer = toCandidate.find((m) => m.data.description?.type === 'answer')!;
    expect(answer.to).toBe('sid-c');
    expect(answer.data.conn).toBe(offer.data.conn);

    await a.rtc.handle(fromInterviewer('sid-i', answer.data));
    expect(a.pcs[0].remote.map((d) => d.type)).toEqual(['answer']);
    await a.rtc.handle(
      fromInterviewer('sid-i', { conn: answer.data.conn, candidate: { candidate: 'c1' } }),
    );
    expect(a.pcs[0].candidates).toEqual([{ candidate: 'c1' }]);
  });

  it("sends the interviewer's voice on its link while talking, and on a new link too", async () => {
    const a = sender();
    const b = peer();
    const toCandidate: Sent[] = [];
    b.rtc.startReceiver({ iceServers: [], send: (data, to) => toCandidate.push({ data, to }) });
    a.rtc.syncPeers([interviewer('sid-i', b.rtc.id)]);
    await a.pcs[0].onnegotiationneeded!();
    await b.rtc.handle({ from_role: 'candidate', from: 'sid-c', data: a.sent[0].data });
    expect(b.pcs[0].tracks).toBe(0); // receive-only until the interviewer talks

    const mic = { getTracks: () => [{ kind: 'audio' }] } as unknown as MediaStream;
    b.rtc.setTalk(mic);
    expect(b.pcs[0].tracks).toBe(1);
    expect(b.rtc.talking()).toBe(mic);
    await b.pcs[0].onnegotiationneeded!(); // the interviewer offers the new track
    expect(toCandidate.at(-1)?.data.description?.type).toBe('offer');

    // The candidate's page reloads: its new connection carries the voice from the start.
    await b.rtc.handle({
      from_role: 'candidate',
      from: 'sid-c2',
      data: { ...a.sent[0].data, conn: 'new-conn' },
    });
    expect(b.pcs[1].tracks).toBe(1);
    b.rtc.setTalk(null);
    expect(b.pcs[1].tracks).toBe(0);
    expect(b.rtc.talking()).toBeNull();
  });

  it('keeps one link per interviewer, each addressed to its own page', async () => {
    const { rtc, pcs, sent } = sender();
    rtc.syncPeers([interviewer('proctor'), interviewer('supervisor')]);
    expect(pcs).toHaveLength(2);
    await pcs[0].onnegotiationneeded!();
    await pcs[1].onnegotiationneeded!();
    expect(sent.map((m) => m.to)).toEqual(['proctor', 'supervisor']);
    expect(sent[0].data.conn).not.toBe(sent[1].data.conn);
    // An answer from one reaches only its own link.
    const answer = { conn: sent[1].data.conn, description: { type: 'answer' as const, sdp: '' } };
    await rtc.handle(fromInterviewer('supervisor', answer));
    await rtc.handle(fromInterviewer('proctor', answer)); // not that page's connection
    expect(pcs[1].remote).toHaveLength(1);
    expect(pcs[0].remote).toHaveLength(0);
    pcs[1].setState('connected');
    expect(rtc.state()).toBe('connected');
    expect(rtc.viewers()).toBe(1);
  });

  it('follows a page whose socket reconnected, and drops the links of pages that left', () => {
    const { rtc, pcs } = sender();
    rtc.syncPeers([interviewer('old-sid', 'page-1'), interviewer('other', 'page-2')]);
    pcs[0].setState('connected');
    // page-1 reconnected under a new sid; page-2 left before its link was up.
    rtc.syncPeers([interviewer('new-sid', 'page-1')]);
    expect(pcs).toHaveLength(2); // nothing rebuilt
    expect(pcs[0].closed).toBe(false);
    expect(pcs[1].closed).toBe(true);
  });

  it('pauses a link that carries media when its page leaves, and closes it when the media stops', async () => {
    const { rtc, pcs } = sender();
    rtc.syncPeers([interviewer('gone', 'page-1')]);
    pcs[0].setState('connected');
    rtc.syncPeers([]);
    await Promise.resolve();
    expect(pcs[0].closed).toBe(false);
    expect(pcs[0].senders.map((s) => s.track)).toEqual([null, null]); // nothing encoded for it
    pcs[0].setState('disconnected');
    expect(pcs[0].closed).toBe(true);
    expect(rtc.state()).toBe('idle');
  });

  it('resumes a paused link when its page comes back on a new socket, and drops it if not', async () => {
    vi.useFakeTimers();
    try {
      const { rtc, pcs } = sender();
      rtc.syncPeers([interviewer('s1', 'page-1'), interviewer('s2', 'page-2')]);
      pcs[0].setState('connected');
      pcs[1].setState('connected');
      rtc.syncPeers([]); // both sockets dropped
      rtc.syncPeers([interviewer('s3', 'page-1')]); // one page is back
      await vi.advanceTimersByTimeAsync(0);
      expect(pcs).toHaveLength(2);
      expect(pcs[0].senders.every((s) => s.track !== null)).toBe(true);
      expect(pcs[1].senders.every((s) => s.track === null)).toBe(true);
      await vi.advanceTimersByTimeAsync(20_000);
      expect(pcs[1].closed).toBe(true); // the other one never came back
      expect(pcs[0].closed).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('answers an interviewer that asks: a link if it has none, a new one if its link broke', async () => {
    const { rtc, pcs } = sender();
    await rtc.handle(fromInterviewer('i1', { conn: '', from: 'page-1', ready: true }));
    expect(pcs).toHaveLength(1);
    await rtc.handle(fromInterviewer('i1', { conn: '', from: 'page-1', ready: true }));
    expect(pcs).toHaveLength(1); // already being set up: the offer is on its way
    pcs[0].setState('failed');
    await rtc.handle(fromInterviewer('i1', { conn: '', from: 'page-1', ready: true }));
    expect(pcs).toHaveLength(2);
    expect(pcs[0].closed).toBe(true);
  });

  it('ignores messages of a replaced connection and messages from other candidates', async () => {
    const { rtc, pcs } = peer();
    rtc.startReceiver({ iceServers: [], send: () => undefined });
    await rtc.handle({ from_role: 'candidate', from: 'c', data: { conn: 'x', candidate: null } });
    expect(pcs).toHaveLength(0); // no offer for it: nothing to build
    const s = sender();
    await s.rtc.handle({ from_role: 'candidate', from: 'c2', data: { conn: '', ready: true } });
    expect(s.pcs).toHaveLength(0);
  });

  it('keeps ICE candidates that overtook their description', async () => {
    const { rtc, pcs } = peer();
    rtc.startReceiver({ iceServers: [], send: () => undefined });
    const offer = { type: 'offer' as const, sdp: '' };
    await rtc.handle({
      from_role: 'candidate',
      from: 'c',
      data: { conn: 'k', description: offer },
    });
    pcs[0].remote = []; // as if the description were still being applied
    await rtc.handle({
      from_role: 'candidate',
      from: 'c',
      data: { conn: 'k', candidate: { candidate: 'c9' } },
    });
    expect(pcs[0].candidates).toEqual([]);
    await rtc.handle({
      from_role: 'candidate',
      from: 'c',
      data: { conn: 'k', description: offer },
    });
    expect(pcs[0].candidates).toEqual([{ candidate: 'c9' }]);
  });

  it('a receiver keeps what comes before it has its settings, and asks once it has them', async () => {
    const { rtc, pcs } = peer();
    const sent: Sent[] = [];
    rtc.announce();
    await rtc.handle({
      from_role: 'candidate',
      from: 'c',
      data: { conn: 'k', description: { type: 'offer', sdp: '' } },
    });
    expect(pcs).toHaveLength(0);
    rtc.startReceiver({ iceServers: [], send: (data, to) => sent.push({ data, to }) });
    await Promise.resolve();
    await Promise.resolve();
    expect(pcs).toHaveLength(1);
    expect(sent.some((m) => m.data.ready && m.data.from === rtc.id)).toBe(true);
  });

  it('restarts ICE when a link fails, and rebuilds it when that does not help', () => {
    vi.useFakeTimers();
    try {
      const { rtc, pcs } = sender();
      rtc.syncPeers([interviewer('i1')]);
      pcs[0].setState('failed');
      expect(pcs[0].restarted).toBe(1);
      expect(rtc.restarts()).toBe(1);
      expect(rtc.state()).toBe('failed');
      vi.advanceTimersByTime(15_000);
      expect(pcs).toHaveLength(2);
      expect(pcs[0].closed).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('on rejoin, rebuilds only the links that are not up', () => {
    const { rtc, pcs } = sender();
    rtc.syncPeers([interviewer('a'), interviewer('b')]);
    pcs[0].setState('connected');
    pcs[1].setState('disconnected');
    rtc.ensureConnected();
    expect(pcs).toHaveLength(3);
    expect(pcs[0].closed).toBe(false);
    expect(pcs[1].closed).toBe(true);
    rtc.close();
  });
});

describe('connection quality', () => {
  function report(entries: object[]): RTCStatsReport {
    return {
      forEach: (fn: (e: object) => void) => entries.forEach(fn),
    } as unknown as RTCStatsReport;
  }

  it('reads RTT of the active pair, recent loss, fps and size of the incoming video', () => {
    let previous: [number, number] | null = null;
    const lossSince = (lost: number, received: number): number | null => {
      const [pl, pr] = previous ?? [0, 0];
      previous = [lost, received];
      return (100 * (lost - pl)) / (lost - pl + received - pr);
    };
    const stats = readStats(
      report([
        {
          type: 'candidate-pair',
          state: 'succeeded',
          nominated: true,
          currentRoundTripTime: 0.042,
        },
        { type: 'candidate-pair', state: 'failed', nominated: false, currentRoundTripTime: 9 },
        {
          type: 'inbound-rtp',
          kind: 'video',
          packetsLost: 2,
          packetsReceived: 98,
          framesPerSecond: 24,
          frameWidth: 640,
          frameHeight: 480,
        },
        { type: 'inbound-rtp', kind: 'audio', packetsLost: 50, packetsReceived: 50 },
      ]),
      { lossSince },
    );
    expect(stats).toEqual({ rttMs: 42, packetLossPct: 2, fps: 24, width: 640, height: 480 });
  });

  it('grades the link', () => {
    const s = (rttMs: number | null, packetLossPct: number | null): PeerStats => ({
      rttMs,
      packetLossPct,
      fps: 24,
      width: 640,
      height: 480,
    });
    expect(qualityOf(s(30, 0))).toBe('good');
    expect(qualityOf(s(300, 1))).toBe('fair');
    expect(qualityOf(s(30, 20))).toBe('poor');
    expect(qualityOf(s(null, null))).toBe('unknown');
    expect(qualityOf(null)).toBe('unknown');
  });

  it('turns cumulative loss counters into the loss since the last reading', () => {
    TestBed.configureTestingModule({ providers: [] });
    const link = new PeerLink('k', {
      polite: true,
      iceServers: [],
      factory: () => new FakePeerConnection() as unknown as RTCPeerConnection,
      send: () => undefined,
    });
    expect(link.lossSince(0, 100)).toBe(0);
    expect(link.lossSince(10, 190)).toBe(10);
    expect(link.lossSince(10, 190)).toBeNull(); // nothing new
  });
});
