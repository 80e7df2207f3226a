import { TestBed } from '@angular/core/testing';
import { FakePeerConnection } from './testing/fake-peer-connection';
import { PeerStats, SignalData, WebRtcService, qualityOf, readStats } from './webrtc';

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

describe('WebRtcService signaling', () => {
  it('connects a sender and a receiver through relayed messages (offer, answer, candidates)', async () => {
    const a = peer();
    const candidate = a.rtc;
    const b = peer();
    const interviewer = b.rtc;
    const toInterviewer: SignalData[] = [];
    const toCandidate: SignalData[] = [];
    candidate.startSender({ iceServers: [], stream, send: (d) => toInterviewer.push(d) });
    interviewer.startReceiver({ iceServers: [], send: (d) => toCandidate.push(d) });
    expect(a.pcs[0].tracks).toBe(2);
    expect(toCandidate[0].ready).toBe(true);

    await a.pcs[0].onnegotiationneeded!();
    expect(toInterviewer[0].description?.type).toBe('offer');

    await interviewer.handle(toInterviewer[0]);
    expect(b.pcs).toHaveLength(1); // created for the candidate's connection id
    const answer = toCandidate.find((d) => d.description?.type === 'answer')!;
    expect(answer.to).toBe(toInterviewer[0].from);
    expect(answer.conn).toBe(toInterviewer[0].conn);

    await candidate.handle(answer);
    expect(a.pcs[0].remote.map((d) => d.type)).toEqual(['answer']);
    await candidate.handle({
      conn: answer.conn,
      from: answer.from,
      candidate: { candidate: 'c1' },
    });
    expect(a.pcs[0].candidates).toEqual([{ candidate: 'c1' }]);
  });

  it('ignores messages meant for another page or for a replaced connection', async () => {
    const { rtc, pcs } = peer();
    rtc.startSender({ iceServers: [], stream, send: () => undefined });
    await rtc.handle({ conn: 'old', from: 'x', description: { type: 'answer', sdp: '' } });
    await rtc.handle({ conn: 'any', to: 'someone-else', ready: true });
    expect(pcs).toHaveLength(1);
    expect(pcs[0].remote).toEqual([]);
  });

  it('sender rebuilds the connection when an interviewer announces itself, unless already connected to it', async () => {
    const { rtc, pcs } = peer();
    const sent: SignalData[] = [];
    rtc.startSender({ iceServers: [], stream, send: (d) => sent.push(d) });
    await rtc.handle({ conn: '', from: 'interviewer-1', ready: true });
    expect(pcs).toHaveLength(2);
    expect(pcs[0].closed).toBe(true);

    await pcs[1].onnegotiationneeded!();
    const conn = sent.at(-1)!.conn;
    expect(sent.at(-1)!.to).toBe('interviewer-1');
    pcs[1].setState('connected');
    await rtc.handle({ conn, from: 'interviewer-1', ready: true });
    expect(pcs).toHaveLength(2); // connected to that same page: nothing to do
  });

  it('restarts ICE when the connection fails', () => {
    const { rtc, pcs } = peer();
    rtc.startSender({ iceServers: [], stream, send: () => undefined });
    pcs[0].setState('failed');
    expect(pcs[0].restarted).toBe(1);
    expect(rtc.restarts()).toBe(1);
    expect(rtc.state()).toBe('failed');
    rtc.close();
  });

  it('on rejoin, rebuilds only a connection that is not up', () => {
    const { rtc, pcs } = peer();
    rtc.startSender({ iceServers: [], stream, send: () => undefined });
    pcs[0].setState('connected');
    rtc.ensureConnected();
    expect(pcs).toHaveLength(1);
    pcs[0].setState('disconnected');
    rtc.ensureConnected();
    expect(pcs).toHaveLength(2);
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
    TestBed.configureTestingModule({ providers: [WebRtcService] });
    const rtc = TestBed.inject(WebRtcService);
    expect(rtc.lossSince(0, 100)).toBe(0);
    expect(rtc.lossSince(10, 190)).toBe(10);
    expect(rtc.lossSince(10, 190)).toBeNull(); // nothing new
  });
});
