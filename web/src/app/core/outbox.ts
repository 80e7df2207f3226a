import { Injectable, OnDestroy, signal } from '@angular/core';
import { BrowserEventType } from './models';

export interface OutboxItem {
  client_id: string;
  session_id: string;
  type: BrowserEventType;
  detail: string;
  ts: number;
}

/** Sends one item; resolves 'stored' on ack ok, 'rejected' on ack not ok, 'retry' when offline. */
export type OutboxSender = (item: OutboxItem) => Promise<'stored' | 'rejected' | 'retry'>;

/**
 * Browser events waiting for the server's ack. Each has a client_id so a resend after a
 * reconnect is stored once; the queue lives in localStorage so a reload loses nothing.
 */
@Injectable()
export class OutboxService implements OnDestroy {
  readonly pending = signal<OutboxItem[]>([]);
  readonly delivered = signal(0);
  private sessionId = '';
  private sender: OutboxSender | null = null;
  private running: Promise<void> | null = null;
  private flushAgain = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  retryMs = 3000;
  storage: Storage | null = safeLocalStorage();

  init(sessionId: string, sender: OutboxSender): void {
    this.sessionId = sessionId;
    this.sender = sender;
    this.pending.set(this.load());
  }

  add(type: BrowserEventType, detail = ''): OutboxItem {
    const item: OutboxItem = {
      client_id: newClientId(),
      session_id: this.sessionId,
      type,
      detail,
      ts: Date.now(),
    };
    this.pending.update((items) => [...items, item]);
    this.save();
    void this.flush();
    return item;
  }

  /** Sends the queue in order; stops at the first item that cannot be sent now. */
  flush(): Promise<void> {
    if (!this.sender) {
      return Promise.resolve();
    }
    if (this.running) {
      this.flushAgain = true;
      return this.running;
    }
    this.running = this.drain().finally(() => (this.running = null));
    return this.running;
  }

  private async drain(): Promise<void> {
    do {
      this.flushAgain = false;
      for (const item of [...this.pending()]) {
        const sender = this.sender;
        if (!sender) {
          return;
        }
        let outcome: 'stored' | 'rejected' | 'retry';
        try {
          outcome = await sender(item);
        } catch {
          outcome = 'retry';
        }
        if (outcome === 'retry') {
          this.scheduleRetry();
          return;
        }
        // A rejected item would be rejected again: keeping it would block the queue forever.
        this.pending.update((items) => items.filter((i) => i.client_id !== item.client_id));
        this.save();
        if (outcome === 'stored') {
          this.delivered.update((n) => n + 1);
        }
      }
    } while (this.flushAgain);
  }

  /** Tries again later too: a reconnect also flushes, but a refusal like a rate limit does not end. */
  private scheduleRetry(): void {
    if (this.retryTimer === null) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        void this.flush();
      }, this.retryMs);
    }
  }

  ngOnDestroy(): void {
    this.dispose();
  }

  dispose(): void {
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    this.sender = null;
  }

  private key(): string {
    return `proctor.outbox.${this.sessionId}`;
  }

  private load(): OutboxItem[] {
    try {
      const raw = this.storage?.getItem(this.key());
      const items: unknown = raw ? JSON.parse(raw) : [];
      return Array.isArray(items) ? (items as OutboxItem[]) : [];
    } catch {
      return [];
    }
  }

  private save(): void {
    try {
      const items = this.pending();
      if (items.length) {
        this.storage?.setItem(this.key(), JSON.stringify(items));
      } else {
        this.storage?.removeItem(this.key());
      }
    } catch {
      // Storage full or disabled: the in-memory queue still delivers while the page lives.
    }
  }
}

export function newClientId(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) {
    return crypto.randomUUID();
  }
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

function safeLocalStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
