import { HttpClient, HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import {
  ClientConfig,
  DEFAULT_CLIENT_CONFIG,
  ProctorEvent,
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
  size: number;
}

/** The REST API of docs/API.md. Every call that needs a token takes it explicitly. */
@Injectable({ providedIn: 'root' })
export class ApiService {
  private readonly http = inject(HttpClient);

  startSession(name: string): Promise<StartSessionResponse> {
    return firstValueFrom(this.http.post<StartSessionResponse>('/start-session', { name }));
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

  putChunk(sessionId: string, index: number, data: Blob, token: string): Promise<ChunkReceipt> {
    return firstValueFrom(
      this.http.put<ChunkReceipt>(`/sessions/${enc(sessionId)}/video/chunks/${index}`, data, {
        headers: auth(token).set('Content-Type', 'application/octet-stream'),
      }),
    );
  }

  completeVideo(
    sessionId: string,
    chunks: number,
    mime: string,
    token: string,
  ): Promise<VideoReceipt> {
    return firstValueFrom(
      this.http.post<VideoReceipt>(
        `/sessions/${enc(sessionId)}/video/complete`,
        { chunks, mime },
        { headers: auth(token) },
      ),
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
