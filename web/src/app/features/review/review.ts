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
import { ProctorEvent, SessionInfo } from '../../core/models';
import { TokenStore } from '../../core/token-store';
import { EventIcon } from '../../shared/event-icon';
import { eventMeta } from '../../shared/event-meta';
import { clockTime, mediaTime } from '../../shared/format';
import { TimelineMark, recordingStart, timelineMarks } from './timeline';

/** An ended session's recording with its events on a timeline; a click on an event seeks to it. */
@Component({
  selector: 'app-review',
  imports: [RouterLink, EventIcon],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './review.html',
  styleUrl: './review.css',
})
export class Review implements OnInit {
  readonly id = input.required<string>();
  private readonly api = inject(ApiService);
  private readonly tokens = inject(TokenStore);

  protected readonly info = signal<SessionInfo | null>(null);
  protected readonly events = signal<ProctorEvent[]>([]);
  protected readonly videoUrl = signal<string | null>(null);
  protected readonly duration = signal<number | null>(null);
  protected readonly current = signal(0);
  protected readonly error = signal<string | null>(null);
  protected readonly noVideo = signal(false);
  protected readonly hasToken = signal(true);
  protected readonly marks = computed<TimelineMark[]>(() => {
    const info = this.info();
    const duration = this.duration();
    if (!info || !duration) {
      return [];
    }
    return timelineMarks(this.events(), recordingStart(info, duration), duration);
  });
  protected readonly playhead = computed(() => {
    const d = this.duration();
    return d ? Math.min(100, (100 * this.current()) / d) : 0;
  });
  protected readonly mediaTime = mediaTime;
  protected readonly clockTime = clockTime;
  private readonly video = viewChild<ElementRef<HTMLVideoElement>>('video');
  private fixingDuration = false;

  constructor() {
    inject(DestroyRef).onDestroy(() => {
      const url = this.videoUrl();
      if (url) {
        URL.revokeObjectURL(url);
      }
    });
  }

  async ngOnInit(): Promise<void> {
    const token = this.tokens.get(this.id(), 'interviewer');
    if (!token) {
      this.hasToken.set(false);
      return;
    }
    try {
      const [info, events] = await Promise.all([
        this.api.session(this.id(), token),
        this.api.events(this.id(), token),
      ]);
      this.info.set(info);
      this.events.set(events);
    } catch (error) {
      this.error.set(describeError(error));
      return;
    }
    try {
      this.videoUrl.set(URL.createObjectURL(await this.api.video(this.id(), token)));
    } catch {
      this.noVideo.set(true);
    }
  }

  /** MediaRecorder's WebM has no duration in its header; seeking far ahead makes the browser find it. */
  protected onMetadata(el: HTMLVideoElement): void {
    if (Number.isFinite(el.duration)) {
      this.duration.set(el.duration);
    } else {
      this.fixingDuration = true;
      el.currentTime = Number.MAX_SAFE_INTEGER;
    }
  }

  protected onDurationChange(el: HTMLVideoElement): void {
    if (this.fixingDuration && Number.isFinite(el.duration)) {
      this.fixingDuration = false;
      this.duration.set(el.duration);
      el.currentTime = 0;
    }
  }

  protected onTime(el: HTMLVideoElement): void {
    if (!this.fixingDuration) {
      this.current.set(el.currentTime);
    }
  }

  protected seek(mark: TimelineMark): void {
    const el = this.video()?.nativeElement;
    if (el) {
      // Start a little before, to see what led to the event.
      el.currentTime = Math.max(0, mark.at - 2);
      this.current.set(el.currentTime);
      void el.play().catch(() => undefined);
    }
  }

  protected title(mark: TimelineMark): string {
    return eventMeta(mark.event.type, mark.event.detail).label;
  }

  protected label(mark: TimelineMark): string {
    return `${this.title(mark)} at ${mediaTime(mark.at)}`;
  }

  protected tone(mark: TimelineMark): string {
    return `tone-${eventMeta(mark.event.type, mark.event.detail).tone}`;
  }
}
