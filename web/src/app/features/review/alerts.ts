import { AlertState } from '../../core/models';

const CHANNELS: Record<AlertState['channel'], string> = {
  operator: 'Proctors',
  session: "Session's own address",
  webhook: 'Webhook',
};

/** Where an alert went, in words. */
export function alertChannel(alert: AlertState): string {
  const where = CHANNELS[alert.channel] ?? alert.channel;
  return alert.kind === 'digest' ? `${where} (digest)` : where;
}

/** An alert's delivery state, in words: sent, retrying, failed and why. */
export function alertStatus(alert: AlertState): string {
  const tries = alert.attempts === 1 ? '1 attempt' : `${alert.attempts} attempts`;
  switch (alert.status) {
    case 'sent':
      return alert.attempts > 1 ? `sent after ${tries}` : 'sent';
    case 'pending':
      return alert.attempts > 0
        ? `retrying (${tries} failed: ${alert.error ?? 'no answer'})`
        : 'waiting';
    case 'sending':
      return 'sending';
    case 'failed':
      return `failed after ${tries}: ${alert.error ?? 'no answer'}`;
    case 'held':
      return 'held back by the rate limit, for a digest';
    case 'digested':
      return 'sent in a digest';
    case 'skipped':
      return `not sent: ${alert.error ?? 'no longer critical'}`;
    default:
      return alert.status;
  }
}

/** Whether the alert's state needs the reader's attention. */
export function alertBad(alert: AlertState): boolean {
  return alert.status === 'failed' || (alert.status === 'pending' && alert.attempts > 0);
}
