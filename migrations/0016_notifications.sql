-- Messages to citizens: one row per `send-message` outbox row (the receipt, each answer, each status change worth
-- telling), with where it went and how it ended, and one row per attempt to hand it to a channel. An attempt is
-- written before the provider is called, so a worker killed in between leaves a trace (outcome still NULL) and the
-- resend carries the same message key (the e-mail Message-ID). See docs/decisions/0007-email-delivery.md.

CREATE TABLE messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  outbox_id bigint NOT NULL UNIQUE REFERENCES outbox (id), -- the send-message row this message is the work of
  -- Stable on every attempt and unique everywhere: the e-mail Message-ID is made of it, so a resend is the same mail.
  key uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  demand_id bigint REFERENCES demands (id),
  citizen_id bigint REFERENCES citizens (id),
  template text NOT NULL, -- key under `messages` in locales/: demand.received, demand.answered ...
  locale text NOT NULL CHECK (locale IN ('pt-BR', 'en', 'es')),
  channel text, -- the channel of the last attempt (email, sms, whatsapp, telegram)
  address text, -- where the last attempt went; emptied when the citizen is erased
  -- queued: waiting for an attempt; sending: an attempt is out (or its worker died); sent: a provider took it;
  -- failed: no channel could deliver it (the outbox row is dead); skipped: nobody left to tell (citizen erased).
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'skipped')),
  provider_id text, -- what the provider answered when it took the message (SMTP reply, file name ...)
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  -- When a supervisor last sent the dead message back to the queue: channels that refused it before count again.
  requeued_at timestamptz
);
CREATE INDEX messages_demand_idx ON messages (demand_id, id);
CREATE INDEX messages_citizen_idx ON messages (citizen_id);

CREATE TABLE message_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id bigint NOT NULL REFERENCES messages (id),
  channel text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  -- NULL while the provider call is out: left NULL by a worker that died mid-send, so the message may have gone.
  outcome text CHECK (outcome IN ('sent', 'temporary', 'permanent')),
  provider_id text,
  error text
);
CREATE INDEX message_attempts_message_idx ON message_attempts (message_id, id);

-- When the citizen was actually told the answer: a demand counts as answered only once this is set.
ALTER TABLE demands ADD COLUMN answer_delivered_at timestamptz;

CREATE INDEX outbox_dead_idx ON outbox (id) WHERE state = 'dead';
