import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { eventMeta } from './event-meta';

/** A small line icon for an event type, coloured by its tone; decorative (the label says it). */
@Component({
  selector: 'app-event-icon',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '[class]': '"event-icon tone-" + meta().tone', 'aria-hidden': 'true' },
  template: `
    <svg
      viewBox="0 0 24 24"
      width="20"
      height="20"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      focusable="false"
    >
      @switch (meta().icon) {
        @case ('face-off') {
          <circle cx="12" cy="12" r="8" />
          <path d="M4 4l16 16" />
        }
        @case ('faces') {
          <circle cx="8" cy="9" r="3.5" />
          <circle cx="16.5" cy="9" r="3.5" />
          <path d="M2 20c0-3 3-5 6-5s6 2 6 5M11 20c0-3 2.5-5 5.5-5s5.5 2 5.5 5" />
        }
        @case ('eye') {
          <path d="M2 12s3.5-6 10-6 10 6 10 6-3.5 6-10 6S2 12 2 12z" />
          <circle cx="17" cy="12" r="2.5" />
        }
        @case ('phone') {
          <rect x="7" y="2.5" width="10" height="19" rx="2" />
          <path d="M11 18.5h2" />
        }
        @case ('box') {
          <path d="M3 7l9-4 9 4-9 4-9-4zM3 7v10l9 4 9-4V7M12 11v10" />
        }
        @case ('tab') {
          <rect x="3" y="5" width="18" height="14" rx="2" />
          <path d="M3 9h18M12 13l3 3M15 13l-3 3" />
        }
        @case ('fullscreen') {
          <path d="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5" />
        }
        @case ('clipboard') {
          <rect x="6" y="4" width="12" height="17" rx="2" />
          <path d="M9 4V2.5h6V4M9 10h6M9 14h6" />
        }
        @case ('mic') {
          <rect x="9" y="2.5" width="6" height="11" rx="3" />
          <path d="M5 11a7 7 0 0 0 14 0M12 18v3.5" />
        }
        @case ('voices') {
          <rect x="4" y="4" width="5" height="9" rx="2.5" />
          <path d="M2 11a4.5 4.5 0 0 0 9 0M6.5 15.5V19" />
          <path d="M14 8c1.5 1 1.5 5 0 6M17 6c3 2 3 8 0 10" />
        }
        @default {
          <path d="M5 21V4M5 4h12l-2 4 2 4H5" />
        }
      }
    </svg>
  `,
})
export class EventIcon {
  readonly type = input.required<string>();
  readonly detail = input<string | null | undefined>(null);
  protected readonly meta = computed(() => eventMeta(this.type(), this.detail()));
}
