-- Alarms: what must reach a person now. A deadline near or past, an escalation, an answer no channel could deliver.
-- Each alarm is raised once: `dedupe_key` names the occasion (e.g. "deadline:wo:42:0.8"), so two schedulers or two
-- workers that see the same occasion insert one row between them (INSERT … ON CONFLICT DO NOTHING).

CREATE TABLE alarms (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('deadline_near', 'deadline_breached', 'escalation', 'delivery_failed')),
  demand_id bigint REFERENCES demands (id),
  work_order_id bigint, -- the work order whose stage is late; its foreign key comes with the work orders table
  department_id bigint REFERENCES departments (id), -- whose focal point sees it
  -- Who must act: 0 the department's focal point, 1 the supervisors, 2 the managers.
  level integer NOT NULL DEFAULT 0 CHECK (level BETWEEN 0 AND 2),
  data jsonb NOT NULL DEFAULT '{}', -- the facts shown with the alarm: fraction elapsed, due instant, last error …
  dedupe_key text NOT NULL UNIQUE,
  raised_at timestamptz NOT NULL DEFAULT now(),
  acknowledged_at timestamptz,
  acknowledged_by bigint REFERENCES staff_users (id)
);
CREATE INDEX alarms_open_department_idx ON alarms (department_id, raised_at) WHERE acknowledged_at IS NULL;
CREATE INDEX alarms_demand_idx ON alarms (demand_id);
