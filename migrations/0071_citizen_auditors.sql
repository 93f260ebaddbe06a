-- Issue 18: citizen auditors (cidadãos auditores). A citizen volunteers to be called about the services on their
-- block: their place puts them on a fiscal block, they consent (LGPD, revocable at any moment on any channel), and
-- they choose the weekly windows in which a call is welcome and the channel it comes by. The call planner (later
-- work) reads these tables; docs/auditors.md says what it may rely on, docs/decisions/0065-citizen-auditors.md why
-- the windows are rows.

CREATE TABLE auditors (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  citizen_id bigint NOT NULL REFERENCES citizens (id),
  -- The number called (or written to on WhatsApp/SMS), E.164 with its "+"; NULL once the person is erased.
  phone text CHECK (phone ~ '^\+[1-9][0-9]{7,14}$'),
  channel text NOT NULL DEFAULT 'voice' CHECK (channel IN ('voice', 'whatsapp', 'sms')),
  language text NOT NULL DEFAULT 'pt-BR' CHECK (language IN ('pt-BR', 'en', 'es')),
  -- The fiscal block the place lies on (or the nearest within a street's width): what the calls ask about.
  block_id bigint NOT NULL REFERENCES blocks (id),
  district_code text, -- the district of the place when it was set, for the staff list's filter
  address text, -- as the person gave it; NULL when they gave a point only, and once they are erased
  point geometry(Point, 4326), -- given, or geocoded from the address; NULL once the person is erased
  -- active: may be called inside the windows; paused: kept, not called (holidays); revoked: ended for good (a new
  -- enrolment is a new row, so the history of consent and revocation stays as it happened).
  state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'revoked')),
  max_calls_per_week integer NOT NULL DEFAULT 2 CHECK (max_calls_per_week BETWEEN 1 AND 7),
  consent_at timestamptz NOT NULL, -- when consent to this enrolment was last given
  consent_channel text NOT NULL CHECK (consent_channel IN ('portal', 'phone', 'whatsapp', 'staff')),
  consent_text_version text NOT NULL, -- the version of the consent text shown or read (domain/auditors.ts)
  revoked_at timestamptz,
  -- Where the revocation came from: a channel the person used, a staff decision, or the person's erasure.
  revoked_channel text CHECK (revoked_channel IN ('portal', 'phone', 'whatsapp', 'staff', 'erasure')),
  revoked_reason text, -- in the person's or the agent's words; NULL once the person is erased
  -- Never call, whatever the windows say: set with every revocation, and by staff for a number that must not ring.
  do_not_call boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((state = 'revoked') = (revoked_at IS NOT NULL)),
  CHECK ((state = 'revoked') = (revoked_channel IS NOT NULL)),
  CHECK (state <> 'revoked' OR do_not_call),
  CHECK (state = 'revoked' OR (phone IS NOT NULL AND point IS NOT NULL))
);
SELECT responsiva_tenant_table('auditors');
-- One live (active or paused) enrolment per citizen; revoked ones stay beside it as history.
CREATE UNIQUE INDEX auditors_one_live ON auditors (citizen_id) WHERE state <> 'revoked';
CREATE INDEX auditors_citizen_idx ON auditors (citizen_id);
CREATE INDEX auditors_block_idx ON auditors (block_id) WHERE state <> 'revoked';
CREATE INDEX auditors_list_idx ON auditors (state, id);

-- The weekly windows in which an auditor accepts a call, in the city's wall time (calendar_settings.time_zone):
-- weekday 0 (Sunday) … 6 (Saturday) as extract(dow) counts, the end excluded. Never in the quiet night; at least an
-- hour long, no two of one auditor overlapping on a weekday, at most 14 (checked in domain/auditors.ts).
CREATE TABLE auditor_windows (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  auditor_id bigint NOT NULL REFERENCES auditors (id),
  weekday smallint NOT NULL CHECK (weekday BETWEEN 0 AND 6),
  starts time NOT NULL,
  ends time NOT NULL,
  CHECK (starts < ends),
  CHECK (starts >= '08:00' AND ends <= '21:00'), -- the quiet night, also here: no write ever offers it
  PRIMARY KEY (tenant_id, auditor_id, weekday, starts)
);
SELECT responsiva_tenant_table('auditor_windows');
-- The planner's question "who may be called at this weekday and time" reads this index, not every auditor.
CREATE INDEX auditor_windows_when_idx ON auditor_windows (weekday, starts, ends, auditor_id);
