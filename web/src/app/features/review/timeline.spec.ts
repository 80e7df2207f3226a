import { ProctorEvent, SessionInfo } from '../../core/models';
import { recordingStart, timelineMarks } from './timeline';

const info = (over: Partial<SessionInfo>): SessionInfo =>
  ({
    started_at: '2026-01-01T10:00:00.000Z',
    ended_at: '2026-01-01T10:10:00.000Z',
    ...over,
  }) as SessionInfo;

const event = (id: number, timestamp: string, duration_s: number | null = null): ProctorEvent =>
  ({ id, type: 'looking_away', detail: '', timestamp, duration_s }) as ProctorEvent;

describe('review timeline', () => {
  it('places the recording start at the end minus its length', () => {
    expect(recordingStart(info({}), 120)).toBe(Date.parse('2026-01-01T10:08:00.000Z'));
  });

  it('falls back to the session start, and prefers an explicit recording start', () => {
    expect(recordingStart(info({ ended_at: null }), 120)).toBe(
      Date.parse('2026-01-01T10:00:00.000Z'),
    );
    const explicit = { ...info({}), video_started_at: '2026-01-01T10:01:00.000Z' } as SessionInfo;
    expect(recordingStart(explicit, 120)).toBe(Date.parse('2026-01-01T10:01:00.000Z'));
  });

  it('positions events by time, clamps them to the recording, and sizes long ones', () => {
    const start = Date.parse('2026-01-01T10:00:00.000Z');
    const marks = timelineMarks(
      [
        event(2, '2026-01-01T10:01:40.000Z', 20),
        event(1, '2026-01-01T09:59:00.000Z'),
        event(3, '2026-01-01T10:05:00.000Z', 999),
      ],
      start,
      200,
    );
    expect(marks.map((m) => [m.event.id, m.at, m.left])).toEqual([
      [1, 0, 0],
      [2, 100, 50],
      [3, 200, 100],
    ]);
    expect(marks[1].width).toBe(10);
    expect(marks[2].width).toBe(0);
    expect(timelineMarks([event(1, '2026-01-01T10:00:00Z')], start, 0)).toEqual([]);
  });
});
