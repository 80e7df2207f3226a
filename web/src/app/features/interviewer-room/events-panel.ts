import { ChangeDetectionStrategy, Component, computed, input, signal } from '@angular/core';
import { ProctorEvent } from '../../core/models';
import { EventIcon } from '../../shared/event-icon';
import { detailLabel, eventMeta, typeLabel } from '../../shared/event-meta';
import { clockTime, shortDuration } from '../../shared/format';
import { EvidenceAudio } from '../../shared/evidence-audio';
import { EvidenceThumb } from './evidence-thumb';

interface TypeCount {
  type: string;
  label: string;
  count: number;
}

/** Live events, newest first: icon and colour per type, time, detail, duration, evidence; filter and counts. */
@Component({
  selector: 'app-events-panel',
  imports: [EventIcon, EvidenceThumb, EvidenceAudio],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './events-panel.html',
  styleUrl: './events-panel.css',
})
export class EventsPanel {
  readonly events = input.required<ProctorEvent[]>();
  readonly token = input.required<string>();
  readonly latest = input<ProctorEvent | null>(null);

  protected readonly filter = signal<string>('all');
  protected readonly counts = computed<TypeCount[]>(() => {
    const counts = new Map<string, number>();
    for (const e of this.events()) {
      counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
    }
    return [...counts.entries()]
      .map(([type, count]) => ({ type, count, label: typeLabel(type) }))
      .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
  });
  protected readonly shown = computed(() => {
    const f = this.filter();
    return f === 'all' ? this.events() : this.events().filter((e) => e.type === f);
  });
  protected readonly announcement = computed(() => {
    const e = this.latest();
    return e ? `New event: ${this.title(e)} at ${clockTime(e.timestamp)}` : '';
  });
  protected readonly clockTime = clockTime;

  protected setFilter(type: string): void {
    this.filter.set(this.filter() === type ? 'all' : type);
  }

  protected onSelect(event: Event): void {
    this.filter.set((event.target as HTMLSelectElement).value);
  }

  protected title(e: ProctorEvent): string {
    return eventMeta(e.type, e.detail).label;
  }

  protected tone(e: ProctorEvent): string {
    return `tone-${eventMeta(e.type, e.detail).tone}`;
  }

  /** The detail when the title does not already say it (e.g. "Phone" needs no "cell_phone"). */
  protected detail(e: ProctorEvent): string {
    if (e.type === 'object_detected' || !e.detail) {
      return '';
    }
    return detailLabel(e.detail);
  }

  protected duration(e: ProctorEvent): string {
    if (e.duration_s !== null && e.duration_s !== undefined) {
      return shortDuration(e.duration_s);
    }
    return e.source === 'vision' && !e.ended_at ? 'ongoing' : '';
  }
}
