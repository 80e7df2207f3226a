import { TestBed } from '@angular/core/testing';
import { TokenStore, parsePastedLink, parseRoomLink } from './token-store';

describe('room links', () => {
  it('reads the session, role and token of each room path', () => {
    expect(parseRoomLink('/c/abc123', '#token=t-1')).toEqual({
      sessionId: 'abc123',
      role: 'candidate',
      token: 't-1',
    });
    expect(parseRoomLink('/i/abc123', '#token=t-2')).toEqual({
      sessionId: 'abc123',
      role: 'interviewer',
      token: 't-2',
    });
    expect(parseRoomLink('/review/abc123', '#token=t-3')?.role).toBe('interviewer');
  });

  it('refuses links without a token or with another path', () => {
    expect(parseRoomLink('/c/abc123', '')).toBeNull();
    expect(parseRoomLink('/x/abc123', '#token=t')).toBeNull();
    expect(parseRoomLink('/c/abc/extra', '#token=t')).toBeNull();
  });

  it('parses pasted absolute links and trims spaces', () => {
    const link = parsePastedLink('  http://host:8000/i/s-1#token=AbC_d-9  ');
    expect(link).toEqual({ sessionId: 's-1', role: 'interviewer', token: 'AbC_d-9' });
    expect(parsePastedLink('not a link')).toBeNull();
  });
});

describe('TokenStore', () => {
  beforeEach(() => sessionStorage.clear());

  it('moves the token out of the address bar into the store', () => {
    const store = TestBed.inject(TokenStore);
    const location = { pathname: '/c/s-9', search: '?x=1', hash: '#token=secret' } as Location;
    const replaceState = vi.fn();
    const history = { state: null, replaceState } as unknown as History;

    store.captureFromLocation(location, history);

    expect(replaceState).toHaveBeenCalledWith(null, '', '/c/s-9?x=1');
    expect(store.get('s-9', 'candidate')).toBe('secret');
    expect(store.get('s-9', 'interviewer')).toBeNull();
  });

  it('leaves the address alone when there is no token', () => {
    const store = TestBed.inject(TokenStore);
    const replaceState = vi.fn();
    store.captureFromLocation(
      { pathname: '/', search: '', hash: '' } as Location,
      { replaceState } as unknown as History,
    );
    expect(replaceState).not.toHaveBeenCalled();
  });

  it('keeps tokens across a reload of the tab (sessionStorage)', () => {
    TestBed.inject(TokenStore).set('s-1', 'interviewer', 'tok');
    const fresh = new TokenStore();
    expect(fresh.get('s-1', 'interviewer')).toBe('tok');
  });
});
