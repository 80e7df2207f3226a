import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { lazyEvidenceUrl } from '../../shared/lazy-evidence';

/**
 * An event's evidence picture, fetched with the token (an <img src> cannot send it) once it
 * scrolls into view: a room opened late in a long session does not fetch every picture at once
 * while it is setting up the live video.
 */
@Component({
  selector: 'app-evidence-thumb',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'evidence-thumb' },
  template: `
    @if (src(); as s) {
      <a [href]="s" target="_blank" rel="noopener" [attr.aria-label]="'Open evidence: ' + alt()">
        <img [src]="s" [alt]="alt()" width="96" height="72" loading="lazy" />
      </a>
    }
  `,
  styles: `
    :host {
      display: block;
      min-width: 96px;
      min-height: 72px;
    }
    img {
      display: block;
      width: 96px;
      height: 72px;
      object-fit: cover;
      border-radius: 0.3rem;
      background: #0b0f16;
    }
  `,
})
export class EvidenceThumb {
  readonly path = input.required<string>();
  readonly token = input.required<string>();
  readonly alt = input('Evidence picture');
  protected readonly src = lazyEvidenceUrl(
    () => this.path(),
    () => this.token(),
  );
}
