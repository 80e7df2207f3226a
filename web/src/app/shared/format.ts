let clockFormat: Intl.DateTimeFormat | null = null;

/** Wall-clock time of an ISO timestamp, in the viewer's locale (e.g. 14:03:07). */
export function clockTime(iso: string | null | undefined): string {
  if (!iso) {
    return '';
  }
  const date = new Date(iso);
  // One formatter for every call: making one (as toLocaleTimeString does) is slow, and a
  // room renders a time per event.
  clockFormat ??= new Intl.DateTimeFormat([], {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  return Number.isNaN(date.getTime()) ? '' : clockFormat.format(date);
}

/** A duration in seconds as `m:ss` (or `h:mm:ss`). */
export function mediaTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) {
    return '0:00';
  }
  const s = Math.floor(seconds % 60);
  const m = Math.floor(seconds / 60) % 60;
  const h = Math.floor(seconds / 3600);
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A short duration for people: "4 s", "1 min 5 s". */
export function shortDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) {
    return '';
  }
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) {
    return `${total} s`;
  }
  const m = Math.floor(total / 60);
  const s = total % 60;
  return s ? `${m} min ${s} s` : `${m} min`;
}
