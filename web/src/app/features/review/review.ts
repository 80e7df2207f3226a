import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  OnInit,
  computed,
  inject,
  input,
  signal,
  viewChild,
} from '@angular/core';
import { RouterLink } from '@angular/router';
import { ApiService, describeError } from '../../core/api';
import { AlertState, ProctorEvent, RecordingPart, SessionInfo } from '../../core/models';
import { TokenStore } from '../../core/token-store';
import { BlobUrlCache } from '../../core/blob-urls';
import { EvidenceAudio } from '../../shared/evidence-audio';
import { EventIcon } from '../../shared/event-icon';
import { eventMeta } from '../../shared/event-meta';
import { clockTime, mediaTime } from '../../shared/format';
import { alertBad, alertChannel, alertStatus } from './alerts';
import {
  EventPlace,
  PartSpan,
  TimelineMark,
  partSpans,
  placeEvents,
  timelineMarks,
} from './timeline';

/** Seconds shown before an event when seeking to it, to see what led to it. */
const LEAD_S = 2;

/**
 * An ended session's recordings with the events on each one's timeline. A reloaded candidate
 * page leaves several parts: the interviewer picks one, and a click on any event opens the part
 * that recorded it at that moment.
 */
@Component({
  selector: 'app-review',
  imports: [RouterLink, EventIcon, EvidenceAudio],
  providers: [BlobUrlCache],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './review.html',
  styleUrl: './review.css',
})
export class Review implements OnInit {
  readonly id = input.required<string>();
  /** An event to open at once (`?event=<id>`: the link in an alert). */
  readonly event = input<string | undefined>();
  private readonly api = inject(ApiService);
  private readonly tokens = inject(TokenStore);

  protected readonly info = signal<SessionInfo | null>(null);
  protected readonly events = signal<ProctorEvent[]>([]);
  protected readonly parts = signal<RecordingPart[]>([]);
  protected readonly alerts = signal<AlertState[]>([]);
  protected readonly selected = signal<string | null>(null);
  protected readonly videoUrl = signal<string | null>(null);
  protected readonly duration = signal<number | null>(null);
  /** Lengths the player measured, per part (more exact than the recorder's own count). */
  private readonly lengths = signal<Record<string, number>>({});
  protected readonly current = signal(0);
  protected readonly error = signal<string | null>(null);
  protected readonly noVideo = signal(false);
  protected readonly hasToken = signal(true);
  protected readonly spans = computed<PartSpan[]>(() => {
    const info = this.info();
    return info ? partSpans(this.parts(), info, this.lengths()) : [];
  });
  protected readonly span = computed(
    () => this.spans().find((s) => s.part.part === this.selected()) ?? null,
  );
  protected readonly marks = computed<TimelineMark[]>(() => {
    const span = this.span();
    const duration = this.duration();
    return span && duration ? timelineMarks(this.events(), span.startMs, duration) : [];
  });
  protected readonly places = computed<EventPlace[]>(() =>
    placeEvents(this.events(), this.spans()),
  );
  protected readonly playhead = computed(() => {
    const d = this.duration();
    return d ? Math.min(100, (100 * this.current()) / d) : 0;
  });
  protected readonly mediaTime = mediaTime;
  protected readonly alertChannel = alertChannel;
  protected readonly alertStatus = alertStatus;
  protected readonly alertBad = alertBad;
  protected readonly clockTime = clockTime;
  private readonly video = viewChild<ElementRef<HTMLVideoElement>>('video');
  private fixingDuration = false;
  private pendingSeek: number | null = null;
  protected token = '';
  private loads = 0;

  constructor() {
    inject(DestroyRef).onDestroy(() => this.setUrl(null));
  }

  async ngOnInit(): Promise<void> {
    const token = this.tokens.get(this.id(), 'interviewer');
    if (!token) {
      this.hasToken.set(false);
      return;
    }
    this.token = token;
    try {
      const [info, events, parts] = await Promise.all([
        this.api.session(this.id(), token),
        this.api.events(this.id(), token),
        this.api.videos(this.id(), token),
      ]);
      this.info.set(info);
      this.events.set(events);
      this.parts.set(parts);
    } catch (error) {
      this.error.set(describeError(error));
      return;
    }
    // Alerts are extra: the review works without them (an older server has none).
    this.api.alerts(this.id(), token).then(
      (alerts) => this.alerts.set(alerts),
      () => this.alerts.set([]),
    );
    const wanted = this.places().find((p) => String(p.event.id) === this.event());
    if (wanted?.span) {
      await this.choose(wanted.span.part.part, wanted.at);
      return;
    }
    // The main recording first: the largest part, as GET /sessions/{id}/video serves it.
    const main = [...this.parts()].sort((a, b) => b.size - a.size)[0];
    if (main) {
      await this.choose(main.part);
    } else {
      this.noVideo.set(true);
    }
  }

