-- The workflow: the triage queue, work orders to departments, deadline timers, alarm rules, followers of a
-- surviving demand, and satisfaction surveys. Statuses and their legal moves are in domain/status.ts.

-- Services that go straight to their department when the citizen chose them and the matrix names one; the others
-- wait in the triage queue for an agent.
ALTER TABLE services ADD COLUMN auto_dispatch boolean NOT NULL DEFAULT true;

-- A citizen the queue serves first (elderly, disabled, in a risk situation), as recorded by an agent.
ALTER TABLE citizens ADD COLUMN vulnerable boolean NOT NULL DEFAULT false;

ALTER TABLE demands
  -- The static part of the triage priority, computed by route-demand (service priority, vulnerable citizen,
  -- repeated demands at the same place); age and deadline left are added when the queue is read.
  ADD COLUMN triage_score integer NOT NULL DEFAULT 0,
  -- An agent's claim on a demand in the queue; it lapses at claimed_until so a closed console frees the item.
  ADD COLUMN claimed_by bigint REFERENCES staff_users (id),
  -- In the triage queue since (routing left it for an agent, or it came back returned or reopened).
  ADD COLUMN queued_at timestamptz,
  ADD COLUMN claimed_until timestamptz,
  ADD COLUMN merged_into_id bigint REFERENCES demands (id), -- the surviving demand of a duplicate
  ADD COLUMN answered_at timestamptz, -- the department's answer was filed
  ADD COLUMN paused_at timestamptz, -- the clock is stopped: a complement was asked of the citizen
  ADD COLUMN extended_at timestamptz, -- the ombudsman legal deadline was extended (once, with a reason)
  ADD COLUMN reopen_count integer NOT NULL DEFAULT 0;

-- The queue: demands waiting for an agent, most urgent first. Small (the waiting ones), so a partial index.
CREATE INDEX demands_triage_idx ON demands (queued_at) WHERE queued_at IS NOT NULL;
CREATE INDEX demands_merged_into_idx ON demands (merged_into_id) WHERE merged_into_id IS NOT NULL;

-- Citizens who asked the same thing in a demand merged into this one: they hear what the survivor's citizen hears.
CREATE TABLE demand_followers (
  demand_id bigint NOT NULL REFERENCES demands (id),
  citizen_id bigint NOT NULL REFERENCES citizens (id),
  from_demand_id bigint NOT NULL REFERENCES demands (id), -- the merged duplicate they came from
  channel text NOT NULL, -- the channel of their own demand, where they are told
  PRIMARY KEY (demand_id, citizen_id)
);

-- A work order: what one department must do for one demand. A demand has at most one open order at a time;
-- returned and rerouted orders stay as history.
CREATE TABLE work_orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  demand_id bigint NOT NULL REFERENCES demands (id),
  department_id bigint NOT NULL REFERENCES departments (id),
  team_id bigint REFERENCES teams (id),
  state text NOT NULL DEFAULT 'dispatched' CHECK (state IN ('dispatched', 'accepted', 'in_progress',
    'waiting_citizen', 'answered', 'returned', 'rerouted', 'cancelled')),
  dispatched_at timestamptz NOT NULL DEFAULT now(),
  accepted_at timestamptz,
  finished_at timestamptz, -- answered, returned, rerouted or cancelled
  due_at timestamptz, -- the order's own deadline (execution stage)
  reason text, -- why it was returned, rerouted or cancelled
  -- The counter-report (retorno do órgão): the public answer to the citizen and what stays internal.
  answer text,
  internal_note text,
  complement_question text, -- what the department asked the citizen
  rerouted_to_id bigint REFERENCES work_orders (id),
  created_by_kind text NOT NULL DEFAULT 'system' CHECK (created_by_kind IN ('system', 'staff')),
  created_by bigint REFERENCES staff_users (id)
);
CREATE UNIQUE INDEX work_orders_open_idx ON work_orders (demand_id)
  WHERE state IN ('dispatched', 'accepted', 'in_progress', 'waiting_citizen');
CREATE INDEX work_orders_department_idx ON work_orders (department_id, state, dispatched_at);

ALTER TABLE alarms ADD CONSTRAINT alarms_work_order_fk FOREIGN KEY (work_order_id) REFERENCES work_orders (id);

-- Evidence of a counter-report (photos of the work done) are attachments of the demand, tied to the order.
ALTER TABLE attachments ADD COLUMN work_order_id bigint REFERENCES work_orders (id);

