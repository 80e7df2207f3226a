import { TestBed } from '@angular/core/testing';
import { ChatMessage } from '../core/models';
import { ChatPanel } from './chat-panel';

const msg = (role: 'candidate' | 'interviewer', message: string): ChatMessage => ({
  session_id: 's',
  role,
  name: role === 'candidate' ? 'Ada' : 'Grace',
  message,
  timestamp: '2026-01-01T10:00:00Z',
});

describe('ChatPanel', () => {
  async function render(messages: ChatMessage[]) {
    const fixture = TestBed.createComponent(ChatPanel);
    fixture.componentRef.setInput('messages', messages);
    fixture.componentRef.setInput('myRole', 'interviewer');
    const sent: string[] = [];
    fixture.componentInstance.send.subscribe((m) => sent.push(m));
    await fixture.whenStable();
    return { fixture, el: fixture.nativeElement as HTMLElement, sent };
  }

  it('shows user text as text, never as HTML', async () => {
    const { el } = await render([msg('candidate', '<img src=x onerror=alert(1)><b>hi</b>')]);
    const item = el.querySelector('.chat-text')!;
    expect(item.textContent).toBe('<img src=x onerror=alert(1)><b>hi</b>');
    expect(item.querySelector('img, b')).toBeNull();
    expect(el.querySelector('.chat-meta strong')!.textContent?.trim()).toBe('Ada');
  });

  it('labels own messages as "You"', async () => {
    const { el } = await render([msg('interviewer', 'hello')]);
    expect(el.querySelector('.chat-msg.mine strong')!.textContent?.trim()).toBe('You');
  });

  it('sends on Enter, trims, and does not send blanks', async () => {
    const { fixture, el, sent } = await render([]);
    const box = el.querySelector('textarea')!;
    box.value = '   ';
    box.dispatchEvent(new Event('input'));
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    box.value = '  see you  ';
    box.dispatchEvent(new Event('input'));
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    await fixture.whenStable();
    expect(sent).toEqual(['see you']);
    expect(box.value).toBe('');
  });

  it('keeps Shift+Enter for a new line', async () => {
    const { el, sent } = await render([]);
    const box = el.querySelector('textarea')!;
    box.value = 'line';
    box.dispatchEvent(new Event('input'));
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', shiftKey: true }));
    expect(sent).toEqual([]);
  });
});