  /** Shows part `part`; `seekTo` (seconds into it) once it is loaded. */
  protected async choose(part: string, seekTo: number | null = null): Promise<void> {
    if (part === this.selected() && this.videoUrl()) {
      if (seekTo !== null) {
        this.seekTo(seekTo);
      }
      return;
    }
    const found = this.parts().find((p) => p.part === part);
    if (!found) {
      return;
    }
    const load = ++this.loads;
    this.selected.set(part);
    this.pendingSeek = seekTo;
    this.duration.set(null);
    this.current.set(0);
    this.setUrl(null);
    try {
      const blob = await this.api.blob(found.url, this.token);
      if (load === this.loads) {
        this.setUrl(URL.createObjectURL(blob));
      }
    } catch (error) {
      this.error.set(`This recording could not be loaded: ${describeError(error)}`);
    }
  }

  /** MediaRecorder's WebM has no duration in its header; seeking far ahead makes the browser find it. */
  protected onMetadata(el: HTMLVideoElement): void {
    if (Number.isFinite(el.duration)) {
      this.measured(el, el.duration);
    } else {
      this.fixingDuration = true;
      el.currentTime = Number.MAX_SAFE_INTEGER;
    }
  }

  protected onDurationChange(el: HTMLVideoElement): void {
    if (this.fixingDuration && Number.isFinite(el.duration)) {
      this.fixingDuration = false;
      el.currentTime = 0;
      this.measured(el, el.duration);
    }
  }

  protected onTime(el: HTMLVideoElement): void {
    if (!this.fixingDuration) {
      this.current.set(el.currentTime);
    }
  }

  protected seek(mark: TimelineMark): void {
    this.seekTo(mark.at);
  }

  protected open(place: EventPlace): void {
    if (place.span) {
      void this.choose(place.span.part.part, place.at);
    }
  }

  protected partLabel(span: PartSpan): string {
    const length = this.lengths()[span.part.part] ?? span.part.duration_s;
    const from = span.part.started_at ? `from ${clockTime(span.part.started_at)}` : 'start unknown';
    return `Part ${span.number}: ${from}${length ? `, ${mediaTime(length)}` : ''}`;
  }

  /** The event an alert was about, in words (a digest stands for several). */
  protected alertEvent(alert: AlertState): string {
    const event = this.events().find((e) => e.id === alert.event_id);
    return event ? `${this.title(event)} at ${clockTime(event.timestamp)}` : 'several events';
  }

  protected title(event: ProctorEvent): string {
    return eventMeta(event.type, event.detail).label;
  }

  protected label(mark: TimelineMark): string {
    return `${this.title(mark.event)} at ${mediaTime(mark.at)}`;
  }

  protected placeText(place: EventPlace): string {
    if (!place.span) {
      return 'not recorded';
    }
    const inOther = this.spans().length > 1 ? `part ${place.span.number}, ` : '';
    return `${inOther}${mediaTime(place.at)}`;
  }

  protected tone(mark: TimelineMark): string {
    return `tone-${eventMeta(mark.event.type, mark.event.detail).tone}`;
  }

  private measured(el: HTMLVideoElement, seconds: number): void {
    const part = this.selected();
    if (part) {
      this.lengths.update((all) => ({ ...all, [part]: seconds }));
    }
    this.duration.set(seconds);
    if (this.pendingSeek !== null) {
      const at = this.pendingSeek;
      this.pendingSeek = null;
      this.seekTo(at, el);
    }
  }

  private seekTo(seconds: number, el = this.video()?.nativeElement): void {
    if (this.duration() === null) {
      this.pendingSeek = seconds; // the player is still finding the length: seek after that
      return;
    }
    if (el) {
      el.currentTime = Math.max(0, seconds - LEAD_S);
      this.current.set(el.currentTime);
      void el.play().catch(() => undefined);
    }
  }

  private setUrl(url: string | null): void {
    const old = this.videoUrl();
    if (old) {
      URL.revokeObjectURL(old);
    }
    this.videoUrl.set(url);
  }
}
