-- The call planner (issue 18): a try that finds every line of the city busy waits for one, and misses the call with
-- `lines_busy` when its window ends first. The planner reads a week's calls by their due time, and the worker counts
-- the tries under way on every claim.
ALTER TABLE auditor_calls DROP CONSTRAINT auditor_calls_last_outcome_check;
ALTER TABLE auditor_calls ADD CONSTRAINT auditor_calls_last_outcome_check
  CHECK (last_outcome IN ('no-answer', 'busy', 'failed', 'machine', 'hung-up', 'canceled', 'not_callable',
                          'invalid_number', 'no_input', 'lines_busy'));
CREATE INDEX auditor_calls_due_idx ON auditor_calls (due_at);
CREATE INDEX auditor_calls_live_idx ON auditor_calls (updated_at) WHERE state IN ('dialling', 'answered');
