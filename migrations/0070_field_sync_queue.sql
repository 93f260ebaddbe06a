-- Issue 17: the tablets' day-end surge. A sync batch that arrives while the app process already stores as many as
-- it takes at once is kept as sent (acknowledged with 202) and stored by a worker soon after; the tablet reads its
-- reply at GET /api/v1/field/sync/:batchId. A batch is `queued` (its body kept) until it is `done` (its reply kept,
-- its body dropped). Rows from before are done.
ALTER TABLE field_syncs
  ADD COLUMN state text NOT NULL DEFAULT 'done' CHECK (state IN ('queued', 'done')),
  ADD COLUMN batch jsonb,
  ADD COLUMN done_at timestamptz;

ALTER TABLE field_syncs
  ADD CONSTRAINT field_syncs_queued_has_batch CHECK (state = 'done' OR batch IS NOT NULL);
