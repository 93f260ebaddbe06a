-- The request that caused each timeline event, carried into the webhooks fanned out from it (X-Request-Id), so a
-- receiver's logs and ours meet on the request that changed the demand. Like outbox.request_id (migration 0043), the
-- column takes its value from the transaction-local setting the transaction helper sets inside a request, so no
-- statement that writes an event names it. NULL for events written outside a request (scheduler, worker, imports).
ALTER TABLE demand_events ADD COLUMN request_id text DEFAULT nullif(current_setting('responsiva.request_id', true), '');

-- The request that caused a delivery's event, copied by the fan-out: its outbox rows run under it (the runner's
-- request id, sent as X-Request-Id) and the delivery log shows it after those rows are purged.
ALTER TABLE webhook_deliveries ADD COLUMN request_id text;
