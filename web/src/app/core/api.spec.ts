import { HttpErrorResponse, provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { ApiService, describeError, isTransient } from './api';
import { DEFAULT_CLIENT_CONFIG } from './models';

describe('ApiService', () => {
  let api: ApiService;
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting()],
    });
    api = TestBed.inject(ApiService);
    http = TestBed.inject(HttpTestingController);
  });
  afterEach(() => http.verify());

  it('sends the token as a Bearer header', async () => {
    const call = api.session('s 1', 'tok');
    const req = http.expectOne('/sessions/s%201');
    expect(req.request.headers.get('Authorization')).toBe('Bearer tok');
    req.flush({ session_id: 's 1' });
    expect((await call).session_id).toBe('s 1');
  });

  it('resumes a session with the interviewer token', async () => {
    const call = api.resumeSession('s1', 'itok');
    const req = http.expectOne('/start-session');
    expect(req.request.body).toEqual({ session_id: 's1' });
    expect(req.request.headers.get('Authorization')).toBe('Bearer itok');
    req.flush({ session_id: 's1' });
    await call;
  });

  it('uploads a chunk of a part as raw bytes, saying how long it has been recording', async () => {
    const call = api.putChunk('s1', 'p1', 3, new Blob(['x']), 15012.6, 'tok');
    const req = http.expectOne((r) => r.url === '/sessions/s1/video/parts/p1/chunks/3');
    expect(req.request.method).toBe('PUT');
    expect(req.request.body).toBeInstanceOf(Blob);
    expect(req.request.params.get('recorded_ms')).toBe('15013');
    req.flush({ index: 3, size: 1, received: [0, 1, 2, 3] });
    expect((await call).received).toHaveLength(4);
  });

  it('completes a part, and lists the parts', async () => {
    const done = api.completeVideo('s1', 'p1', { chunks: 2, duration_s: 9.5 }, 'tok');
    const req = http.expectOne('/sessions/s1/video/parts/p1/complete');
    expect(req.request.body).toEqual({ chunks: 2, duration_s: 9.5 });
    req.flush({ video_url: '/v', part: 'p1', size: 2 });
    expect((await done).part).toBe('p1');
    const listed = api.videos('s1', 'itok');
    http.expectOne('/sessions/s1/videos').flush([{ part: 'p1', url: '/u' }]);
    expect((await listed).map((p) => p.part)).toEqual(['p1']);
  });

  it('fills missing client settings with the defaults', async () => {
    const call = api.clientConfig();
    http
      .expectOne('/client-config')
      .flush({ frame_interval_ms: 2000, ice_servers: [{ urls: 'stun:x' }] });
    const config = await call;
    expect(config.frame_interval_ms).toBe(2000);
    expect(config.retention_days).toBe(DEFAULT_CLIENT_CONFIG.retention_days);
    expect(config.ice_servers).toEqual([{ urls: 'stun:x' }]);
  });
});

describe('errors', () => {
  it('says what went wrong in words', () => {
    expect(describeError(new HttpErrorResponse({ status: 0 }))).toMatch(/cannot be reached/);
    expect(describeError(new HttpErrorResponse({ status: 403 }))).toMatch(/not valid/);
    expect(
      describeError(new HttpErrorResponse({ status: 422, error: { detail: 'name: too long' } })),
    ).toBe('name: too long');
  });

  it('retries only what may work later', () => {
    expect(isTransient(new HttpErrorResponse({ status: 0 }))).toBe(true);
    expect(isTransient(new HttpErrorResponse({ status: 503 }))).toBe(true);
    expect(isTransient(new HttpErrorResponse({ status: 409 }))).toBe(false);
  });
});
