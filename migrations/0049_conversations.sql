-- Written channels in (issue 14, docs/decisions/0044-conversations.md): every message a provider posts to a webhook
-- is stored once, keyed by the provider's own id, before the provider is answered; the conversation step runs later
-- from the outbox (`handle-inbound`). A conversation is one citizen address on one channel, with the assistant's
-- state between messages; replies are rows sent by `send-reply`, with the delivery state the provider reports.

CREATE TABLE conversations (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel text NOT NULL CHECK (channel IN ('whatsapp', 'sms', 'telegram', 'email', 'webchat')),
  address text NOT NULL, -- the citizen's address on the channel: E.164 digits, a chat id, an e-mail; '' once erased
  profile_name text, -- the name the provider shows for the sender
  citizen_id bigint REFERENCES citizens (id), -- set once a demand is filed or the sender is known
  locale text NOT NULL DEFAULT 'pt-BR' CHECK (locale IN ('pt-BR', 'en', 'es')),
  -- bot: the assistant answers; waiting: handed over, no agent yet; agent: an agent took it; closed: over.
  status text NOT NULL DEFAULT 'bot' CHECK (status IN ('bot', 'waiting', 'agent', 'closed')),
  state jsonb NOT NULL, -- the engine's state between messages (server/conversations/state.ts)
  agent_id bigint REFERENCES staff_users (id), -- the agent who took it
  waiting_since timestamptz, -- when it was handed over: the inbox is oldest first
  taken_at timestamptz, -- when an agent took it (waiting time = taken_at - waiting_since)
  last_inbound_at timestamptz, -- the citizen's last message: WhatsApp's 24-hour window counts from here
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- One open conversation per address and channel.
CREATE UNIQUE INDEX conversations_open_idx ON conversations (channel, address) WHERE status <> 'closed';
CREATE INDEX conversations_waiting_idx ON conversations (waiting_since) WHERE status = 'waiting';
CREATE INDEX conversations_citizen_idx ON conversations (citizen_id) WHERE citizen_id IS NOT NULL;

CREATE TABLE inbound_messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel text NOT NULL CHECK (channel IN ('whatsapp', 'sms', 'telegram', 'email', 'webchat')),
  provider_message_id text NOT NULL, -- the provider's id: a redelivered webhook finds its row and writes nothing
  sender text NOT NULL, -- the citizen's address on the channel; '' once erased
  profile_name text,
  sent_at timestamptz, -- when the provider says it was sent
  received_at timestamptz NOT NULL DEFAULT now(),
  in_reply_to text, -- the provider id of our message this one answers
  content jsonb NOT NULL, -- normalised (channels/channel.ts, InboundContent); {"kind":"erased"} once erased
  conversation_id bigint REFERENCES conversations (id), -- set when its step ran
  handled_at timestamptz,
  request_id text DEFAULT nullif(current_setting('responsiva.request_id', true), ''),
  UNIQUE (channel, provider_message_id)
);
CREATE INDEX inbound_messages_conversation_idx ON inbound_messages (conversation_id, id);

CREATE TABLE conversation_replies (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conversation_id bigint NOT NULL REFERENCES conversations (id),
  -- Stable on every attempt: passed to the provider as its idempotency key where it has one.
  key uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  author text NOT NULL CHECK (author IN ('assistant', 'agent')),
  agent_id bigint REFERENCES staff_users (id),
  body jsonb NOT NULL, -- {"text", "choices"?, "requestLocation"?}: rendered in the conversation's language
  -- queued: waiting for send-reply; sent: the provider took it; delivered/read: its receipts said so; failed: it
  -- could not be delivered (the provider refused it, or a receipt said so).
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'delivered', 'read', 'failed')),
  provider_id text,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  delivered_at timestamptz
);
CREATE INDEX conversation_replies_conversation_idx ON conversation_replies (conversation_id, id);
CREATE INDEX conversation_replies_provider_idx ON conversation_replies (provider_id) WHERE provider_id IS NOT NULL;

-- "SAIR", "PARAR", "STOP" or the provider's own opt-out: nothing more goes to this address on this channel until the
-- citizen writes again.
CREATE TABLE channel_opt_outs (
  channel text NOT NULL,
  address text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, address)
);

-- Delivery receipts of messages to citizens (WhatsApp, Twilio, Kannel report them; SMTP does not).
ALTER TABLE messages ADD COLUMN delivery_state text CHECK (delivery_state IN ('delivered', 'read', 'failed'));
ALTER TABLE messages ADD COLUMN delivered_at timestamptz;
CREATE INDEX messages_provider_idx ON messages (provider_id) WHERE provider_id IS NOT NULL;

-- Where a polled channel stopped (the e-mail inbox's UIDVALIDITY and last UID), written with the messages it read.
CREATE TABLE channel_cursors (
  name text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