-- Answer templates per service (or for every service when service_id is null) that help a department write.
CREATE TABLE answer_templates (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service_id bigint REFERENCES services (id),
  department_id bigint REFERENCES departments (id),
  title text NOT NULL,
  body text NOT NULL, -- may hold {placeholders} the department fills in
  locale text NOT NULL DEFAULT 'pt-BR' CHECK (locale IN ('pt-BR', 'en', 'es')),
  active boolean NOT NULL DEFAULT true
);
CREATE INDEX answer_templates_service_idx ON answer_templates (service_id);

-- Deadline timers. One row per clock: the demand's overall deadline, a work order's acceptance and execution
-- stages, the citizen's time to send a complement. The scheduler reads only rows whose next alarm instant is
-- due (partial index on next_fire_at), so a tick costs what is due, not what is open.
CREATE TABLE deadlines (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  demand_id bigint NOT NULL REFERENCES demands (id),
  work_order_id bigint REFERENCES work_orders (id),
  stage text NOT NULL CHECK (stage IN ('demand', 'acceptance', 'execution', 'complement')),
  unit text NOT NULL CHECK (unit IN ('business_days', 'business_hours', 'calendar_days')),
  amount integer NOT NULL CHECK (amount > 0),
  department_id bigint REFERENCES departments (id), -- whose focal point is alarmed
  started_at timestamptz NOT NULL,
  due_at timestamptz NOT NULL,
  state text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'paused', 'met', 'cancelled')),
  paused_at timestamptz,
  -- The alarm fractions of the clock (0.5, 0.8, 1, 1.5 …) and the index of the next one to fire.
  fractions numeric[] NOT NULL,
  next_index integer NOT NULL DEFAULT 0,
  next_fire_at timestamptz, -- null when every fraction has fired or the clock is not running
  breached_at timestamptz,
  stopped_at timestamptz,
  extended boolean NOT NULL DEFAULT false -- the ombudsman legal deadline's one extension was used
);
CREATE INDEX deadlines_due_idx ON deadlines (next_fire_at) WHERE state = 'running' AND next_fire_at IS NOT NULL;
CREATE INDEX deadlines_demand_idx ON deadlines (demand_id);
CREATE INDEX deadlines_work_order_idx ON deadlines (work_order_id);

-- Alarm rules: at which fraction of a stage's clock which alarm goes to whom. A rule for a department or stage
-- overrides the general rules of the same fraction; the general rules are the default for everyone.
CREATE TABLE alarm_rules (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stage text CHECK (stage IN ('demand', 'acceptance', 'execution', 'complement')), -- null: every stage
  department_id bigint REFERENCES departments (id), -- null: every department
  fraction numeric NOT NULL CHECK (fraction > 0 AND fraction <= 10),
  kind text NOT NULL CHECK (kind IN ('deadline_near', 'deadline_breached', 'escalation')),
  level integer NOT NULL CHECK (level BETWEEN 0 AND 2), -- 0 focal point, 1 supervisors, 2 managers
  active boolean NOT NULL DEFAULT true,
  UNIQUE NULLS NOT DISTINCT (stage, department_id, fraction, level)
);
INSERT INTO alarm_rules (stage, department_id, fraction, kind, level) VALUES
  (NULL, NULL, 0.5, 'deadline_near', 0),
  (NULL, NULL, 0.8, 'deadline_near', 0),
  (NULL, NULL, 1.0, 'deadline_breached', 0),
  (NULL, NULL, 1.0, 'escalation', 1),
  (NULL, NULL, 1.5, 'escalation', 2);

-- Satisfaction: after closure the citizen rates the answer. One survey per closure (a reopened and closed again
-- demand is asked again); stored with the department and channel for the indicators.
CREATE TABLE satisfaction_surveys (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  demand_id bigint NOT NULL REFERENCES demands (id),
  round integer NOT NULL, -- demands.reopen_count at closure
  citizen_id bigint REFERENCES citizens (id),
  department_id bigint REFERENCES departments (id),
  channel text NOT NULL,
  asked_at timestamptz NOT NULL DEFAULT now(),
  reminded_at timestamptz,
  answered_at timestamptz,
  rating integer CHECK (rating BETWEEN 1 AND 5),
  solved boolean,
  comment text,
  UNIQUE (demand_id, round)
);
CREATE INDEX satisfaction_unanswered_idx ON satisfaction_surveys (asked_at)
  WHERE answered_at IS NULL AND reminded_at IS NULL;
CREATE INDEX satisfaction_department_idx ON satisfaction_surveys (department_id, answered_at);
