import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { TokenStore } from '../../core/token-store';
import { Home } from './home';

const RESPONSE = {
  session_id: 's1',
  name: 'Ada',
  interviewer_token: 'itok',
  candidate_token: 'ctok',
  interviewer_url: 'http://h/i/s1#token=itok',
  candidate_url: 'http://h/c/s1#token=ctok',
};

describe('Home', () => {
  beforeEach(() => {
    sessionStorage.clear();
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
  });

  async function render() {
    const fixture = TestBed.createComponent(Home);
    await fixture.whenStable();
    return {
      fixture,
      el: fixture.nativeElement as HTMLElement,
      http: TestBed.inject(HttpTestingController),
    };
  }

  function type(el: HTMLElement, selector: string, value: string): void {
    const input = el.querySelector(selector) as HTMLInputElement;
    input.value = value;
    input.dispatchEvent(new Event('input'));
  }

  it('sends the reference photo chosen in the form once the session starts', async () => {
    const { fixture, el, http } = await render();
    type(el, '#candidate-name', 'Ada');
    const photo = new File(['jpeg'], 'id.jpg', { type: 'image/jpeg' });
    const input = el.querySelector('#reference-photo') as HTMLInputElement;
    Object.defineProperty(input, 'files', { value: [photo] });
    input.dispatchEvent(new Event('change'));
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    http.expectOne('/start-session').flush(RESPONSE);
    await fixture.whenStable();
    const req = http.expectOne('/sessions/s1/reference');
    expect(req.request.headers.get('Authorization')).toBe('Bearer itok');
    expect(req.request.body).toBe(photo);
    req.flush({ accepted: false, problem: 'no_face', message: 'No face was found.' });
    await new Promise((r) => setTimeout(r, 0)); // the answer's promise settles
    await fixture.whenStable();
    expect(el.querySelector('[role=status]')?.textContent).toContain(
      'Reference photo not kept: No face was found.',
    );
  });

  it('starts a session and shows both links with copy buttons', async () => {
    const { fixture, el, http } = await render();
    type(el, '#candidate-name', '  Ada  ');
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    const req = http.expectOne('/start-session');
    expect(req.request.body).toEqual({ name: 'Ada', settings: { mode: 'interview' } });
    req.flush(RESPONSE);
    await fixture.whenStable();

    expect((el.querySelector('#candidate-link') as HTMLInputElement).value).toBe(
      RESPONSE.candidate_url,
    );
    expect((el.querySelector('#interviewer-link') as HTMLInputElement).value).toBe(
      RESPONSE.interviewer_url,
    );
    expect(
      [...el.querySelectorAll('button')].filter((b) => b.textContent?.trim() === 'Copy'),
    ).toHaveLength(2);
    expect(TestBed.inject(TokenStore).get('s1', 'interviewer')).toBe('itok');
  });

  it('starts an exam when the interviewer picks it', async () => {
    const { el, http } = await render();
    type(el, '#candidate-name', 'Ada');
    const exam = el.querySelector('input[name=mode][value=exam]') as HTMLInputElement;
    exam.checked = true;
    exam.dispatchEvent(new Event('change'));
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    const req = http.expectOne('/start-session');
    expect(req.request.body).toEqual({ name: 'Ada', settings: { mode: 'exam' } });
    req.flush(RESPONSE);
  });

  it('asks for a name instead of calling the server with none', async () => {
    const { fixture, el, http } = await render();
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    http.expectNone('/start-session');
    expect(el.querySelector('[role=alert]')?.textContent).toContain('name');
  });

  it('resumes from a pasted interviewer link, and refuses a candidate link', async () => {
    const { fixture, el, http } = await render();
    const resumeForm = el.querySelectorAll('form')[1] as HTMLFormElement;
    type(el, '#resume-link', 'http://h/c/s1#token=ctok');
    resumeForm.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    http.expectNone('/start-session');
    expect(el.querySelector('[role=alert]')?.textContent).toContain('interviewer link');

    type(el, '#resume-link', 'http://h/i/s1#token=itok');
    resumeForm.dispatchEvent(new Event('submit'));
    const req = http.expectOne('/start-session');
    expect(req.request.body).toEqual({ session_id: 's1' });
    expect(req.request.headers.get('Authorization')).toBe('Bearer itok');
    req.flush({ ...RESPONSE, candidate_token: 'new' });
    await fixture.whenStable();
    expect(el.textContent).toContain('the old one no longer works');
  });

  it('shows a server error in words', async () => {
    const { fixture, el, http } = await render();
    type(el, '#candidate-name', 'Ada');
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    http
      .expectOne('/start-session')
      .flush({ detail: 'name: too long' }, { status: 422, statusText: 'Unprocessable' });
    await fixture.whenStable();
    expect(el.querySelector('[role=alert]')?.textContent).toContain('name: too long');
  });
});
