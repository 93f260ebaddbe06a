-- The triage queue as a small table of its own: one row per waiting demand, deleted when the demand leaves the
-- queue. In the million-row demands table every demand that left the queue left dead entries in the queue's
-- partial indexes until autovacuum got round to the whole table, and every take walked past them; this table
-- stays as small as the queue and is vacuumed as often as it churns.
CREATE TABLE triage_queue (
  demand_id bigint PRIMARY KEY REFERENCES demands (id),
  -- Its place: the opening moved earlier by one hour per point of triage score, and no later than two days before
  -- the deadline (see migration 0019).
  queue_key timestamptz NOT NULL,
  queued_at timestamptz NOT NULL DEFAULT now(),
  -- An agent's claim, lapsing at claimed_until so a closed console frees the item.
  claimed_by bigint REFERENCES staff_users (id),
  claimed_until timestamptz
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 500,
        autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 500);
CREATE INDEX triage_queue_order_idx ON triage_queue (queue_key, demand_id);
CREATE INDEX triage_queue_claimed_by_idx ON triage_queue (claimed_by) WHERE claimed_by IS NOT NULL;

INSERT INTO triage_queue (demand_id, queue_key, queued_at, claimed_by, claimed_until)
SELECT id, coalesce(queue_key, opened_at), queued_at, claimed_by, claimed_until FROM demands WHERE queued_at IS NOT NULL;

DROP INDEX demands_queue_idx;
DROP INDEX demands_claimed_by_idx;
ALTER TABLE demands DROP COLUMN queued_at, DROP COLUMN queue_key, DROP COLUMN claimed_by, DROP COLUMN claimed_until;
