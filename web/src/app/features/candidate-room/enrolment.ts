import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  computed,
  inject,
  input,
  output,
  signal,
  viewChild,
} from '@angular/core';
import { HttpErrorResponse } from '@angular/common/http';
import { ApiService, describeError } from '../../core/api';
import { IdentityPhotoResult } from '../../core/models';

type State = 'ready' | 'checking' | 'accepted' | 'refused' | 'unavailable' | 'failed';

/** Refused photos after which the candidate is offered to go on without one (a poor camera
 * must not lock them out; the interviewer's badge then says no photo was taken). */
export const GIVE_UP_AFTER = 3;

/** The box of a face as CSS percentages of the photo, for the overlay. */
export function boxStyle(result: IdentityPhotoResult): Record<string, string> | null {
  if (!result.box || !result.width || !result.height) {
    return null;
  }
  const [x1, y1, x2, y2] = result.box;
  const pct = (v: number, of: number) => `${Math.max(0, Math.min(100, (100 * v) / of))}%`;
  return {
    left: pct(x1, result.width),
    top: pct(y1, result.height),
    width: pct(x2 - x1, result.width),
    height: pct(y2 - y1, result.height),
  };
}

/**
 * The enrolment photo: the candidate takes a picture, the server says whether their face is
 * usable (alone, large, lit and sharp enough) and the page shows the face it found, or why to
 * try again. The session compares the live camera with this photo.
 */
@Component({
  selector: 'app-enrolment',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="panel stack" aria-labelledby="enrol-title">
      <h2 id="enrol-title">Your photo</h2>
      <p>
        Look at the camera, alone, with your whole face in the picture and well lit. The photo is
        used to check that the same person stays in the session.
      </p>
      <div class="enrol-grid">
        <div class="video-frame photo">
          @if (photo(); as url) {
            <img [src]="url" alt="The photo you took" />
            @if (box(); as b) {
              <div
                class="face-box"
                [class.bad]="state() !== 'accepted'"
                [style.left]="b['left']"
                [style.top]="b['top']"
                [style.width]="b['width']"
                [style.height]="b['height']"
                aria-hidden="true"
              ></div>
            }
          } @else {
            <video
              #camera
              [srcObject]="stream()"
              autoplay
              muted
              playsinline
              aria-label="Your camera"
            ></video>
          }
        </div>
        <div class="stack">
          @switch (state()) {
            @case ('checking') {
              <p aria-live="polite">Checking your photo…</p>
            }
            @case ('accepted') {
              <p class="alert alert-info" role="status">{{ message() }}</p>
              <button type="button" class="btn" (click)="done.emit()">
                Continue to the session
              </button>
              <button type="button" class="btn secondary" (click)="retake()">Take it again</button>
            }
            @case ('refused') {
              <p class="alert alert-warn" role="alert">{{ message() }}</p>
              <button type="button" class="btn" (click)="retake()">Try again</button>
              @if (refusals() >= GIVE_UP_AFTER) {
                <p class="muted">
                  If your camera cannot take a usable photo, you can go on without one: the
                  interviewer will see that no photo was taken.
                </p>
                <button type="button" class="btn secondary" (click)="done.emit()">
                  Continue without a photo
                </button>
              }
            }
            @case ('unavailable') {
              <p class="alert alert-info" role="status">{{ message() }}</p>
              <button type="button" class="btn" (click)="done.emit()">
                Continue to the session
              </button>
            }
            @case ('failed') {
              <p class="alert alert-bad" role="alert">{{ message() }}</p>
              <button type="button" class="btn" (click)="retake()">Try again</button>
            }
            @default {
              <button type="button" class="btn" (click)="take()">Take my photo</button>
            }
          }
        </div>
      </div>
    </section>
  `,
  styles: `
    .enrol-grid {
      display: grid;
      grid-template-columns: minmax(0, 3fr) minmax(14rem, 2fr);
      gap: 1rem;
    }
    @media (max-width: 720px) {
      .enrol-grid {
        grid-template-columns: 1fr;
      }
    }
    .photo {
      position: relative;
    }
    .photo img {
      display: block;
      width: 100%;
    }
    .face-box {
      position: absolute;
      border: 3px solid #1a7f37;
      border-radius: 4px;
    }
    .face-box.bad {
      border-color: #b35900;
    }
  `,
})
export class Enrolment {
  readonly sessionId = input.required<string>();
  readonly token = input.required<string>();
  readonly stream = input.required<MediaStream | null>();
  readonly done = output<void>();

  private readonly api = inject(ApiService);
  protected readonly state = signal<State>('ready');
  protected readonly message = signal('');
  protected readonly photo = signal<string | null>(null);
  /** Photos refused so far; after a few the candidate may go on without one. */
  protected readonly refusals = signal(0);
  protected readonly GIVE_UP_AFTER = GIVE_UP_AFTER;
  private readonly result = signal<IdentityPhotoResult | null>(null);
  protected readonly box = computed(() => {
    const r = this.result();
    return r ? boxStyle(r) : null;
  });
  private readonly camera = viewChild<ElementRef<HTMLVideoElement>>('camera');

  constructor() {
    inject(DestroyRef).onDestroy(() => this.release());
  }

  protected async take(): Promise<void> {
    const video = this.camera()?.nativeElement;
    const blob = video ? await capture(video) : null;
    if (!blob) {
      this.fail('The camera gave no picture yet. Wait a moment and try again.');
      return;
    }
    await this.submit(blob);
  }

  /** Sends a photo and shows the server's verdict. */
  async submit(blob: Blob): Promise<void> {
    this.state.set('checking');
    this.photo.set(URL.createObjectURL(blob));
    try {
      const result = await this.api.identityPhoto(
        this.sessionId(),
        'enrolment',
        blob,
        this.token(),
      );
      this.result.set(result);
      this.message.set(result.message);
      this.state.set(result.accepted ? 'accepted' : 'refused');
      if (!result.accepted) {
        this.refusals.update((n) => n + 1);
      }
    } catch (error) {
      if (error instanceof HttpErrorResponse && error.status === 503) {
        // The server cannot check faces now: the session goes on without identity checks.
        this.message.set('Your photo cannot be checked right now; you can go on.');
        this.state.set('unavailable');
        return;
      }
      this.fail(describeError(error));
    }
  }

  protected retake(): void {
    this.release();
    this.result.set(null);
    this.state.set('ready');
  }

  private fail(message: string): void {
    this.message.set(message);
    this.state.set('failed');
  }

  private release(): void {
    const url = this.photo();
    if (url) {
      URL.revokeObjectURL(url);
    }
    this.photo.set(null);
  }
}

/** Resolves once the video shows a picture (at most `ms` later: then capture finds none). */
function pictureShown(video: HTMLVideoElement, ms = 5000): Promise<void> {
  if (video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.videoWidth) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      video.removeEventListener('loadeddata', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    video.addEventListener('loadeddata', done);
  });
}

/** The video's current picture as a JPEG, at the camera's own size. */
async function capture(video: HTMLVideoElement): Promise<Blob | null> {
  await pictureShown(video); // a click right after the step opens comes before the first frame
  const { videoWidth: w, videoHeight: h } = video;
  if (!w || !h) {
    return null;
  }
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  canvas.getContext('2d')?.drawImage(video, 0, 0, w, h);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.92));
}
