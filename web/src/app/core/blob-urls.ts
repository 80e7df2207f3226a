import { Injectable, OnDestroy, inject } from '@angular/core';
import { ApiService } from './api';

/**
 * Protected images (evidence) loaded with the Bearer token into blob: URLs, each once per page,
 * and released when the page goes away.
 */
@Injectable()
export class BlobUrlCache implements OnDestroy {
  private readonly api = inject(ApiService);
  private readonly urls = new Map<string, Promise<string | null>>();

  load(path: string, token: string): Promise<string | null> {
    let url = this.urls.get(path);
    if (!url) {
      url = this.api.blob(path, token).then(
        (blob) => URL.createObjectURL(blob),
        () => {
          this.urls.delete(path); // let a later view try again
          return null;
        },
      );
      this.urls.set(path, url);
    }
    return url;
  }

  ngOnDestroy(): void {
    for (const url of this.urls.values()) {
      void url.then((u) => u && URL.revokeObjectURL(u));
    }
    this.urls.clear();
  }
}

/** Saves a Blob as a file through a temporary link. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
