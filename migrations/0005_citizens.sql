-- Citizens, their contacts per channel, and their LGPD consent records.

CREATE TABLE citizens (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text,
  document text, -- CPF digits, when given
  locale text NOT NULL DEFAULT 'pt-BR' CHECK (locale IN ('pt-BR', 'en', 'es')),
  created_at timestamptz NOT NULL DEFAULT now(),
  erased_at timestamptz -- set when the person was erased (LGPD art. 18 VI); the row stays, emptied
);

CREATE TABLE citizen_contacts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  citizen_id bigint NOT NULL REFERENCES citizens (id),
  channel text NOT NULL CHECK (channel IN ('phone', 'email', 'whatsapp', 'telegram', 'sms')),
  value text NOT NULL, -- normalised: e-mail lower case, phone as E.164 digits
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (channel, value)
);
CREATE INDEX citizen_contacts_citizen_idx ON citizen_contacts (citizen_id);

CREATE TABLE consents (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  citizen_id bigint NOT NULL REFERENCES citizens (id),
  purpose text NOT NULL CHECK (purpose IN ('service', 'contact', 'satisfaction_survey', 'citizen_auditor')),
  granted boolean NOT NULL,
  policy_version text NOT NULL, -- which privacy notice the person saw
  channel text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consents_citizen_idx ON consents (citizen_id);
