-- Issue 18: the 156 line's IVR. A call the IVR answers is `ivr` until the caller asks for an agent (then it rings
-- in the consoles with the screen pop, as a call without IVR does) or hangs up. The menu is data per tenant; every
-- step a caller takes is kept (what they chose, which protocol they asked about) for the call centre's reports.
ALTER TABLE calls DROP CONSTRAINT calls_state_check;
ALTER TABLE calls ADD CONSTRAINT calls_state_check CHECK (state IN ('ivr', 'ringing', 'answered', 'ended'));
ALTER TABLE calls ADD COLUMN language text CHECK (language IN ('pt-BR', 'en', 'es')); -- the IVR's, once chosen

-- One menu per tenant; absent: the line goes straight to the agents (the behaviour before the IVR).
CREATE TABLE ivr_menus (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id) PRIMARY KEY,
  enabled boolean NOT NULL DEFAULT true,
  agent_hours text NOT NULL DEFAULT 'calendar' CHECK (agent_hours IN ('always', 'calendar')),
  options jsonb NOT NULL, -- [{ key, action: status|agent|language|message, language?, message? }] (server/ivr/schemas.ts)
  texts jsonb NOT NULL DEFAULT '{}', -- a city's own words for a prompt, per language: { greeting: { "pt-BR": … } }
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by bigint REFERENCES staff_users (id)
);
SELECT responsiva_tenant_table('ivr_menus');

CREATE TABLE call_ivr_steps (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  call_id bigint NOT NULL REFERENCES calls (id),
  at timestamptz NOT NULL DEFAULT now(),
  step text NOT NULL, -- menu, protocol, after_status
  input text, -- the keys pressed or the words heard (a protocol is no personal data)
  outcome text NOT NULL -- status, agent, after_hours, language, invalid, no_input, found, not_found, bad_check_digit …
);
CREATE INDEX call_ivr_steps_call_idx ON call_ivr_steps (call_id, at);
SELECT responsiva_tenant_table('call_ivr_steps');
