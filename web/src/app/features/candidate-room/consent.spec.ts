import { TestBed } from '@angular/core/testing';
import { Consent } from './consent';

describe('Consent', () => {
  it('states the retention and continues only after an explicit yes', async () => {
    const fixture = TestBed.createComponent(Consent);
    fixture.componentRef.setInput('retentionDays', 14);
    fixture.componentRef.setInput('intervalMs', 1000);
    const accepted = vi.fn();
    fixture.componentInstance.accept.subscribe(accepted);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;

    expect(el.textContent).toContain('14 days');
    expect(el.textContent).toContain('once every second');
    expect(el.textContent).toContain('microphone is analyzed');
    expect(el.textContent).toContain('Identity is checked');
    expect(el.textContent).toContain('every 10 seconds');
    const button = el.querySelector('button') as HTMLButtonElement;
    expect(button.disabled).toBe(true);

    const box = el.querySelector('input[type=checkbox]') as HTMLInputElement;
    expect(el.querySelector(`label[for="${box.id}"]`)).not.toBeNull();
    box.click();
    await fixture.whenStable();
    expect(button.disabled).toBe(false);
    button.click();
    expect(accepted).toHaveBeenCalledTimes(1);
  });
});
