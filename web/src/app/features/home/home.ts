import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import { ApiService, describeError } from '../../core/api';
import { SessionMode, StartSessionResponse } from '../../core/models';
import { TokenStore, parsePastedLink } from '../../core/token-store';
import { CopyField } from '../../shared/copy-field';

/** Start a session, or resume one from its interviewer link. */
@Component({
  selector: 'app-home',
  imports: [CopyField],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './home.html',
  styleUrl: './home.css',
})
export class Home {
  private readonly api = inject(ApiService);
  private readonly tokens = inject(TokenStore);
  private readonly router = inject(Router);

  protected readonly name = signal('');
  /** interview (the candidate talks) or exam (any sustained speech is an event) */
  protected readonly mode = signal<SessionMode>('interview');
  protected readonly link = signal('');
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly session = signal<StartSessionResponse | null>(null);
  protected readonly resumed = signal(false);
  /** An optional reference photo of the candidate (an ID photo), sent once the session starts. */
  protected readonly reference = signal<File | null>(null);
  protected readonly referenceNote = signal<string | null>(null);

  protected setReference(event: Event): void {
    this.reference.set((event.target as HTMLInputElement).files?.[0] ?? null);
  }

  protected setName(event: Event): void {
    this.name.set((event.target as HTMLInputElement).value);
  }

  protected setLink(event: Event): void {
    this.link.set((event.target as HTMLInputElement).value);
  }

  protected async start(event: Event): Promise<void> {
    event.preventDefault();
    const name = this.name().trim();
    if (!name) {
      this.error.set('Enter the candidate’s name.');
      return;
    }
    await this.run(() => this.api.startSession(name, this.mode()), false);
    await this.attachReference();
  }

  private async attachReference(): Promise<void> {
    const s = this.session();
    const photo = this.reference();
    this.referenceNote.set(null);
    if (!s || !photo) {
      return;
    }
    try {
      const r = await this.api.identityPhoto(s.session_id, 'reference', photo, s.interviewer_token);
      this.referenceNote.set(
        r.accepted
          ? 'Reference photo kept: the live checks compare with it until the candidate enrols.'
          : `Reference photo not kept: ${r.message}`,
      );
    } catch (error) {
      this.referenceNote.set(`Reference photo not kept: ${describeError(error)}`);
    }
  }

  protected async resume(event: Event): Promise<void> {
    event.preventDefault();
    const parsed = parsePastedLink(this.link());
    if (!parsed || parsed.role !== 'interviewer') {
      this.error.set('Paste the interviewer link (it looks like …/i/<session>#token=…).');
      return;
    }
    await this.run(() => this.api.resumeSession(parsed.sessionId, parsed.token), true);
  }

  protected openInterviewerRoom(): void {
    const s = this.session();
    if (s) {
      void this.router.navigate(['/i', s.session_id]);
    }
  }

  private async run(call: () => Promise<StartSessionResponse>, resumed: boolean): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    try {
      const session = await call();
      this.tokens.set(session.session_id, 'interviewer', session.interviewer_token);
      this.session.set(session);
      this.resumed.set(resumed);
    } catch (error) {
      this.error.set(describeError(error));
    } finally {
      this.busy.set(false);
    }
  }
}
