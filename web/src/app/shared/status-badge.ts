import { ChangeDetectionStrategy, Component, input } from '@angular/core';

export type BadgeTone = 'ok' | 'warn' | 'bad' | 'idle';

/** A labelled status pill: a coloured dot plus text (the text carries the meaning, not the colour). */
@Component({
  selector: 'app-status-badge',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '[class]': '"badge badge-" + tone()' },
  template: `<span class="dot" aria-hidden="true"></span
    ><span class="badge-label">{{ label() }}</span>
    @if (text()) {
      <span class="badge-text">{{ text() }}</span>
    }`,
})
export class StatusBadge {
  readonly label = input.required<string>();
  readonly text = input<string>('');
  readonly tone = input<BadgeTone>('idle');
}
