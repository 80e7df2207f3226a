import { IdentityState, IdentityStatus } from '../../core/models';
import { fromState, fromStatus, identityBadge, spoofAdvice } from './identity-badge';

const status = (over: Partial<IdentityStatus> = {}): IdentityStatus => ({
  session_id: 's1',
  status: 'verified',
  score: 0.953,
  model: 'dlib',
  threshold: 0.92,
  against: 'enrolment',
  at: '2026-01-01T10:00:00.000Z',
  checks: 3,
  mismatches: 0,
  ...over,
});

describe('identityBadge', () => {
  it('shows a verified candidate with the last similarity', () => {
    expect(identityBadge(fromStatus(status()))).toEqual({
      label: 'Identity',
      text: 'verified (similarity 0.95 to the enrolment, needs 0.92)',
      tone: 'ok',
    });
  });

  it('warns on one failed check and alarms on a sustained mismatch', () => {
    expect(identityBadge(fromStatus(status({ status: 'uncertain', score: 0.8 }))).tone).toBe(
      'warn',
    );
    const bad = identityBadge(fromStatus(status({ status: 'unverified', score: 0.71 })));
    expect(bad.tone).toBe('bad');
    expect(bad.text).toContain('unverified');
  });

  it('reads the state the page loads, before any live check', () => {
    const state: IdentityState = {
      session_id: 's1',
      status: 'pending',
      threshold: 0.92,
      enrolment: null,
      reference: { taken_at: 'x', photo_url: '/p', spoof: {} },
      checks: [],
      mismatches: 0,
    };
    expect(identityBadge(fromState(state))).toEqual({
      label: 'Identity',
      text: 'not checked yet',
      tone: 'idle',
    });
    const checked = fromState({
      ...state,
      status: 'verified',
      checks: [{ at: 'x', against: 'reference', model: 'dlib', score: 0.94, same_person: true }],
    });
    expect(identityBadge(checked).text).toContain('to the reference photo');
    expect(identityBadge(null).text).toBe('unknown');
  });
});

describe('spoofAdvice', () => {
  it('words the photo-attack scores as advice, with a doubt when one is low', () => {
    expect(spoofAdvice(fromStatus(status()))).toBeNull();
    const fine = spoofAdvice(fromStatus(status({ spoof: { antispoof: 0.81, liveness: 0.99 } })));
    expect(fine).toContain('advice only');
    expect(fine).toContain('real face 0.81, liveness 0.99.');
    const low = spoofAdvice(fromStatus(status({ spoof: { antispoof: 0.2, liveness: 0.99 } })));
    expect(low).toContain('may be a printed photo or a screen');
  });
});
