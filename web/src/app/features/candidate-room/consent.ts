import { ChangeDetectionStrategy, Component, input, output, signal } from '@angular/core';

/** What is recorded and analyzed, and for how long it is kept; continuing needs an explicit yes. */
@Component({
  selector: 'app-consent',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="panel stack consent" aria-labelledby="consent-title">
      <h2 id="consent-title">Before you start</h2>
      <p>This interview is proctored. While the session runs:</p>
      <ul>
        <li>
          Your <strong>camera and microphone</strong> are streamed live to the interviewer and
          <strong>recorded</strong>; the recording is uploaded to the interview’s server.
        </li>
        <li>
          About once every {{ seconds() }} the server <strong>analyzes a still picture</strong> from
          your camera: whether a face is visible, more than one person is present, you look away, or
          a phone, book, laptop or second screen is in view.
        </li>
        <li>
          <strong>Identity is checked</strong>: before the session you take a photo of your face
          (the interviewer may also add a photo of your ID). About every
          {{ identitySeconds() }} seconds the server compares your face on camera with it, and tells
          the interviewer when it seems to be someone else. Only the photo and a numeric description
          of your face are kept, on the server, and deleted with the session.
        </li>
        <li>
          Your <strong>microphone is analyzed</strong> on the server as you speak: in an exam,
          talking is flagged; in an interview, a voice that is not yours (learned from your first
          seconds of speaking). Of this analysis only a short clip of each flagged moment (at most
          10 seconds) is kept, with the events.
        </li>
        <li>
          Your browser reports when you <strong>leave this page</strong> (another tab or window),
          <strong>leave fullscreen</strong>, or <strong>copy or paste</strong>.
        </li>
        <li>
          The interviewer sees these events live, can chat with you and can take a still picture.
        </li>
      </ul>
      <p>
        The recording, pictures and events are kept for <strong>{{ retentionDays() }} days</strong>,
        then deleted.
      </p>
      <div class="row">
        <input id="consent-box" type="checkbox" [checked]="agreed()" (change)="toggle($event)" />
        <label for="consent-box">I understand and agree to be recorded and analyzed.</label>
      </div>
      <button type="button" class="btn" [disabled]="!agreed()" (click)="accept.emit()">
        Continue
      </button>
    </section>
  `,
  styles: `
    .consent ul {
      padding-left: 1.25rem;
      margin: 0;
    }
    .consent li {
      margin-bottom: 0.4rem;
    }
    input[type='checkbox'] {
      width: 1.25rem;
      height: 1.25rem;
    }
  `,
})
export class Consent {
  readonly retentionDays = input.required<number>();
  readonly intervalMs = input.required<number>();
  /** How often the live face is compared with the enrolment photo (server setting). */
  readonly identitySeconds = input(10);
  readonly accept = output<void>();
  protected readonly agreed = signal(false);

  protected seconds(): string {
    const s = Math.round(this.intervalMs() / 100) / 10;
    return s === 1 ? 'second' : `${s} seconds`;
  }

  protected toggle(event: Event): void {
    this.agreed.set((event.target as HTMLInputElement).checked);
  }
}
