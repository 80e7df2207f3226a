import { ProctorEvent, RecordingPart, SessionInfo } from '../../core/models';

export interface TimelineMark {
  event: ProctorEvent;
  /** Seconds from the start of the recording. */
  at: number;
  /** Position on the bar, 0..100. */
  left: number;
  /** Width on the bar for events with a duration, in percent (0 for instants). */
  width: number;
}

/** A recording part's time span, in ms since the epoch by the server's clock. */
export interface PartSpan {
  part: RecordingPart;
  /** 1-based, in the order the parts started. */
  number: number;
  startMs: number;
  endMs: number;
}

/** Where an event lies in the recordings: which part, and how far into it (seconds). */
export interface EventPlace {
  event: ProctorEvent;
  span: PartSpan | null;
  at: number;
}

/**
 * When a recording started, in ms since the epoch. The server dates each part by its own
 * clock from the candidate's uploads (`started_at`); for a recording that came without one,
 * the end minus the video's length is the best guess, the session start the fallback.
 */
export function recordingStart(
  info: SessionInfo,
  videoSeconds: number | null,
  startedAt: string | null | undefined = info.video_started_at,
): number {
  if (startedAt) {
    return Date.parse(startedAt);
  }
  if (info.ended_at && videoSeconds && Number.isFinite(videoSeconds)) {
    return Date.parse(info.ended_at) - videoSeconds * 1000;
  }
  return Date.parse(info.started_at);
}

/**
 * The parts' spans in the order they started. A part of unknown length ends where the next
 * one starts (or when the session ended); `lengths` gives the lengths the player measured.
 */
export function partSpans(
  parts: RecordingPart[],
  info: SessionInfo,
  lengths: Record<string, number> = {},
  now = Date.now(),
): PartSpan[] {
  const sessionEnd = info.ended_at ? Date.parse(info.ended_at) : now;
  const starts = parts.map((p) => {
    const seconds = lengths[p.part] ?? p.duration_s;
    return recordingStart(info, parts.length === 1 ? seconds : null, p.started_at);
  });
  const order = parts.map((_, i) => i).sort((a, b) => starts[a] - starts[b]);
  return order.map((i, k) => {
    const seconds = lengths[parts[i].part] ?? parts[i].duration_s;
    const next = k + 1 < order.length ? starts[order[k + 1]] : sessionEnd;
    const endMs = seconds ? starts[i] + seconds * 1000 : Math.max(starts[i], next);
    return { part: parts[i], number: k + 1, startMs: starts[i], endMs };
  });
}

/** Each event with the part that recorded it (the last one that started before it, while it
 * still ran) and its time in that part; events no part recorded get `span: null`. */
export function placeEvents(events: ProctorEvent[], spans: PartSpan[]): EventPlace[] {
  return events
    .map((event) => {
      const t = Date.parse(event.timestamp);
      const span = [...spans].reverse().find((s) => s.startMs <= t && t <= s.endMs) ?? null;
      return { event, span, at: span ? (t - span.startMs) / 1000 : 0 };
    })
    .sort((a, b) => a.event.timestamp.localeCompare(b.event.timestamp) || a.event.id - b.event.id);
}

/** Marks for the events that overlap a recording of `durationS` seconds from `startMs`. */
export function timelineMarks(
  events: ProctorEvent[],
  startMs: number,
  durationS: number,
): TimelineMark[] {
  if (!(durationS > 0)) {
    return [];
  }
  return events
    .map((event) => {
      const at = (Date.parse(event.timestamp) - startMs) / 1000;
      const length = Math.max(0, event.duration_s ?? 0);
      return { event, at, length };
    })
    .filter(({ at, length }) => at + length >= 0 && at <= durationS)
    .map(({ event, at, length }) => {
      const end = Math.min(durationS, at + length);
      const clampedAt = Math.max(at, 0);
      return {
        event,
        at: clampedAt,
        left: (100 * clampedAt) / durationS,
        width: (100 * (end - clampedAt)) / durationS,
      };
    })
    .sort((a, b) => a.at - b.at);
}
