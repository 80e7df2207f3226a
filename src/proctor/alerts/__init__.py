"""Real-time alerts for critical events: an outbox written with each event, sent by a worker."""
