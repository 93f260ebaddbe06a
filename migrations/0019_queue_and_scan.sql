-- The triage queue in index order. A waiting demand's place is an instant, `queue_key`: its opening moved earlier
-- by one hour per point of triage score, and no later than two days before its deadline. Ordering by that instant
-- is ordering by "hours waiting + score" (what the queue promised), with deadlines pulling demands forward, and an
-- index can answer it: take-next reads the first unclaimed row instead of sorting the whole queue.
ALTER TABLE demands ADD COLUMN queue_key timestamptz;
DROP INDEX demands_triage_idx;
CREATE INDEX demands_queue_idx ON demands (queue_key, id) WHERE queued_at IS NOT NULL;
-- An agent's own claim, found without reading the queue.
CREATE INDEX demands_claimed_by_idx ON demands (claimed_by) WHERE queued_at IS NOT NULL;

-- Every alarm instant of a clock, computed once on the business calendar when the clock starts (and again when it
-- resumes or is extended), in the order of `fractions`. The scan is then plain SQL over the due rows.
ALTER TABLE deadlines ADD COLUMN fire_at timestamptz[] NOT NULL DEFAULT '{}';


-- Alarms are an append-only log of ids whose rows are never deleted (demands, work orders and departments are kept
-- for good, erasure included). Checking those keys on insert locked each referenced demand row (FOR KEY SHARE),
-- a page write per alarm: with 1,000 alarms in a tick it cost a second. The ids stay indexed for the joins.
ALTER TABLE alarms DROP CONSTRAINT alarms_demand_id_fkey, DROP CONSTRAINT alarms_department_id_fkey,
  DROP CONSTRAINT alarms_work_order_fk;

-- Clocks are always found by their demand (a handful each); one index fewer to keep up on every tick's update.
DROP INDEX deadlines_work_order_idx;
-- No query reads alarms by demand yet (the screens list them by department, newest first); the key compares
-- byte-wise, which is all a dedupe key needs and cheaper than the database's linguistic collation.
DROP INDEX alarms_demand_idx;
ALTER TABLE alarms ALTER COLUMN dedupe_key TYPE text COLLATE "C";
