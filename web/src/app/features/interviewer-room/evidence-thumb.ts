import { ChangeDetectionStrategy, Component, effect, inject, input, signal } from '@angular/core';
import { BlobUrlCache } from '../../core/blob-urls';

/** An event's evidence picture, fetched with the token (an <img src> cannot send it). */
@Component({
  selector: 'app-evidence-thumb',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (src(); as s) {
      <a [href]="s" target="_blank" rel="noopener" [attr.aria-label]="'Open evidence: ' + alt()">
        <img [src]="s" [alt]="alt()" width="96" height="72" loading="lazy" />
      </a>
    }
  `,
  styles: `
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
  protected readonly src = signal<string | null>(null);
  private readonly cache = inject(BlobUrlCache);

  constructor() {
    effect(() => {
      const path = this.path();
      const token = this.token();
      void this.cache.load(path, token).then((url) => this.src.set(url));
    });
  }
}
