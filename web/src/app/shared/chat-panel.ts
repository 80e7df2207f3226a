import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  effect,
  input,
  output,
  signal,
  viewChild,
} from '@angular/core';
import { ChatMessage, Role } from '../core/models';
import { clockTime } from './format';

export const CHAT_MAX_LENGTH = 2000;

/** The room chat. Messages are shown with interpolation only: user text is never HTML. */
@Component({
  selector: 'app-chat-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './chat-panel.html',
  styleUrl: './chat-panel.css',
})
export class ChatPanel {
  readonly messages = input.required<ChatMessage[]>();
  readonly myRole = input.required<Role>();
  readonly disabled = input(false);
  readonly send = output<string>();

  protected readonly draft = signal('');
  protected readonly maxLength = CHAT_MAX_LENGTH;
  protected readonly clockTime = clockTime;
  private readonly log = viewChild<ElementRef<HTMLElement>>('log');
  private readonly box = viewChild<ElementRef<HTMLTextAreaElement>>('box');

  constructor() {
    effect(() => {
      this.messages();
      const el = this.log()?.nativeElement;
      // After the new message is rendered, keep the newest one in view.
      if (el) {
        queueMicrotask(() => (el.scrollTop = el.scrollHeight));
      }
    });
  }

  protected submit(event: Event): void {
    event.preventDefault();
    const text = this.draft().trim();
    if (!text || this.disabled()) {
      return;
    }
    this.send.emit(text.slice(0, CHAT_MAX_LENGTH));
    this.draft.set('');
    // Also clear the element: typing and Enter can both land before the next render.
    const box = this.box()?.nativeElement;
    if (box) {
      box.value = '';
    }
  }

  protected onInput(event: Event): void {
    this.draft.set((event.target as HTMLTextAreaElement).value);
  }

  protected onKeydown(event: KeyboardEvent): void {
    // Enter sends, Shift+Enter makes a new line.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      this.submit(event);
    }
  }

  protected who(message: ChatMessage): string {
    return message.role === this.myRole() ? 'You' : message.name || message.role;
  }
}
