import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { BlobUrlCache } from '../../core/blob-urls';
import { ProctorEvent } from '../../core/models';
import { EventsPanel } from './events-panel';
import { upsertEvent } from './interviewer-session';

const ev = (
  id: number,
  type: string,
  detail: string,
  second: number,
  over: Partial<ProctorEvent> = {},
): ProctorEvent => ({
  id,
  session_id: 's',
  type,
  detail,
  role: 'candidate',
  name: 'Ada',
  timestamp: `2026-01-01T10:00:${String(second).padStart(2, '0')}.000Z`,
  source: 'vision',
  ...over,
});

describe('upsertEvent', () => {
  it('keeps the newest first and replaces an updated event in place', () => {
    let list: ProctorEvent[] = [];
    list = upsertEvent(list, ev(1, 'looking_away', '', 1));
    list = upsertEvent(list, ev(2, 'focus_lost', 'tab_hidden', 5));
    list = upsertEvent(list, ev(1, 'looking_away', '', 1, { duration_s: 4, ended_at: 'x' }));
    expect(list.map((e) => e.id)).toEqual([2, 1]);
    expect(list[1].duration_s).toBe(4);
  });
});

describe('EventsPanel', () => {
  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), BlobUrlCache],
    });
  });

  async function render(events: ProctorEvent[]) {
    const fixture = TestBed.createComponent(EventsPanel);
    fixture.componentRef.setInput('events', events);
    fixture.componentRef.setInput('token', 'itok');
    await fixture.whenStable();
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }

  const events = [
    ev(3, 'object_detected', 'cell_phone', 9, {
      confidence: 0.41,
      evidence_url: '/sessions/s/events/3/evidence',
    }),
    ev(2, 'focus_lost', 'tab_hidden', 5, { source: 'browser' }),
    ev(1, 'looking_away', '', 1, { duration_s: 4.2, ended_at: '2026-01-01T10:00:05Z' }),
  ];

  it('lists events in the given order with label, detail, duration and confidence', async () => {
    const { el } = await render(events);
    const items = [...el.querySelectorAll('.event-item')];
    expect(items.map((i) => i.getAttribute('data-type'))).toEqual([
      'object_detected',
      'focus_lost',
      'looking_away',
    ]);
    expect(items[0].textContent).toContain('Phone');
    expect(items[0].textContent).toContain('ongoing');
    expect(items[0].textContent).toContain('41%');
    expect(items[0].classList).toContain('tone-orange');
    expect(items[1].textContent).toContain('tab hidden');
    expect(items[2].textContent).toContain('4 s');
  });

  it('fetches evidence with the interviewer token', async () => {
    await render(events);
    const http = TestBed.inject(HttpTestingController);
    const req = http.expectOne('/sessions/s/events/3/evidence');
    expect(req.request.headers.get('Authorization')).toBe('Bearer itok');
    expect(req.request.responseType).toBe('blob');
  });

  it("plays an audio event's clip, fetched with the interviewer token", async () => {
    Object.assign(URL, { createObjectURL: vi.fn(() => 'blob:clip'), revokeObjectURL: vi.fn() });
    const { fixture, el } = await render([
      ev(5, 'other_voice', 'voice distance 0.42', 3, {
        source: 'audio',
        evidence_url: '/sessions/s/events/5/evidence',
        evidence_type: 'audio/webm',
      }),
    ]);
    const http = TestBed.inject(HttpTestingController);
    const req = http.expectOne('/sessions/s/events/5/evidence');
    expect(req.request.headers.get('Authorization')).toBe('Bearer itok');
    req.flush(new Blob(['webm'], { type: 'audio/webm' }));
    await new Promise((r) => setTimeout(r, 0));
    fixture.detectChanges();
    const audio = el.querySelector('.event-item audio') as HTMLAudioElement;
    expect(audio).not.toBeNull();
    expect(audio.controls).toBe(true);
    expect(audio.getAttribute('aria-label')).toContain('Another voice');
    expect(el.querySelector('.event-item img')).toBeNull();
  });

  it('counts per type and filters by a type', async () => {
    const { fixture, el } = await render([
      ...events,
      ev(4, 'focus_lost', 'window_blur', 12, { source: 'browser' }),
    ]);
    const chips = [...el.querySelectorAll<HTMLButtonElement>('.count-chip')];
    expect(chips.map((c) => c.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      'Left the page 2',
      'Looking away 1',
      'Object 1',
    ]);
    chips[0].click();
    await fixture.whenStable();
    expect(el.querySelectorAll('.event-item')).toHaveLength(2);
    expect(chips[0].getAttribute('aria-pressed')).toBe('true');

    const select = el.querySelector('select')!;
    select.value = 'all';
    select.dispatchEvent(new Event('change'));
    await fixture.whenStable();
    expect(el.querySelectorAll('.event-item')).toHaveLength(4);
  });

  it('announces a new event to screen readers', async () => {
    const { fixture, el } = await render(events);
    fixture.componentRef.setInput('latest', events[0]);
    await fixture.whenStable();
    const live = el.querySelector('[aria-live="polite"]')!;
    expect(live.textContent).toMatch(/^New event: Phone at /);
  });

  it('says when there is nothing yet', async () => {
    const { el } = await render([]);
    expect(el.textContent).toContain('No events yet.');
  });
});
