import { HttpClient, HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import {
  AlertState,
  ClientConfig,
  DEFAULT_CLIENT_CONFIG,
  IdentityPhotoResult,
  IdentityState,
  ProctorEvent,
  RecordingPart,
  SessionMode,
  SessionInfo,
  StartSessionResponse,
} from './models';

export interface ChunkReceipt {
  index: number;
  size: number;
  received: number[];
}

export interface VideoReceipt {
  video_url: string;
  part: string;
  size: number;
}

/** What the client knows of a recording part when it completes it. */
export interface CompleteInfo {
  /** Chunks 0..chunks-1; absent: every chunk the server holds, up to the first gap. */
  chunks?: number;
  mime?: string;
  started_at?: string;
  duration_s?: number;
}

/** The REST API of docs/API.md. Every call that needs a token takes it explicitly. */
@Injectable({ providedIn: 'root' })
export class ApiService {
  private readonly http = inject(HttpClient);

  startSession(name: string, mode: SessionMode = 'interview'): Promise<StartSessionResponse> {
    return firstValueFrom(
      this.http.post<StartSessionResponse>('/start-session', { name, settings: { mode } }),
    );
  }

  /** Resumes a session with its interviewer token; the candidate token is re-issued. */
  resumeSession(sessionId: string, token: string): Promise<StartSessionResponse> {
    return firstValueFrom(
      this.http.post<StartSessionResponse>(
        '/start-session',
        { session_id: sessionId },
        { headers: auth(token) },
      ),
    );
  }

  async clientConfig(): Promise<ClientConfig> {
    const config = await firstValueFrom(this.http.get<Partial<ClientConfig>>('/client-config'));
    return { ...DEFAULT_CLIENT_CONFIG, ...config };
  }

  session(sessionId: string, token: string): Promise<SessionInfo> {
    return firstValueFrom(
      this.http.get<SessionInfo>(`/sessions/${enc(sessionId)}`, { headers: auth(token) }),
    );
  }

  events(sessionId: string, token: string): Promise<ProctorEvent[]> {
    return firstValueFrom(
      this.http.get<ProctorEvent[]>(`/sessions/${enc(sessionId)}/events`, {
        headers: auth(token),
      }),
    );
  }

  endSession(sessionId: string, token: string): Promise<SessionInfo> {
    return firstValueFrom(
      this.http.post<SessionInfo>(`/sessions/${enc(sessionId)}/end`, {}, { headers: auth(token) }),
    );
  }

  /** Chunk `index` of recording part `part`; `recordedMs`: how long the part has been
   * recording as this request leaves, so the server dates its start by its own clock. */
  putChunk(
    sessionId: string,
    part: string,
    index: number,
    data: Blob,
    recordedMs: number,
    token: string,
  ): Promise<ChunkReceipt> {
    const url = `/sessions/${enc(sessionId)}/video/parts/${enc(part)}/chunks/${index}`;
    return firstValueFrom(
      this.http.put<ChunkReceipt>(url, data, {
        headers: auth(token).set('Content-Type', 'application/octet-stream'),
        params: { recorded_ms: Math.max(0, Math.round(recordedMs)) },
      }),
    );
  }

  completeVideo(
    sessionId: string,
    part: string,
    info: CompleteInfo,
    token: string,
  ): Promise<VideoReceipt> {
    return firstValueFrom(
      this.http.post<VideoReceipt>(
        `/sessions/${enc(sessionId)}/video/parts/${enc(part)}/complete`,
        info,
        { headers: auth(token) },
      ),
    );
  }

  /** The session's recording parts, earliest first. */
  /** Delivery state of the session's alerts, oldest first. */
  alerts(sessionId: string, token: string): Promise<AlertState[]> {
    return firstValueFrom(
      this.http.get<AlertState[]>(`/sessions/${enc(sessionId)}/alerts`, {
        headers: auth(token),
      }),
    );
  }

  videos(sessionId: string, token: string): Promise<RecordingPart[]> {
    return firstValueFrom(
      this.http.get<RecordingPart[]>(`/sessions/${enc(sessionId)}/videos`, {
        headers: auth(token),
      }),
    );
  }

  /** The candidate's enrolment photo, or (interviewer) the reference photo: the server keeps
   * it when `accepted`, else `problem` and `message` say what to change. */
  identityPhoto(
    sessionId: string,
    kind: 'enrolment' | 'reference',
    photo: Blob,
    token: string,
  ): Promise<IdentityPhotoResult> {
    return firstValueFrom(
      this.http.post<IdentityPhotoResult>(`/sessions/${enc(sessionId)}/${kind}`, photo, {
        headers: auth(token).set('Content-Type', photo.type || 'image/jpeg'),
      }),
    );
  }

  identity(sessionId: string, token: string): Promise<IdentityState> {
    return firstValueFrom(
      this.http.get<IdentityState>(`/sessions/${enc(sessionId)}/identity`, {
        headers: auth(token),
      }),
    );
  }

  /** Any protected binary resource (video, evidence, report) as a Blob. */
  blob(path: string, token: string): Promise<Blob> {
    return firstValueFrom(this.http.get(path, { headers: auth(token), responseType: 'blob' }));
  }

  report(sessionId: string, token: string): Promise<Blob> {
    return this.blob(`/report/${enc(sessionId)}`, token);
  }

  video(sessionId: string, token: string): Promise<Blob> {
    return this.blob(`/sessions/${enc(sessionId)}/video`, token);
  }
}

function auth(token: string): HttpHeaders {
  return new HttpHeaders({ Authorization: `Bearer ${token}` });
}

function enc(part: string): string {
  return encodeURIComponent(part);
}

/** A short sentence for a person, from any error an API call may throw. */
export function describeError(error: unknown): string {
  if (error instanceof HttpErrorResponse) {
    if (error.status === 0) {
      return 'The server cannot be reached. Check the network connection.';
    }
    if (error.status === 401 || error.status === 403) {
      return 'This link is not valid (or no longer valid) for this session.';
    }
    if (error.status === 404) {
      return 'The session or resource was not found.';
    }
    const detail = (error.error as { detail?: unknown } | null)?.detail;
    return typeof detail === 'string' ? detail : `The server answered ${error.status}.`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** True for errors worth retrying later (network down, server busy or restarting). */
export function isTransient(error: unknown): boolean {
  if (error instanceof HttpErrorResponse) {
    return (
      error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500
    );
  }
  return true;
}
