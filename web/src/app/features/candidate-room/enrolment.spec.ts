import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { IdentityPhotoResult } from '../../core/models';
import { Enrolment, GIVE_UP_AFTER, boxStyle } from './enrolment';

const verdict = (over: Partial<IdentityPhotoResult> = {}): IdentityPhotoResult => ({
  accepted: true,
  problem: null,
  message: 'Thank you: your photo is taken.',
  faces: 1,
  box: [160, 120, 480, 360],
  width: 640,
  height: 480,
  ...over,
});

describe('boxStyle', () => {
  it('places the face box as percentages of the photo', () => {
    expect(boxStyle(verdict())).toEqual({ left: '25%', top: '25%', width: '50%', height: '50%' });
    expect(boxStyle(verdict({ box: null }))).toBeNull();
  });
});

describe('Enrolment', () => {
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpTestingController);
    Object.assign(URL, { createObjectURL: vi.fn(() => 'blob:photo'), revokeObjectURL: vi.fn() });
  });

  async function setup() {
    const fixture = TestBed.createComponent(Enrolment);
    fixture.componentRef.setInput('sessionId', 's1');
    fixture.componentRef.setInput('token', 'ctok');
    fixture.componentRef.setInput('stream', null);
    const done = vi.fn();
    fixture.componentInstance.done.subscribe(done);
    await fixture.whenStable();
    return { fixture, done, el: fixture.nativeElement as HTMLElement };
  }

  async function answer(fixture: { whenStable(): Promise<unknown> }, body: object, status = 200) {
    const req = http.expectOne('/sessions/s1/enrolment');
    expect(req.request.method).toBe('POST');
    expect(req.request.headers.get('Authorization')).toBe('Bearer ctok');
    expect(req.request.headers.get('Content-Type')).toBe('image/jpeg');
    req.flush(body, { status, statusText: status === 200 ? 'OK' : 'Error' });
    await fixture.whenStable();
  }

  it('shows why a photo was refused, then continues after a usable one', async () => {
    const { fixture, done, el } = await setup();
    expect(el.querySelector('button')?.textContent).toContain('Take my photo');

    const photo = new Blob(['jpeg'], { type: 'image/jpeg' });
    const first = fixture.componentInstance.submit(photo);
    const tooDark = 'The picture is too dark. Turn on a light or face a window.';
    await answer(fixture, verdict({ accepted: false, problem: 'too_dark', message: tooDark }));
    await first;
    await fixture.whenStable();
    expect(el.querySelector('[role=alert]')?.textContent).toContain(tooDark);
    expect(el.querySelector('.face-box.bad')).not.toBeNull();
    (el.querySelector('button') as HTMLButtonElement).click(); // Try again
    await fixture.whenStable();
    expect(el.querySelector('button')?.textContent).toContain('Take my photo');

    const second = fixture.componentInstance.submit(photo);
    await answer(fixture, verdict());
    await second;
    await fixture.whenStable();
    expect(el.querySelector('[role=status]')?.textContent).toContain('your photo is taken');
    const box = el.querySelector('.face-box') as HTMLElement;
    expect(box.classList.contains('bad')).toBe(false);
    expect(box.style.left).toBe('25%');
    const next = [...el.querySelectorAll('button')].find((b) =>
      b.textContent?.includes('Continue to the session'),
    );
    next?.click();
    expect(done).toHaveBeenCalledTimes(1);
    http.verify();
  });

  it('offers to go on without a photo after three refusals', async () => {
    const { fixture, done, el } = await setup();
    const refused = verdict({ accepted: false, problem: 'no_face', message: 'No face was found.' });
    for (let i = 0; i < GIVE_UP_AFTER; i++) {
      const without = [...el.querySelectorAll('button')].find((b) =>
        b.textContent?.includes('without a photo'),
      );
      expect(without).toBeUndefined();
      const sent = fixture.componentInstance.submit(new Blob(['jpeg'], { type: 'image/jpeg' }));
      await answer(fixture, refused);
      await sent;
      await fixture.whenStable();
    }
    const without = [...el.querySelectorAll('button')].find((b) =>
      b.textContent?.includes('Continue without a photo'),
    );
    without?.click();
    expect(done).toHaveBeenCalledTimes(1);
  });

  it('lets the candidate go on when the server cannot check faces', async () => {
    const { fixture, done, el } = await setup();
    const sent = fixture.componentInstance.submit(new Blob(['jpeg'], { type: 'image/jpeg' }));
    await answer(fixture, { detail: 'identity photos need the analysis workers' }, 503);
    await sent;
    await fixture.whenStable();
    expect(el.textContent).toContain('cannot be checked right now');
    (el.querySelector('button') as HTMLButtonElement).click();
    expect(done).toHaveBeenCalledTimes(1);
  });
});
