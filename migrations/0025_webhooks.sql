-- Outgoing webhooks (Standard Webhooks): subscriptions per event type, one delivery per (subscription, timeline
-- event), each attempt recorded, and the durable cursor of the fan-out that reads the timeline in commit order.
-- See docs/webhooks.md and docs/decisions/0012-webhooks.md.

CREATE TABLE webhook_subscriptions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  url text NOT NULL CHECK (url ~ '^https?://'),
  -- Dotted timeline event types ("demand.closed"), prefixes ending in ".*" ("demand.*"), or "*" for every type.
  event_types text[] NOT NULL CHECK (cardinality(event_types) > 0),
  description text NOT NULL DEFAULT '',
  active boolean NOT NULL DEFAULT true,
  -- The signing secret as shown once to the admin ("whsec_" + base64 of 32 random bytes); needed in clear to sign.
  secret text NOT NULL,
  -- After a rotation the old secret also signs (a second v1 signature) until this instant, for a switch-over.
  previous_secret text,
  previous_secret_until timestamptz,
  -- Deliveries start with timeline events above this id (the newest event when the subscription was created).
  since_event_id bigint NOT NULL DEFAULT 0,
  -- Why the subscription was switched off by the system: 'gone' when the receiver answered 410 Gone.
  disabled_reason text CHECK (disabled_reason IN ('gone')),
  created_by bigint REFERENCES staff_users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The one fan-out cursor (a single row, locked by the fan-out transaction, so two workers never fan out at once).
CREATE TABLE webhook_cursor (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  after_event_id bigint NOT NULL, -- the highest timeline event id read
  -- Ids below after_event_id not seen yet (a transaction holding them had not committed), each with the epoch
  -- millisecond until which it is asked for again: {"123": 1767000000000}.
  gaps jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Start after today's history: a new installation does not announce what happened before webhooks existed.
INSERT INTO webhook_cursor (after_event_id) SELECT COALESCE(max(id), 0) FROM demand_events;

CREATE TABLE webhook_deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscription_id bigint NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
  event_id bigint NOT NULL REFERENCES demand_events (id), -- also the `webhook-id` header (evt_<id>)
  event_type text NOT NULL,
  body text NOT NULL, -- the exact JSON sent (and signed) on every attempt, built when the event was fanned out
  -- pending: waiting for (or in) an attempt; delivered: a 2xx came back; dead: attempts ran out or 410 Gone;
  -- skipped: the subscription was switched off before it could go.
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead', 'skipped')),
  outbox_id bigint, -- the deliver-webhook outbox row that carries it now (no foreign key: done rows are purged)
  attempts integer NOT NULL DEFAULT 0,
  last_status integer, -- HTTP status of the last attempt; NULL when no answer came (refused, timeout)
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_attempt_at timestamptz,
  delivered_at timestamptz,
  UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, id);

CREATE TABLE webhook_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz, -- NULL while the request is out, or when its worker died meanwhile
  status integer,
  error text,
  response_excerpt text -- the first bytes of the receiver's answer, for the admin reading the log
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);
