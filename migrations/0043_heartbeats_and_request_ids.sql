-- Observation (docs/decisions/0033-observability.md): which worker and scheduler processes are alive, and the request
-- id that queued each job.

-- One row per running worker or scheduler process, beaten every few seconds; /health/ready finds a role alive when
-- one of its rows beat recently. A process deletes its own row when it stops; a killed one's row simply ages.
CREATE TABLE process_heartbeats (
  process_id text PRIMARY KEY, -- random per process start: host, pid and a few random characters
  role text NOT NULL CHECK (role IN ('web', 'worker', 'scheduler')),
  host text NOT NULL,
  pid integer NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  beat_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX process_heartbeats_role_idx ON process_heartbeats (role, beat_at);

-- The request that queued the job: the transaction helper sets responsiva.request_id (transaction-local) when it runs
-- inside a request, so every outbox row written by a request carries its id with no change where jobs are queued.
-- NULL for periodic jobs and work queued outside a request.
ALTER TABLE outbox ADD COLUMN request_id text DEFAULT nullif(current_setting('responsiva.request_id', true), '');

-- Deliveries per channel and outcome are counted by /metrics over a recent window: read on this index, not a scan.
CREATE INDEX message_attempts_finished_idx ON message_attempts (finished_at) WHERE finished_at IS NOT NULL;
