-- Demands, their append-only timeline, attachments, the outbox of durable work, and idempotency records.

-- Protocol numbers draw from one sequence shared by every process: unique without a lock on a counter row.
CREATE SEQUENCE protocol_seq;

CREATE TABLE demands (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  protocol text NOT NULL UNIQUE, -- digits: year, serial, check digit (see domain/protocol.ts)
  service_id bigint NOT NULL REFERENCES services (id),
  channel text NOT NULL CHECK (channel IN ('phone', 'web', 'app', 'whatsapp', 'sms', 'telegram', 'chat', 'email',
    'counter', 'social', 'open311', 'import')),
  status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'triaged', 'dispatched', 'accepted', 'in_progress',
    'answered', 'closed', 'returned', 'rerouted', 'reopened', 'cancelled', 'merged')),
  description text NOT NULL DEFAULT '',
  -- identified: the department sees who asked; confidential: only the ombudsman team sees it (Lei 13.460 art. 10
  -- par. 7); anonymous: nobody is recorded.
  identity_mode text NOT NULL CHECK (identity_mode IN ('identified', 'confidential', 'anonymous')),
  citizen_id bigint REFERENCES citizens (id),
  location geometry(Point, 4326),
  address text, -- as the person gave it, kept even when it could not be geocoded
  district_code text REFERENCES districts (code),
  subprefeitura_code text REFERENCES subprefeituras (code),
  block_id bigint REFERENCES blocks (id),
  department_id bigint REFERENCES departments (id), -- responsible, from the matrix
  attributes jsonb NOT NULL DEFAULT '{}', -- answers to the service's extra fields, by attribute code
  secret_hash text, -- SHA-256 of the citizen's secret that unlocks the full view
  opened_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz,
  due_at timestamptz,
  -- For imported history: a key of the source row, so re-importing a file adds nothing twice.
  source_ref text UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (identity_mode <> 'anonymous' OR citizen_id IS NULL)
);
CREATE INDEX demands_status_idx ON demands (status);
CREATE INDEX demands_service_idx ON demands (service_id);
CREATE INDEX demands_department_idx ON demands (department_id, status);
CREATE INDEX demands_citizen_idx ON demands (citizen_id);
CREATE INDEX demands_location_idx ON demands USING gist (location);
CREATE INDEX demands_opened_at_idx ON demands (opened_at);

-- The timeline: every event of a demand, who did it and whether the citizen may see it. Never updated.
CREATE TABLE demand_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  demand_id bigint NOT NULL REFERENCES demands (id),
  at timestamptz NOT NULL DEFAULT now(),
  type text NOT NULL, -- dotted past tense: demand.created, demand.imported, citizen.erased ...
  actor_kind text NOT NULL CHECK (actor_kind IN ('citizen', 'staff', 'system', 'import')),
  actor_id bigint, -- staff_users.id when actor_kind is staff
  visibility text NOT NULL CHECK (visibility IN ('public', 'internal')),
  data jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX demand_events_demand_idx ON demand_events (demand_id, id);

CREATE TABLE attachments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  demand_id bigint NOT NULL REFERENCES demands (id),
  storage_key text NOT NULL UNIQUE, -- path under the attachments folder
  media_type text NOT NULL, -- as detected from the content
  size_bytes integer NOT NULL,
  sha256 text NOT NULL,
  original_name text,
  visibility text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'internal')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_demand_idx ON attachments (demand_id);

-- Durable work written in the same transaction as the change that causes it, claimed with FOR UPDATE SKIP LOCKED.
CREATE TABLE outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job text NOT NULL, -- kebab-case job name from the registry: send-message, deliver-webhook ...
  payload jsonb NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'dead')),
  run_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  locked_until timestamptz, -- a running claim expires here, so a killed worker's row is taken again
  last_error text,
  dedupe_key text UNIQUE, -- periodic jobs take one id per time slot
  created_at timestamptz NOT NULL DEFAULT now(),
  done_at timestamptz
);
CREATE INDEX outbox_due_idx ON outbox (run_at) WHERE state IN ('pending', 'running');

-- Idempotency-Key records (IETF httpapi draft): the first response to a key is replayed to its retries.
CREATE TABLE idempotency_keys (
  scope text NOT NULL, -- method and route: "POST /api/v1/demands"
  key text NOT NULL,
  fingerprint text NOT NULL, -- SHA-256 of the request body: the same key with another body is refused
  response_status integer NOT NULL,
  response_body jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
