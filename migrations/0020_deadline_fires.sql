-- A clock's pending alarm instants as rows of a narrow table, one per fraction not yet fired. The scan deletes
-- the rows whose instant has come (a delete writes no index entry) instead of updating the clock's row (whose
-- indexed next instant gave every index of the deadlines table a new entry per fire): the per-fire cost of a tick
-- is a delete and an alarm. Pausing deletes a clock's rows; resuming and extending write them again.
CREATE TABLE deadline_fires (
  deadline_id bigint NOT NULL, -- the clock (clocks are never deleted)
  position integer NOT NULL, -- index of the fraction in deadlines.fractions, from 0
  fire_at timestamptz NOT NULL,
  PRIMARY KEY (deadline_id, position)
);
CREATE INDEX deadline_fires_due_idx ON deadline_fires (fire_at);

INSERT INTO deadline_fires (deadline_id, position, fire_at)
SELECT d.id, u.ord::int - 1, u.at
  FROM deadlines d, unnest(d.fire_at) WITH ORDINALITY AS u(at, ord)
 WHERE d.state = 'running' AND u.ord::int - 1 >= d.next_index;

DROP INDEX deadlines_due_idx;
ALTER TABLE deadlines DROP COLUMN next_fire_at;
-- next_index now says where the pending instants began when the clock was last paused or extended; the pending
-- instants themselves are the clock's rows in deadline_fires.
