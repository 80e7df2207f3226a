import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { Socket } from 'socket.io-client';
import { FrameSenderService } from '../../core/frame-sender';
import { DEFAULT_CLIENT_CONFIG } from '../../core/models';
import { OutboxService } from '../../core/outbox';
import { RecorderService } from '../../core/recorder';
import { SocketService } from '../../core/socket';
import { FakeMediaRecorder } from '../../core/testing/fake-media-recorder';
import { FakePeerConnection } from '../../core/testing/fake-peer-connection';
import { FakeSocket } from '../../core/testing/fake-socket';
import { WebRtcService } from '../../core/webrtc';
import { CandidateSession } from './candidate-session';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('CandidateSession', () => {
  let session: CandidateSession;
  let fake: FakeSocket;
  let http: HttpTestingController;
  let recorders: FakeMediaRecorder[];
  let pcs: FakePeerConnection[];
  const stopTrack = vi.fn();
  const stream = {
    getTracks: () => [{ stop: stopTrack }, { stop: stopTrack }],
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
      payload: { session_id: 's1', role: 'candidate' },
    });
    expect(session.name()).toBe('Ada');
    expect(recorders).toHaveLength(1);
    expect(pcs).toHaveLength(1);
    expect(pcs[0].tracks).toBe(2);
    const frame = fake.emitted.find((e) => e.event === 'frame')?.payload as { image: ArrayBuffer };
    expect(new Uint8Array(frame.image)[0]).toBe(0xff);
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
    http.expectOne('/sessions/s1/video/chunks/0').flush({ index: 0, size: 1, received: [0] });
    await tick();
    http.expectOne('/sessions/s1/video/chunks/1').flush({ index: 1, size: 4, received: [0, 1] });
    await tick();
    const complete = http.expectOne('/sessions/s1/video/complete');
    expect(complete.request.body).toEqual({ chunks: 2, mime: 'video/webm' });
    expect(complete.request.headers.get('Authorization')).toBe('Bearer ctok');
    complete.flush({ video_url: '/v', size: 5 });
    await session.finish();
    expect(session.ended()).toBe(true);
    expect(session.recorder.state()).toBe('done');
    expect(stopTrack).toHaveBeenCalledTimes(2);
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
