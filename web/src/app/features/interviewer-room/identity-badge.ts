import { IdentityState, IdentityStatus, IdentityStatusName } from '../../core/models';
import { BadgeTone } from '../../shared/status-badge';

/** What the interviewer's identity badge shows: the status and the last similarity. */
export interface IdentityView {
  status: IdentityStatusName;
  score: number | null;
  threshold: number;
  against: 'enrolment' | 'reference' | null;
  /** Presentation-attack scores of that photo (1 = real / live), when measured. */
  spoof: Record<string, number>;
}

const TEXT: Record<IdentityStatusName, string> = {
  not_enrolled: 'no photo yet',
  pending: 'not checked yet',
  verified: 'verified',
  uncertain: 'checking',
  unverified: 'unverified: another person?',
};

const TONE: Record<IdentityStatusName, BadgeTone> = {
  not_enrolled: 'idle',
  pending: 'idle',
  verified: 'ok',
  uncertain: 'warn',
  unverified: 'bad',
};

/** The view from a live `identity` message. */
export function fromStatus(s: IdentityStatus): IdentityView {
  return {
    status: s.status,
    score: s.score,
    threshold: s.threshold,
    against: s.against,
    spoof: s.spoof ?? {},
  };
}

/** The view from GET /sessions/{id}/identity (the last check's score, if any). */
export function fromState(s: IdentityState): IdentityView {
  const last = s.checks.at(-1);
  return {
    status: s.status,
    score: last?.score ?? null,
    threshold: s.threshold,
    against: last?.against ?? (s.enrolment ? 'enrolment' : s.reference ? 'reference' : null),
    spoof: s.enrolment?.spoof ?? {},
  };
}

export function identityBadge(view: IdentityView | null): {
  label: string;
  text: string;
  tone: BadgeTone;
} {
  if (!view) {
    return { label: 'Identity', text: 'unknown', tone: 'idle' };
  }
  let text = TEXT[view.status];
  if (view.score !== null) {
    const photo = view.against === 'reference' ? 'reference photo' : 'enrolment';
    text += ` (similarity ${view.score.toFixed(2)} to the ${photo}, needs ${view.threshold.toFixed(2)})`;
  }
  return { label: 'Identity', text, tone: TONE[view.status] };
}

/**
 * The photo-attack models' view of the enrolment photo, worded as advice: they are not reliable
 * enough to decide anything (docs/EVALUATION.md, "Spoofing"), so they never block a candidate.
 */
export function spoofAdvice(view: IdentityView | null): string | null {
  const real = view?.spoof['antispoof'];
  const live = view?.spoof['liveness'];
  if (real === undefined && live === undefined) {
    return null;
  }
  const parts = [
    real === undefined ? null : `real face ${real.toFixed(2)}`,
    live === undefined ? null : `liveness ${live.toFixed(2)}`,
  ].filter((p) => p !== null);
  const doubt = (real ?? 1) < 0.5 || (live ?? 1) < 0.5;
  return (
    `Photo-attack check of the enrolment photo (advice only, often wrong): ${parts.join(', ')}` +
    (doubt ? '. It may be a printed photo or a screen: compare the video yourself.' : '.')
  );
}
