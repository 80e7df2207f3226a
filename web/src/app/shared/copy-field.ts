import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  input,
  signal,
  viewChild,
} from '@angular/core';

/** A read-only link with a copy button; tells the result in a live region. */
@Component({
  selector: 'app-copy-field',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="field">
      <label [for]="fieldId()">{{ label() }}</label>
      <div class="copy-row">
        <input
          #box
          type="text"
          readonly
          [id]="fieldId()"
          [value]="value()"
          (focus)="box.select()"
        />
        <button
          type="button"
          class="btn secondary"
          (click)="copy()"
          [attr.aria-describedby]="fieldId() + '-status'"
        >
          Copy
        </button>
      </div>
      <span class="copy-status muted" [id]="fieldId() + '-status'" aria-live="polite">{{
        status()
      }}</span>
    </div>
  `,
  styles: `
    .copy-row {
      display: flex;
      gap: 0.5rem;
    }
    .copy-row input {
      flex: 1;
      min-width: 0;
      font-family: ui-monospace, 'DejaVu Sans Mono', monospace;
      font-size: 0.85rem;
    }
    .copy-status {
      min-height: 1.2em;
      font-size: 0.85rem;
    }
  `,
})
export class CopyField {
  readonly label = input.required<string>();
  readonly value = input.required<string>();
  readonly fieldId = input.required<string>();
  protected readonly status = signal('');
  private readonly box = viewChild.required<ElementRef<HTMLInputElement>>('box');

  protected async copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.value());
      this.status.set('Copied to the clipboard.');
    } catch {
      // Clipboard API unavailable (plain http on a LAN address): select it for Ctrl+C instead.
      const el = this.box().nativeElement;
      el.focus();
      el.select();
      this.status.set('Selected: press Ctrl+C (or Cmd+C) to copy.');
    }
  }
}
