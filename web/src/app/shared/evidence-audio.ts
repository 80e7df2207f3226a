import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { lazyEvidenceUrl } from './lazy-evidence';

/**
 * An audio event's clip (a few seconds of WebM/Opus around it), fetched with the token (an
 * <audio src> cannot send it) once it scrolls into view, and played with the browser's own
 * controls.
 */
@Component({
  selector: 'app-evidence-audio',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'evidence-audio' },
  template: `
    @if (src(); as s) {
      <audio controls preload="metadata" [src]="s" [attr.aria-label]="label()"></audio>
    }
  `,
  styles: `
    :host {
      display: block;
      min-width: 12rem;
    }
    audio {
      display: block;
      width: 100%;
      max-width: 18rem;
      height: 2rem;
    }
  `,
})
export class EvidenceAudio {
  readonly path = input.required<string>();
  readonly token = input.required<string>();
  readonly label = input('Sound clip');
  protected readonly src = lazyEvidenceUrl(
    () => this.path(),
    () => this.token(),
  );
}
