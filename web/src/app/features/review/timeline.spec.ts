import { ProctorEvent, RecordingPart, SessionInfo } from '../../core/models';
import { partSpans, placeEvents, recordingStart, timelineMarks } from './timeline';

const info = (over: Partial<SessionInfo>): SessionInfo =>
  ({
    started_at: '2026-01-01T10:00:00.000Z',
    ended_at: '2026-01-01T10:10:00.000Z',
    ...over,
  }) as SessionInfo;

const event = (id: number, timestamp: string, duration_s: number | null = null): ProctorEvent =>
  ({ id, type: 'looking_away', detail: '', timestamp, duration_s }) as ProctorEvent;

const part = (
  name: string,
  started_at: string | null,
  duration_s: number | null,
): RecordingPart => ({
  part: name,
  started_at,
  duration_s,
  size: 1,
  mime: 'video/webm',
  url: `/sessions/s1/videos/${name}`,
});

const at = (iso: string): number => Date.parse(iso);

describe('review timeline', () => {
  it('takes the start the server recorded, else the end minus the length, else the session start', () => {
    const explicit = info({ video_started_at: '2026-01-01T10:01:00.000Z' });
    expect(recordingStart(explicit, 120)).toBe(at('2026-01-01T10:01:00.000Z'));
    expect(recordingStart(info({}), 120)).toBe(at('2026-01-01T10:08:00.000Z'));
    expect(recordingStart(info({ ended_at: null }), 120)).toBe(at('2026-01-01T10:00:00.000Z'));
  });

  it('places events on the recording by time, sizes long ones, and leaves out what it missed', () => {
    const start = at('2026-01-01T10:00:00.000Z');
    const marks = timelineMarks(
      [
        event(2, '2026-01-01T10:01:40.000Z', 20),
        event(1, '2026-01-01T09:59:00.000Z'), // before the recording
        event(4, '2026-01-01T09:59:50.000Z', 20), // began before it, went on into it
        event(3, '2026-01-01T10:05:00.000Z', 999), // after it
        event(5, '2026-01-01T10:03:10.000Z', 30), // runs past its end
      ],
      start,
      200,
    );
    expect(marks.map((m) => [m.event.id, m.at, m.left])).toEqual([
      [4, 0, 0],
      [2, 100, 50],
      [5, 190, 95],
    ]);
    expect(marks.map((m) => m.width)).toEqual([5, 10, 5]);
    expect(timelineMarks([event(1, '2026-01-01T10:00:00Z')], start, 0)).toEqual([]);
  });

  it('gives each part its span, and each event the part that recorded it', () => {
    const parts = [
      part('first', '2026-01-01T10:00:05.000Z', 60),
      part('second', '2026-01-01T10:01:30.000Z', null), // its length is not known yet
    ];
    const spans = partSpans(parts, info({}));
    expect(spans.map((s) => [s.part.part, s.number, s.startMs, s.endMs])).toEqual([
      ['first', 1, at('2026-01-01T10:00:05.000Z'), at('2026-01-01T10:01:05.000Z')],
      ['second', 2, at('2026-01-01T10:01:30.000Z'), at('2026-01-01T10:10:00.000Z')],
    ]);
    // The length the player measured wins over the recorder's own.
    const measured = partSpans(parts, info({}), { second: 100 });
    expect(measured[1].endMs).toBe(at('2026-01-01T10:03:10.000Z'));

    const places = placeEvents(
      [
        event(2, '2026-01-01T10:01:20.000Z'), // while the page was reloading
        event(1, '2026-01-01T10:00:15.000Z'),
        event(3, '2026-01-01T10:02:00.000Z'),
      ],
      measured,
    );
    expect(places.map((p) => [p.event.id, p.span?.part.part ?? null, p.at])).toEqual([
      [1, 'first', 10],
      [2, null, 0],
      [3, 'second', 30],
    ]);
  });

  it('orders parts by their start, whatever order they came in', () => {
    const spans = partSpans(
      [part('b', '2026-01-01T10:05:00.000Z', 10), part('a', '2026-01-01T10:01:00.000Z', 10)],
      info({}),
    );
    expect(spans.map((s) => [s.part.part, s.number])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });
});
