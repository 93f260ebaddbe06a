-- Short job leases kept alive by a heartbeat (docs/decisions/0023-first-admin-and-job-leases.md). Each claim of an
-- outbox row takes a new lease id; the worker renews `locked_until` by that id while it still holds or runs the row,
-- and every later write names it, so renewing never changes who holds the row and a worker whose lease ran out
-- never overwrites the row's next holder.
ALTER TABLE outbox ADD COLUMN lease_id uuid; -- the running claim's id; a new one on every claim
