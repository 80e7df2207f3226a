import { ProctorEvent, SessionInfo } from '../../core/models';

export interface TimelineMark {
  event: ProctorEvent;
  /** Seconds from the start of the recording. */
  at: number;
  /** Position on the bar, 0..100. */
  left: number;
  /** Width on the bar for events with a duration, in percent (0 for instants). */
  width: number;
}

/**
 * When the recording started, in ms since the epoch. The candidate starts recording after the
 * consent and device check, and stops when the session ends, so the start is best taken as the
 * end minus the video's length; the session start is the fallback.
 */
export function recordingStart(info: SessionInfo, videoSeconds: number | null): number {
  const explicit = (info as SessionInfo & { video_started_at?: string | null }).video_started_at;
  if (explicit) {
    return Date.parse(explicit);
  }
  if (info.ended_at && videoSeconds && Number.isFinite(videoSeconds)) {
    return Date.parse(info.ended_at) - videoSeconds * 1000;
  }
  return Date.parse(info.started_at);
}

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
      const length = event.duration_s ?? 0;
      const clampedAt = Math.min(Math.max(at, 0), durationS);
      return {
        event,
        at: clampedAt,
        left: (100 * clampedAt) / durationS,
        width: Math.min(
          100 - (100 * clampedAt) / durationS,
          (100 * Math.max(0, length)) / durationS,
        ),
      };
    })
    .sort((a, b) => a.at - b.at);
}
