-- The call planner (issue 18): a try that finds every line of the city busy waits for one, and misses the call with
-- `lines_busy` when its window ends first. The planner reads a week's calls by their due time, and the worker counts
-- the tries under way on every claim. The planner's calls are the queue themselves: `queued_at` is set when the
-- dispatcher (or a staff member's plan, or a retry) queues the call's try; the dispatcher takes the planned calls due
-- within the minute that have none.
ALTER TABLE auditor_calls DROP CONSTRAINT auditor_calls_last_outcome_check;
ALTER TABLE auditor_calls ADD CONSTRAINT auditor_calls_last_outcome_check
  CHECK (last_outcome IN ('no-answer', 'busy', 'failed', 'machine', 'hung-up', 'canceled', 'not_callable',
                          'invalid_number', 'no_input', 'lines_busy'));
CREATE INDEX auditor_calls_due_idx ON auditor_calls (due_at);
CREATE INDEX auditor_calls_live_idx ON auditor_calls (updated_at) WHERE state IN ('dialling', 'answered');
ALTER TABLE auditor_calls ADD COLUMN queued_at timestamptz;
UPDATE auditor_calls SET queued_at = created_at;
CREATE INDEX auditor_calls_unqueued_idx ON auditor_calls (due_at) WHERE state = 'planned' AND queued_at IS NULL;
