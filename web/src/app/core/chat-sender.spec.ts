import { signal } from '@angular/core';
import { postChat, sendChatMessage, withMessage } from './chat-sender';
import { Ack, ChatMessage } from './models';

/** A socket whose first `failures` requests fail (offline or no ack), then acks with `ack`. */
function flakySocket(failures: number, ack?: Ack) {
  const calls: { event: string; payload: Record<string, string> }[] = [];
  return {
    calls,
    async request(event: string, payload: unknown): Promise<Ack> {
      const sent = payload as Record<string, string>;
      calls.push({ event, payload: sent });
      if (calls.length <= failures) {
        throw new Error('not connected');
      }
      return ack ?? { ok: true, message: { ...sent, role: 'candidate', name: 'Ada', timestamp: 't' } };
    },
  };
}

const fast = { attempts: 3, delayMs: 1 };

function chat(message: string, clientId: string | null): ChatMessage {
  return { session_id: 's1', role: 'candidate', name: 'Ada', message, timestamp: 't', client_id: clientId };
}

describe('sendChatMessage', () => {
  it('sends once when the ack comes, and gives back the stored message', async () => {
    const socket = flakySocket(0);
    const sent = await sendChatMessage(socket, 's1', 'hello', fast);
    expect(sent.error).toBeNull();
    expect(sent.message?.message).toBe('hello');
    expect(socket.calls).toHaveLength(1);
    expect(socket.calls[0].event).toBe('chat');
  });

  it('retries with the same client_id until the server has it', async () => {
    const socket = flakySocket(2);
    const sent = await sendChatMessage(socket, 's1', 'hello', fast);
    expect(sent.error).toBeNull();
    const payloads = socket.calls.map((c) => c.payload);
    expect(payloads).toHaveLength(3);
    expect(new Set(payloads.map((p) => p['client_id'])).size).toBe(1);
    expect(payloads[0]).toEqual({ session_id: 's1', message: 'hello', client_id: payloads[0]['client_id'] });
  });

  it('gives up with a message after the last attempt', async () => {
    const socket = flakySocket(5);
    const sent = await sendChatMessage(socket, 's1', 'hello', fast);
    expect(sent.message).toBeNull();
    expect(sent.error).toContain('no connection');
    expect(socket.calls).toHaveLength(3);
  });

  it('does not retry a refusal, and says why', async () => {
    const socket = flakySocket(0, { ok: false, error: 'message too long' });
    const sent = await sendChatMessage(socket, 's1', 'x', fast);
    expect(sent.error).toBe('Message not sent: message too long');
    expect(socket.calls).toHaveLength(1);
  });

  it('gives each message its own client_id', async () => {
    const socket = flakySocket(0);
    await sendChatMessage(socket, 's1', 'one', fast);
    await sendChatMessage(socket, 's1', 'two', fast);
    expect(socket.calls[0].payload['client_id']).not.toBe(socket.calls[1].payload['client_id']);
  });
});

describe('withMessage', () => {
  it('adds a message once, whether it comes by broadcast, ack or both', () => {
    const once = withMessage([], chat('hi', 'a'));
    expect(withMessage(once, chat('hi', 'a'))).toBe(once);
    expect(withMessage(once, chat('hi', 'b'))).toHaveLength(2);
  });

  it('keeps every message stored without a client_id', () => {
    const list = withMessage([chat('hi', null)], chat('hi', null));
    expect(list).toHaveLength(2);
  });
});

describe('postChat', () => {
  it('adds the stored message to the chat once, even when the broadcast came first', async () => {
    const socket = flakySocket(1);
    const chat = signal<ChatMessage[]>([]);
    expect(await postChat(socket, 's1', 'hello', chat, fast)).toBeNull();
    expect(chat().map((m) => m.message)).toEqual(['hello']);
    const broadcastFirst = signal<ChatMessage[]>([]);
    const again = flakySocket(0);
    const request = again.request;
    again.request = async (event: string, payload: unknown) => {
      const ack = await request(event, payload);
      broadcastFirst.update((list) => withMessage(list, ack['message'] as ChatMessage));
      return ack;
    };
    expect(await postChat(again, 's1', 'hi', broadcastFirst, fast)).toBeNull();
    expect(broadcastFirst()).toHaveLength(1);
  });

  it('leaves the chat alone and says why when the message was not stored', async () => {
    const chat = signal<ChatMessage[]>([]);
    const problem = await postChat(flakySocket(0, { ok: false, error: 'no' }), 's1', 'x', chat, fast);
    expect(problem).toBe('Message not sent: no');
    expect(chat()).toEqual([]);
  });
});
