import { IdentityState, IdentityStatus, IdentityStatusName } from '../../core/models';
import { BadgeTone } from '../../shared/status-badge';

/** What the interviewer's identity badge shows: the status and the last similarity. */
export interface IdentityView {
  status: IdentityStatusName;
  score: number | null;
  threshold: number;
  against: 'enrolment' | 'reference' | null;
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
  return { status: s.status, score: s.score, threshold: s.threshold, against: s.against };
}

/** The view from GET /sessions/{id}/identity (the last check's score, if any). */
export function fromState(s: IdentityState): IdentityView {
  const last = s.checks.at(-1);
  return {
    status: s.status,
    score: last?.score ?? null,
    threshold: s.threshold,
    against: last?.against ?? (s.enrolment ? 'enrolment' : s.reference ? 'reference' : null),
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
