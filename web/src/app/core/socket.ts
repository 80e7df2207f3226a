import { Injectable, OnDestroy, signal } from '@angular/core';
import { Socket, io } from 'socket.io-client';
import { Ack, Role } from './models';

export type SocketState =
  'idle' | 'connecting' | 'connected' | 'reconnecting' | 'refused' | 'closed';

export interface JoinOptions {
  token: string;
  sessionId: string;
  role: Role;
  /** Shown to the others; empty lets the server use the session's name (candidate) or a default. */
  name?: string;
  /** This page's id, shown to the others in `presence` (it survives socket reconnects). */
  peer?: string;
  /** Runs after every successful join: the first and each one after a reconnect. */
  onJoined: (ack: Ack, rejoin: boolean) => void;
  /** Runs when the server refuses the token or the join. */
  onRefused?: (reason: string) => void;
}

/** Creates the Socket.IO client; a separate factory so tests can put a fake in its place. */
export type SocketFactory = (token: string) => Socket;

export const defaultSocketFactory: SocketFactory = (token) =>
  io({
    path: '/socket.io',
    auth: { token },
    transports: ['websocket', 'polling'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });

/**
 * One Socket.IO connection for a room. socket.io-client reconnects by itself; after each
 * (re)connect this service joins the room again and reports it, so callers can flush what they
 * queued while offline.
 */
@Injectable()
export class SocketService implements OnDestroy {
  readonly state = signal<SocketState>('idle');
  readonly lastError = signal<string | null>(null);
  factory: SocketFactory = defaultSocketFactory;
  private socket: Socket | null = null;
  private joins = 0;

  get connected(): boolean {
    return this.socket?.connected === true && this.state() === 'connected';
  }

  connect(options: JoinOptions): void {
    this.close();
    this.state.set('connecting');
    const socket = this.factory(options.token);
    this.socket = socket;
    socket.on('connect', () => void this.join(socket, options));
    socket.on('disconnect', (reason: string) => {
      if (reason === 'io client disconnect') {
        return; // this page closed it on purpose (refused join, or leaving)
      }
      // A server-side disconnect does not reconnect by itself; the client asks again.
      if (reason === 'io server disconnect') {
        socket.connect();
      }
      this.state.set('reconnecting');
    });
    socket.on('connect_error', (error: Error) => {
      this.lastError.set(error.message);
      if (!socket.active) {
        // The server refused the connection (bad token): retrying cannot help.
        this.state.set('refused');
        options.onRefused?.(error.message);
      } else {
        this.state.set(this.joins > 0 ? 'reconnecting' : 'connecting');
      }
    });
  }

  on<T>(event: string, handler: (payload: T) => void): void {
    this.socket?.on(event, handler as (...args: unknown[]) => void);
  }

  /** Emits and waits for the ack; rejects on timeout or when not connected (nothing is buffered). */
  async request(event: string, payload: unknown, timeoutMs = 10_000): Promise<Ack> {
    const socket = this.socket;
    if (!socket || !socket.connected) {
      throw new Error('not connected');
    }
    return (await socket.timeout(timeoutMs).emitWithAck(event, payload)) as Ack;
  }

  /** Fire and forget, dropped when offline (for messages that are useless later, like ICE). */
  send(event: string, payload: unknown): boolean {
    if (!this.socket?.connected) {
      return false;
    }
    this.socket.emit(event, payload);
    return true;
  }

  close(): void {
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    if (this.state() !== 'idle') {
      this.state.set('closed');
    }
  }

  ngOnDestroy(): void {
    this.close();
  }

  private async join(socket: Socket, options: JoinOptions): Promise<void> {
    try {
      const ack = (await socket.timeout(10_000).emitWithAck('join', joinPayload(options))) as Ack;
      if (socket !== this.socket) {
        return;
      }
      if (!ack.ok) {
        this.lastError.set(ack.error ?? 'join refused');
        this.state.set('refused');
        options.onRefused?.(ack.error ?? 'join refused');
        socket.disconnect();
        return;
      }
      this.state.set('connected');
      this.lastError.set(null);
      options.onJoined(ack, this.joins++ > 0);
    } catch {
      // No ack in time: drop the transport so socket.io-client reconnects and joins again.
      if (socket === this.socket && socket.connected) {
        socket.io.engine?.close();
      }
    }
  }
}

function joinPayload(options: JoinOptions): Record<string, string> {
  const payload: Record<string, string> = { session_id: options.sessionId, role: options.role };
  if (options.name?.trim()) {
    payload['name'] = options.name.trim();
  }
  if (options.peer) {
    payload['peer'] = options.peer;
  }
  return payload;
}
