import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  afterNextRender,
  effect,
  inject,
  input,
  signal,
} from '@angular/core';
import { BlobUrlCache } from '../../core/blob-urls';

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
  protected readonly src = signal<string | null>(null);
  private readonly visible = signal(typeof IntersectionObserver === 'undefined');
  private readonly cache = inject(BlobUrlCache);

  constructor() {
    const host = inject<ElementRef<HTMLElement>>(ElementRef).nativeElement;
    const destroyRef = inject(DestroyRef);
    afterNextRender(() => {
      if (this.visible()) {
        return;
      }
      const observer = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          this.visible.set(true);
          observer.disconnect();
        }
      });
      observer.observe(host);
      destroyRef.onDestroy(() => observer.disconnect());
    });
    effect(() => {
      const path = this.path();
      const token = this.token();
      if (this.visible()) {
        void this.cache.load(path, token).then((url) => this.src.set(url));
      }
    });
  }
}
