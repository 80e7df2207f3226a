import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { Socket } from 'socket.io-client';
import { ProctorEvent, SessionInfo } from '../../core/models';
import { SocketService } from '../../core/socket';
import { FakeSocket } from '../../core/testing/fake-socket';
import { WebRtcService } from '../../core/webrtc';
import { InterviewerSession } from './interviewer-session';

const SESSION = {
  session_id: 's1',
  name: 'Ada',
  status: 'active',
  started_at: '2026-01-01T10:00:00Z',
  ended_at: null,
  duration_s: 1,
  video_url: null,
  score: { score: 100, breakdown: [] },
  counts: {},
  participants: [],
} as SessionInfo;

const event = (id: number, over: Partial<ProctorEvent> = {}): ProctorEvent => ({
  id,
  session_id: 's1',
  type: 'looking_away',
  detail: '',
  role: 'candidate',
  name: 'Ada',
  timestamp: `2026-01-01T10:00:0${id}Z`,
  source: 'vision',
  ...over,
});

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('InterviewerSession', () => {
  let session: InterviewerSession;
  let fake: FakeSocket;
  let http: HttpTestingController;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        SocketService,
        WebRtcService,
        InterviewerSession,
      ],
    });
    fake = new FakeSocket();
    TestBed.inject(SocketService).factory = () => fake as unknown as Socket;
    session = TestBed.inject(InterviewerSession);
    http = TestBed.inject(HttpTestingController);
    const begun = session.begin('s1', 'tok');
    http.expectOne('/client-config').flush({});
    http.expectNone('/sessions/s1'); // the session comes with the join's answer
    http.expectOne('/sessions/s1/events').flush([event(1)]);
    await begun;
    fake.joinAck = {
      ok: true,
      session: SESSION,
      participants: [{ role: 'candidate', name: 'Ada' }],
    };
    fake.connected = true;
    fake.fire('connect');
    await tick();
  });
  afterEach(() => TestBed.resetTestingModule());

  it('shows the identity state it loads, then every live check', async () => {
    http.expectOne('/sessions/s1/identity').flush({
      session_id: 's1',
      status: 'pending',
      threshold: 0.92,
      enrolment: { taken_at: 'x', photo_url: '/p', spoof: {} },
      reference: null,
      checks: [],
      mismatches: 0,
    });
    await tick();
    expect(session.identity()?.status).toBe('pending');
    fake.fire('identity', {
      session_id: 's1',
      status: 'unverified',
      score: 0.7,
      model: 'dlib',
      threshold: 0.92,
      against: 'enrolment',
      at: 'x',
      checks: 4,
      mismatches: 3,
    });
    expect(session.identity()).toEqual({
      status: 'unverified',
      score: 0.7,
      threshold: 0.92,
      against: 'enrolment',
      spoof: {},
    });
  });

  it('talks to the candidate with an echo-cancelled microphone, and stops', async () => {
    const stop = vi.fn();
    const mic = { getTracks: () => [{ stop }] } as unknown as MediaStream;
    const open = vi.fn(async () => mic);
    session.openMic = open;
    await session.toggleTalk();
    expect(session.rtc.talking()).toBe(mic);
    await session.toggleTalk();
    expect(session.rtc.talking()).toBeNull();
    expect(stop).toHaveBeenCalled(); // the microphone is released
    session.openMic = async () => {
      throw Object.assign(new Error('denied'), { name: 'NotAllowedError' });
    };
    await session.toggleTalk();
    expect(session.rtc.talking()).toBeNull();
    expect(session.error()).toContain('microphone');
  });

  it('joins as the interviewer and asks the candidate for video', () => {
    expect(fake.emitted[0]).toEqual({
      event: 'join',
      payload: { session_id: 's1', role: 'interviewer', peer: session.rtc.id },
    });
    const signal = fake.emitted.find((e) => e.event === 'signal')?.payload as {
      data: { ready: boolean };
    };
    expect(signal.data.ready).toBe(true);
    expect(session.candidatePresent()).toBe(true);
    expect(session.score()).toBe(100);
  });

  it('keeps live events newest first, updates them, and follows the score', () => {
    fake.fire('event', event(2, { type: 'object_detected', detail: 'cell_phone' }));
    fake.fire('event', event(3, { session_id: 'other' })); // not this session
    fake.fire('event_update', event(1, { duration_s: 3, ended_at: '2026-01-01T10:00:04Z' }));
    fake.fire('score', {
      session_id: 's1',
      score: 90,
      breakdown: [{ type: 'object_detected', count: 1, deduction: 10 }],
    });
    expect(session.events().map((e) => e.id)).toEqual([2, 1]);
    expect(session.events()[1].duration_s).toBe(3);
    expect(session.latest()?.id).toBe(2);
    expect(session.score()).toBe(90);
    expect(session.breakdown()[0].deduction).toBe(10);
  });

  it('shows a snapshot the candidate sent after a request', async () => {
    const createObjectURL = vi.fn(() => 'blob:snap');
    Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() });
    await session.requestSnapshot();
    expect(fake.emitted.at(-1)).toEqual({ event: 'snapshot', payload: { session_id: 's1' } });
    expect(session.snapshotPending()).toBe(true);
    fake.fire('snapshot', {
      session_id: 's1',
      request_id: 'r1',
      image: new Uint8Array([255, 216]),
      timestamp: 't',
    });
    expect(session.snapshot()).toEqual({ url: 'blob:snap', timestamp: 't' });
    expect(session.snapshotPending()).toBe(false);
  });

  it('asks the server to recalibrate and says what the candidate should do', async () => {
    await session.recalibrate();
    expect(fake.emitted.at(-1)).toEqual({ event: 'calibrate', payload: { session_id: 's1' } });
    expect(session.notice()).toContain('page asks them to look at the screen');
    expect(session.error()).toBeNull();
  });

  it('catches up after a reconnect: refetches and announces itself again', async () => {
    fake.fire('disconnect', 'transport close');
    fake.fire('connect');
    await tick();
    http.expectOne('/sessions/s1').flush({ ...SESSION, score: { score: 70, breakdown: [] } });
    http.expectOne('/sessions/s1/events').flush([event(1), event(4)]);
    await tick();
    expect(session.events().map((e) => e.id)).toEqual([4, 1]);
    expect(session.score()).toBe(70);
    expect(fake.emitted.filter((e) => e.event === 'signal')).toHaveLength(2);
  });

  it('ends the session', async () => {
    const ending = session.end();
    const req = http.expectOne('/sessions/s1/end');
    expect(req.request.headers.get('Authorization')).toBe('Bearer tok');
    req.flush({ ...SESSION, status: 'ended' });
    await ending;
    expect(session.ended()).toBe(true);
  });
});
