-- Phone calls from the telephony webhooks (our JSON webhook for any PBX, Twilio Voice), the caller found by the
-- number, and the demands an agent registered during each call. docs/telephony.md, decision 0016.

-- The extension a PBX names when it routes a call to an agent (the agent may also be named by e-mail).
ALTER TABLE staff_users ADD COLUMN extension text UNIQUE;

CREATE TABLE calls (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  provider text NOT NULL CHECK (provider IN ('pbx', 'twilio')),
  provider_call_id text NOT NULL, -- the PBX's callId or Twilio's CallSid
  from_number text, -- the caller in E.164 ("+5511987654321"); null when withheld or not a full number
  from_raw text NOT NULL, -- the caller as the provider sent it
  to_number text NOT NULL, -- the number dialled: E.164 when it is a full number, else as sent (e.g. "156")
  state text NOT NULL CHECK (state IN ('ringing', 'answered', 'ended')),
  end_reason text, -- completed, no-answer, busy, failed, canceled (Twilio's words; the PBX's "ended" is completed)
  agent_id bigint REFERENCES staff_users (id), -- who it rings for or who took it; null rings for every agent
  citizen_id bigint REFERENCES citizens (id), -- the caller found by the number, or registered during the call
  rang_at timestamptz NOT NULL,
  answered_at timestamptz,
  ended_at timestamptz,
  UNIQUE (provider, provider_call_id)
);
CREATE INDEX calls_from_idx ON calls (from_number, rang_at DESC);
CREATE INDEX calls_open_idx ON calls (agent_id) WHERE state <> 'ended';

CREATE TABLE call_demands (
  call_id bigint NOT NULL REFERENCES calls (id),
  demand_id bigint NOT NULL UNIQUE REFERENCES demands (id),
  PRIMARY KEY (call_id, demand_id)
);
