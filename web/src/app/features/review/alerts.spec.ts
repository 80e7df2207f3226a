import { AlertState } from '../../core/models';
import { alertBad, alertChannel, alertStatus } from './alerts';

const alert = (over: Partial<AlertState>): AlertState => ({
  id: 1,
  event_id: 7,
  channel: 'operator',
  kind: 'event',
  status: 'sent',
  attempts: 1,
  created_at: '2026-01-01T10:00:00.000Z',
  sent_at: '2026-01-01T10:00:01.000Z',
  error: null,
  ...over,
});

describe('alert delivery in words', () => {
  it('names the channel, and a digest', () => {
    expect(alertChannel(alert({}))).toBe('Proctors');
    expect(alertChannel(alert({ channel: 'webhook', kind: 'digest' }))).toBe('Webhook (digest)');
  });

  it('tells sent, retrying and failed apart, with the reason', () => {
    expect(alertStatus(alert({}))).toBe('sent');
    expect(alertStatus(alert({ attempts: 3 }))).toBe('sent after 3 attempts');
    const retrying = alert({ status: 'pending', attempts: 2, error: 'HTTP 500' });
    expect(alertStatus(retrying)).toBe('retrying (2 attempts failed: HTTP 500)');
    expect(alertBad(retrying)).toBe(true);
    const failed = alert({ status: 'failed', attempts: 8, error: 'timed out' });
    expect(alertStatus(failed)).toBe('failed after 8 attempts: timed out');
    expect(alertBad(failed)).toBe(true);
    expect(alertBad(alert({ status: 'pending', attempts: 0 }))).toBe(false);
  });
});
