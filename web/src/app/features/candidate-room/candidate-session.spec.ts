import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { Socket } from 'socket.io-client';
import { AudioSenderService } from '../../core/audio-sender';
import { FrameSenderService } from '../../core/frame-sender';
import { DEFAULT_CLIENT_CONFIG } from '../../core/models';
import { OutboxService } from '../../core/outbox';
import { RecorderService } from '../../core/recorder';
import { SocketService } from '../../core/socket';
import { FakeMediaRecorder } from '../../core/testing/fake-media-recorder';
import { FakePeerConnection } from '../../core/testing/fake-peer-connection';
import { FakeSocket } from '../../core/testing/fake-socket';
import { WebRtcService } from '../../core/webrtc';
import { CALIBRATION_MS, CandidateSession } from './candidate-session';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('CandidateSession', () => {
  let session: CandidateSession;
  let fake: FakeSocket;
  let http: HttpTestingController;
  let recorders: FakeMediaRecorder[];
  let audioRecorders: FakeMediaRecorder[];
  let pcs: FakePeerConnection[];
  const stopTrack = vi.fn();
  const stream = {
    getTracks: () => [{ stop: stopTrack }, { stop: stopTrack }],
    getAudioTracks: () => [{ stop: stopTrack }],
  } as unknown as MediaStream;

  function begin(
    joinAck = { ok: true, session: { name: 'Ada' }, participants: [] } as object,
  ): void {
    fake.joinAck = joinAck as FakeSocket['joinAck'];
    session.begin({
      sessionId: 's1',
      token: 'ctok',
      config: DEFAULT_CLIENT_CONFIG,
      stream,
      video: document.createElement('video'),
    });
    fake.connected = true;
    fake.fire('connect');
  }

  beforeEach(() => {
    localStorage.clear();
    stopTrack.mockClear();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        SocketService,
        WebRtcService,
        FrameSenderService,
        AudioSenderService,
        OutboxService,
        RecorderService,
        CandidateSession,
      ],
    });
    fake = new FakeSocket();
    TestBed.inject(SocketService).factory = () => fake as unknown as Socket;
    recorders = [];
    const recorder = TestBed.inject(RecorderService);
    recorder.isTypeSupported = () => true;
    recorder.factory = (_s, options) => {
      const r = new FakeMediaRecorder(options);
      recorders.push(r);
      return r as unknown as MediaRecorder;
    };
    audioRecorders = [];
    const audio = TestBed.inject(AudioSenderService);
    audio.isTypeSupported = () => true;
    audio.audioOnly = (s) => s;
    audio.factory = (_s, options) => {
      const r = new FakeMediaRecorder(options);
      audioRecorders.push(r);
      return r as unknown as MediaRecorder;
    };
    pcs = [];
    TestBed.inject(WebRtcService).pcFactory = () => {
      const pc = new FakePeerConnection();
      pcs.push(pc);
      return pc as unknown as RTCPeerConnection;
    };
    vi.spyOn(TestBed.inject(FrameSenderService), 'capture').mockResolvedValue(
      new Blob([new Uint8Array([0xff, 0xd8, 0xff])]),
    );
    session = TestBed.inject(CandidateSession);
    http = TestBed.inject(HttpTestingController);
  });
  afterEach(() => TestBed.resetTestingModule());

  it('after joining: records, streams to the interviewer and sends frames', async () => {
    begin();
    await tick();
    expect(fake.emitted[0]).toEqual({
      event: 'join',
      payload: { session_id: 's1', role: 'candidate', peer: session.rtc.id },
    });
    expect(session.name()).toBe('Ada');
    expect(recorders).toHaveLength(1);
    expect(pcs).toHaveLength(0); // no interviewer in the room yet
    // Two interviewers join: each gets its own link, with the candidate's tracks.
    fake.fire('presence', {
      session_id: 's1',
      participants: [
        { role: 'interviewer', name: 'Proctor', sid: 'i1', peer: 'p1' },
        { role: 'interviewer', name: 'Supervisor', sid: 'i2', peer: 'p2' },
        { role: 'candidate', name: 'Ada', sid: 'c1' },
      ],
    });
    expect(pcs).toHaveLength(2);
    expect(pcs.map((pc) => pc.tracks)).toEqual([2, 2]);
    expect(session.interviewerPresent()).toBe(true);
    await pcs[1].onnegotiationneeded!();
    const offer = fake.emitted.filter((e) => e.event === 'signal').at(-1)?.payload as {
      to: string;
      data: { description: { type: string } };
    };
    expect(offer.to).toBe('i2');
    expect(offer.data.description.type).toBe('offer');
    const frame = fake.emitted.find((e) => e.event === 'frame')?.payload as { image: ArrayBuffer };
    expect(new Uint8Array(frame.image)[0]).toBe(0xff);
  });

  it('streams the microphone to the server in numbered chunks, again from 0 after a rejoin', async () => {
    begin();
    await tick();
    expect(audioRecorders).toHaveLength(1);
    expect(audioRecorders[0].options.mimeType).toBe('audio/webm;codecs=opus');
    audioRecorders[0].emit('header');
    audioRecorders[0].emit('second');
    await tick();
    await tick();
    const sent = fake.emitted.filter((e) => e.event === 'audio').map((e) => e.payload);
    expect(sent.map((p) => (p as { seq: number }).seq)).toEqual([0, 1]);
    expect((sent[0] as { session_id: string }).session_id).toBe('s1');
    fake.fire('connect'); // a reconnect: joined again, the stream starts over
    await tick();
    expect(audioRecorders).toHaveLength(2);
    expect(audioRecorders[0].state).toBe('inactive');
  });

  it('stops sending audio when the server does not analyse it', async () => {
    begin();
    await tick();
    const ack = fake.emitWithAck.bind(fake);
    fake.emitWithAck = async (event: string, payload: unknown) =>
      event === 'audio'
        ? (fake.emitted.push({ event, payload }), { ok: true, accepted: false })
        : ack(event, payload);
    audioRecorders[0].emit('header');
    await tick();
    await tick();
    expect(audioRecorders[0].state).toBe('inactive');
    expect(TestBed.inject(AudioSenderService).state()).toBe('idle');
  });

  it('asks the candidate to look at the screen while the server calibrates', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      begin();
      await Promise.resolve();
      expect(session.calibrating()).toBe(true); // the first frames calibrate
      vi.advanceTimersByTime(CALIBRATION_MS);
      expect(session.calibrating()).toBe(false);
      // The interviewer pressed "Recalibrate": the server says so, and the page asks again.
      fake.fire('notice', { session_id: 's1', type: 'calibrating', message: 'Calibrating' });
      expect(session.calibrating()).toBe(true);
      expect(session.notice()).toBeNull(); // not a warning
      fake.fire('notice', { session_id: 's1', type: 'looking_away', message: 'Look here' });
      expect(session.notice()?.message).toBe('Look here');
      vi.advanceTimersByTime(CALIBRATION_MS);
      expect(session.calibrating()).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reports a copy through the outbox, with a client id', async () => {
    begin();
    await tick();
    document.dispatchEvent(new Event('copy'));
    await tick();
    const sent = fake.emitted.find((e) => e.event === 'event')?.payload as Record<string, string>;
    expect(sent).toMatchObject({ session_id: 's1', type: 'copy_paste', detail: 'copy' });
    expect(sent['client_id']).toBeTruthy();
    expect(session.outbox.pending()).toEqual([]);
  });

  it('answers a snapshot request with a JPEG', async () => {
    begin();
    await tick();
    fake.fire('snapshot', { session_id: 's1', request_id: 'q7' });
    await tick();
    await tick();
    const answer = fake.emitted.find((e) => e.event === 'snapshot')?.payload as Record<
      string,
      unknown
    >;
    expect(answer['request_id']).toBe('q7');
    expect(answer['image']).toBeInstanceOf(ArrayBuffer);
    expect(session.snapshotsAnswered()).toBe(1);
  });

  it('when the session ends: uploads the rest, completes the video, turns the camera off', async () => {
    begin();
    await tick();
    recorders[0].emit('a');
    fake.fire('session_ended', { session_id: 's1' });
    await tick();
    const first = http.expectOne((r) =>
      /^\/sessions\/s1\/video\/parts\/[\w-]+\/chunks\/0$/.test(r.url),
    );
    const part = first.request.url.split('/')[5];
    expect(Number(first.request.params.get('recorded_ms'))).toBeGreaterThanOrEqual(0);
    first.flush({ index: 0, size: 1, received: [0] });
    await tick();
    http
      .expectOne((r) => r.url === `/sessions/s1/video/parts/${part}/chunks/1`)
      .flush({ index: 1, size: 4, received: [0, 1] });
    await tick();
    const complete = http.expectOne(`/sessions/s1/video/parts/${part}/complete`);
    expect(complete.request.body).toMatchObject({ chunks: 2, mime: 'video/webm' });
    expect(typeof complete.request.body.started_at).toBe('string');
    expect(complete.request.headers.get('Authorization')).toBe('Bearer ctok');
    complete.flush({ video_url: '/v', part, size: 5 });
    await session.finish();
    expect(session.ended()).toBe(true);
    expect(session.recorder.state()).toBe('done');
    expect(stopTrack).toHaveBeenCalledTimes(2);
    expect(localStorage.getItem('proctor.recording.s1')).toBeNull(); // nothing left to finish
  });

  it('after a reload, records a new part and completes the one the page before left', async () => {
    localStorage.setItem('proctor.recording.s1', 'before-reload');
    begin();
    await tick();
    const leftover = http.expectOne('/sessions/s1/video/parts/before-reload/complete');
    expect(leftover.request.body).toEqual({}); // every chunk that reached the server
    leftover.flush({ video_url: '/v', part: 'before-reload', size: 9 });
    const current = localStorage.getItem('proctor.recording.s1');
    expect(current).toBeTruthy();
    expect(current).not.toBe('before-reload');
  });

  it('never records a session that has already ended', async () => {
    begin({ ok: false, error: 'the session has ended' });
    await tick();
    await session.finish();
    expect(session.ended()).toBe(true);
    expect(recorders).toHaveLength(0);
    http.expectNone(() => true);
  });
});
