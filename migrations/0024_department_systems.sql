-- Departments' own systems: a department may receive its work orders at an external Open311 GeoReport v2 endpoint
-- (matrix data, set by an admin). Each order sent there keeps the external request id (or the token to poll for
-- it); each status update received back (pulled from servicerequestupdates or pushed to us) is recorded once.

CREATE TABLE department_systems (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  department_id bigint NOT NULL REFERENCES departments (id),
  base_url text NOT NULL, -- the GeoReport v2 base, ending in "/": requests.xml, tokens/… are resolved against it
  format text NOT NULL CHECK (format IN ('xml', 'json')),
  api_key text NOT NULL, -- sent with every POST, so kept as given; never shown in full
  jurisdiction_id text,
  -- Our service code → theirs; services missing here go as default_service_code (or fail when it is null).
  service_codes jsonb NOT NULL DEFAULT '{}',
  default_service_code text,
  -- Their status (lower case, "_" between words) → what it does here: accept, start, answer, return, note.
  -- Overrides of the built-in table (server/department-systems/updates.ts).
  status_actions jsonb NOT NULL DEFAULT '{}',
  active boolean NOT NULL DEFAULT true,
  -- 0: push only; otherwise how often servicerequestupdates is pulled.
  pull_interval_seconds integer NOT NULL DEFAULT 300
    CHECK (pull_interval_seconds = 0 OR pull_interval_seconds BETWEEN 30 AND 86400),
  push_secret_hash text NOT NULL, -- SHA-256 hex of the secret their system sends as api_key when pushing updates
  next_pull_at timestamptz NOT NULL DEFAULT now(),
  pulled_until timestamptz, -- end_date of the last pull that succeeded; the next one starts an overlap before it
  last_pulled_at timestamptz,
  last_pull_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz -- deleted by an admin: kept, because sent orders still point at it, but never used again
);
CREATE UNIQUE INDEX department_systems_department_idx ON department_systems (department_id) WHERE deleted_at IS NULL;
CREATE INDEX department_systems_pull_idx ON department_systems (next_pull_at)
  WHERE active AND deleted_at IS NULL AND pull_interval_seconds > 0;

-- One row per work order sent (or to be sent) to a department's system: written with the order and its
-- send-work-order-open311 outbox row, so an order is never sent twice.
CREATE TABLE external_work_orders (
  work_order_id bigint PRIMARY KEY REFERENCES work_orders (id),
  system_id bigint NOT NULL REFERENCES department_systems (id),
  -- queued: waiting for the worker; token: they answered a token, the id is polled; sent: we hold their id;
  -- failed: every attempt failed (an alarm was raised); cancelled: the order closed before it could be sent.
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'token', 'sent', 'failed', 'cancelled')),
  token text,
  external_id text, -- their service_request_id
  service_notice text,
  sent_at timestamptz,
  last_status text, -- the status of the last update applied
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX external_work_orders_external_idx ON external_work_orders (system_id, external_id)
  WHERE external_id IS NOT NULL;
CREATE INDEX external_work_orders_token_idx ON external_work_orders (system_id) WHERE state = 'token';

-- Every update received from a department's system, once per update_id: a pull window overlaps the previous one
-- and a pushed update may be pulled again, and this key makes both harmless. An update for a request id we do not
-- know is kept here as unknown_request (the log) and looked at again if it comes again.
CREATE TABLE external_updates (
  system_id bigint NOT NULL REFERENCES department_systems (id),
  update_id text NOT NULL,
  service_request_id text NOT NULL,
  work_order_id bigint REFERENCES work_orders (id),
  status text NOT NULL,
  description text NOT NULL DEFAULT '',
  updated_at timestamptz, -- their updated_datetime
  via text NOT NULL CHECK (via IN ('pull', 'push')),
  -- applied: it moved the order; noted: recorded on the timeline only; refused: it would close the order but
  -- does not say what was done; unknown_request: no order of ours has that id; not_synced: the order is closed,
  -- returned or rerouted here, so it is no longer synchronised.
  outcome text NOT NULL CHECK (outcome IN ('applied', 'noted', 'refused', 'unknown_request', 'not_synced')),
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (system_id, update_id)
);
CREATE INDEX external_updates_order_idx ON external_updates (work_order_id) WHERE work_order_id IS NOT NULL;
