import { Ack } from '../models';

/** Stands in for socket.io-client's Socket in unit tests: the test plays the server's side. */
export class FakeSocket {
  connected = false;
  active = true;
  handlers = new Map<string, ((...args: unknown[]) => void)[]>();
  emitted: { event: string; payload: unknown }[] = [];
  joinAck: Ack = { ok: true, participants: [] };
  engineClosed = 0;
  io = { engine: { close: () => this.engineClosed++ } };

  on(event: string, fn: (...args: unknown[]) => void): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), fn]);
    return this;
  }
  /** Delivers a server message (or a connection event) to the page. */
  fire(event: string, ...args: unknown[]): void {
    for (const fn of this.handlers.get(event) ?? []) fn(...args);
  }
  timeout(): this {
    return this;
  }
  async emitWithAck(event: string, payload: unknown): Promise<Ack> {
    this.emitted.push({ event, payload });
    return event === 'join' ? this.joinAck : { ok: true, request_id: 'r1' };
  }
  emit(event: string, payload: unknown): void {
    this.emitted.push({ event, payload });
  }
  connect(): void {
    this.connected = true;
  }
  disconnect(): void {
    this.connected = false;
  }
  removeAllListeners(): void {
    this.handlers.clear();
  }
}
