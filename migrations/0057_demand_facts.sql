-- Issue 15: indicators. One row per demand holding what every indicator reads, so that the command centre, the
-- public portal, the API and the monthly report count from the same facts (server/indicators/, docs/indicators.md).
-- Kept by the `refresh-indicator-facts` job, which follows the timeline with a durable cursor (like the webhooks'
-- fan-out) and recomputes the facts of each demand an event touched; business-time durations are computed there on
-- the city's calendar (domain/business-time.ts), which SQL cannot do.
CREATE TABLE demand_facts (
  demand_id bigint PRIMARY KEY REFERENCES demands (id),
  opened_at timestamptz NOT NULL,
  channel text NOT NULL,
  service_id bigint NOT NULL REFERENCES services (id),
  department_id bigint REFERENCES departments (id),
  district_code text REFERENCES districts (code),
  subprefeitura_code text REFERENCES subprefeituras (code),
  status text NOT NULL,
  -- A sensitive service or a confidential demand: published only at district level (docs/open-data.md).
  district_only boolean NOT NULL,
  -- The first answer to the citizen (the first demand.answered event), and its time from opening.
  first_answer_at timestamptz,
  first_answer_calendar_minutes integer,
  first_answer_business_minutes integer,
  -- Set while the demand is closed: its last closure, and the time from opening to it: in calendar minutes as they
  -- passed (what the citizen waited), in business minutes on the calendar less the pauses waiting for the
  -- citizen's complement (the city's own time, as its clocks count it).
  closed_at timestamptz,
  closure_calendar_minutes integer,
  closure_business_minutes integer,
  paused_minutes integer NOT NULL DEFAULT 0,
  -- The demand's clock (stage 'demand'): due, and whether the answer came in time. NULL while undecided.
  due_at timestamptz,
  on_time boolean,
  -- The answer reached the citizen (the provider reported it delivered, or it was handed over at a counter).
  answer_delivered boolean NOT NULL DEFAULT false,
  reopened boolean NOT NULL DEFAULT false,
  -- The last answered satisfaction survey: rating 1-5 and "resolveu?".
  rating smallint,
  solved boolean,
  imported boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX demand_facts_opened_idx ON demand_facts (opened_at);
CREATE INDEX demand_facts_closed_idx ON demand_facts (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX demand_facts_open_idx ON demand_facts (department_id)
  WHERE status NOT IN ('closed', 'cancelled', 'merged');
CREATE INDEX demand_facts_district_idx ON demand_facts (district_code, opened_at);
CREATE INDEX demand_facts_service_idx ON demand_facts (service_id, opened_at);

-- The job's place in the timeline (the cursor of server/events/cursor.ts: highest id read and the ids skipped over).
CREATE TABLE indicator_cursor (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  after_event_id bigint NOT NULL DEFAULT 0,
  gaps jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO indicator_cursor DEFAULT VALUES;
