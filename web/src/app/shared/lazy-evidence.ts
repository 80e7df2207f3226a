import {
  DestroyRef,
  ElementRef,
  Signal,
  afterNextRender,
  effect,
  inject,
  signal,
} from '@angular/core';
import { BlobUrlCache } from '../core/blob-urls';

/**
 * The object URL of a stored evidence file, fetched with the token (an <img> or <audio> src
 * cannot send it) once the calling component's element scrolls into view: a room opened late in
 * a long session does not fetch every picture and clip at once while it sets up the live video.
 * Call it from a component's field initializer (it injects the element and the cache).
 */
export function lazyEvidenceUrl(path: () => string, token: () => string): Signal<string | null> {
  const src = signal<string | null>(null);
  const visible = signal(typeof IntersectionObserver === 'undefined');
  const cache = inject(BlobUrlCache);
  const host = inject<ElementRef<HTMLElement>>(ElementRef).nativeElement;
  const destroyRef = inject(DestroyRef);
  afterNextRender(() => {
    if (visible()) {
      return;
    }
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        visible.set(true);
        observer.disconnect();
      }
    });
    observer.observe(host);
    destroyRef.onDestroy(() => observer.disconnect());
  });
  effect(() => {
    const p = path();
    const t = token();
    if (visible()) {
      void cache.load(p, t).then((url) => src.set(url));
    }
  });
  return src.asReadonly();
}
