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
import { BlobUrlCache } from '../core/blob-urls';

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
