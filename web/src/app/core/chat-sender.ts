import { WritableSignal } from '@angular/core';
import { ChatMessage } from './models';
import { newClientId } from './outbox';
import { SocketService } from './socket';

/** How a chat message is retried when its ack does not come (offline, or the ack was lost). */
export interface ChatRetry {
  attempts: number;
  delayMs: number;
}

export const CHAT_RETRY: ChatRetry = { attempts: 4, delayMs: 1500 };

export interface ChatSent {
  /** The message as stored, once the server has it. */
  message: ChatMessage | null;
  /** What to show when it was not sent. */
  error: string | null;
}

/**
 * Sends one chat message. Every attempt carries the same client_id, so a message whose ack
 * was lost and that is sent again is stored and shown once.
 */
export async function sendChatMessage(
  socket: Pick<SocketService, 'request'>,
  sessionId: string,
  message: string,
  retry: ChatRetry = CHAT_RETRY,
): Promise<ChatSent> {
  const payload = { session_id: sessionId, message, client_id: newClientId() };
  for (let attempt = 1; ; attempt++) {
    try {
      const ack = await socket.request('chat', payload);
      if (!ack.ok) {
        return { message: null, error: `Message not sent: ${ack.error ?? 'refused'}` };
      }
      return { message: (ack['message'] as ChatMessage | undefined) ?? null, error: null };
    } catch {
      if (attempt >= retry.attempts) {
        return { message: null, error: 'Message not sent: no connection. Try again when connected.' };
      }
      await new Promise((resolve) => setTimeout(resolve, retry.delayMs * attempt));
    }
  }
}

/**
 * The chat with ``message`` added, unless it is there already: a sender sees its message both
 * in the room's broadcast and in its ack (and only in the ack when it missed the broadcast).
 */
export function withMessage(list: ChatMessage[], message: ChatMessage): ChatMessage[] {
  if (message.client_id && list.some((m) => m.client_id === message.client_id)) {
    return list;
  }
  return [...list, message];
}

/**
 * Sends ``message`` and adds it to ``chat`` once the server has it (the room's broadcast may add
 * it too: it is shown once); resolves the error to show, or null.
 */
export async function postChat(
  socket: Pick<SocketService, 'request'>,
  sessionId: string,
  message: string,
  chat: WritableSignal<ChatMessage[]>,
  retry: ChatRetry = CHAT_RETRY,
): Promise<string | null> {
  const sent = await sendChatMessage(socket, sessionId, message, retry);
  const stored = sent.message;
  if (stored) {
    chat.update((list) => withMessage(list, stored));
  }
  return sent.error;
}
