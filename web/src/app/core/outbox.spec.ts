import { TestBed } from '@angular/core/testing';
import { OutboxItem, OutboxService } from './outbox';

type Outcome = 'stored' | 'rejected' | 'retry';

function setup(outcomes: Outcome[]): { outbox: OutboxService; sent: OutboxItem[] } {
  TestBed.configureTestingModule({ providers: [OutboxService] });
  const outbox = TestBed.inject(OutboxService);
  outbox.retryMs = 60_000; // retries are driven by the tests
  const sent: OutboxItem[] = [];
  outbox.init('s-1', async (item) => {
    sent.push(item);
    return outcomes.shift() ?? 'stored';
  });
  return { outbox, sent };
}

describe('OutboxService', () => {
  beforeEach(() => localStorage.clear());

  it('sends an event at once and forgets it once stored', async () => {
    const { outbox, sent } = setup(['stored']);
    outbox.add('copy_paste', 'paste');
    await outbox.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ session_id: 's-1', type: 'copy_paste', detail: 'paste' });
    expect(sent[0].client_id).toMatch(/\S{8,}/);
    expect(outbox.pending()).toEqual([]);
    expect(outbox.delivered()).toBe(1);
    expect(localStorage.getItem('proctor.outbox.s-1')).toBeNull();
  });

  it('keeps events while offline and resends them, same client_id, in order', async () => {
    const { outbox, sent } = setup(['retry', 'retry']);
    outbox.add('focus_lost', 'tab_hidden');
    await outbox.flush();
    outbox.add('fullscreen_exit');
    await outbox.flush();
    expect(outbox.pending().map((i) => i.type)).toEqual(['focus_lost', 'fullscreen_exit']);

    await outbox.flush(); // "reconnected"
    expect(outbox.pending()).toEqual([]);
    const ids = sent.map((i) => i.client_id);
    expect(ids[0]).toBe(ids[1]); // the first was tried twice with the same id
    expect(sent.slice(-2).map((i) => i.type)).toEqual(['focus_lost', 'fullscreen_exit']);
  });

  it('survives a reload: the queue is read back from localStorage', async () => {
    const first = setup(['retry']);
    const item = first.outbox.add('copy_paste', 'copy');
    await first.outbox.flush();
    TestBed.resetTestingModule();

    const second = setup([]);
    expect(second.outbox.pending().map((i) => i.client_id)).toEqual([item.client_id]);
    await second.outbox.flush();
    expect(second.sent.map((i) => i.client_id)).toEqual([item.client_id]);
  });

  it('drops an event the server refuses, so the queue does not stall', async () => {
    const { outbox, sent } = setup(['rejected', 'stored']);
    outbox.add('copy_paste', 'copy');
    outbox.add('copy_paste', 'paste');
    await outbox.flush();
    await outbox.flush();
    expect(sent.map((i) => i.detail)).toEqual(['copy', 'paste']);
    expect(outbox.pending()).toEqual([]);
    expect(outbox.delivered()).toBe(1);
  });

  it('treats a throwing sender as offline', async () => {
    TestBed.configureTestingModule({ providers: [OutboxService] });
    const outbox = TestBed.inject(OutboxService);
    outbox.retryMs = 60_000;
    outbox.init('s-2', () => Promise.reject(new Error('timeout')));
    outbox.add('focus_lost', 'window_blur');
    await outbox.flush();
    expect(outbox.pending()).toHaveLength(1);
    outbox.dispose();
  });
});
