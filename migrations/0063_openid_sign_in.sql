-- Issue 16: sign-in through OpenID Connect providers (decision 0057). Citizens sign in with gov.br (Login Único), staff
-- through the city's own provider. A flow started and not yet finished is a row here; the session it opens is the
-- same citizen or staff session the code and password sign-ins open.

-- One authorization request on its way to a provider, consumed (deleted) by its callback: single use, 10 minutes.
CREATE TABLE sign_in_flows (
  state_hash text PRIMARY KEY, -- sha256 of the `state` sent to the provider (the browser also holds it in a cookie)
  provider text NOT NULL CHECK (provider IN ('govbr', 'city')),
  code_verifier text NOT NULL, -- PKCE (S256): its challenge went to the provider, the verifier goes to the token call
  nonce text NOT NULL, -- expected in the ID token
  locale text NOT NULL CHECK (locale IN ('pt-BR', 'en', 'es')),
  return_to text, -- where the person lands afterwards (a staff app's path); NULL: the citizen's "my requests"
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX sign_in_flows_expires_idx ON sign_in_flows (expires_at);

-- A person known to an identity provider, on the citizen record they sign in to. gov.br's subject is the CPF.
CREATE TABLE citizen_identities (
  provider text NOT NULL CHECK (provider IN ('govbr')),
  subject text NOT NULL, -- the provider's `sub` (gov.br: the CPF's 11 digits)
  citizen_id bigint NOT NULL REFERENCES citizens (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_sign_in_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, subject)
);
CREATE UNIQUE INDEX citizen_identities_citizen_key ON citizen_identities (citizen_id, provider);

-- How a session was opened: a code, or gov.br with its confidence level and the ways the person authenticated there.
ALTER TABLE citizen_sessions
  ADD COLUMN provider text NOT NULL DEFAULT 'code' CHECK (provider IN ('code', 'govbr'));
ALTER TABLE citizen_sessions
  ADD COLUMN confidence text CHECK (confidence IN ('bronze', 'silver', 'gold')); -- gov.br level; NULL: unknown
ALTER TABLE citizen_sessions ADD COLUMN amr text[]; -- gov.br's `amr` (passwd, x509_token, bank001, app_qrcode …)

-- Records a signed-in citizen confirmed as their own (decision 0057): records filed with the CPF gov.br vouched for.
-- Their demands stay where they were filed (answers still go to the contacts given with them); the session sees them.
CREATE TABLE citizen_record_links (
  citizen_id bigint NOT NULL REFERENCES citizens (id), -- the signed-in record
  record_id bigint NOT NULL REFERENCES citizens (id), -- the earlier record they confirmed
  via text NOT NULL CHECK (via IN ('govbr_cpf')),
  linked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (citizen_id, record_id),
  CHECK (citizen_id <> record_id)
);
CREATE INDEX citizen_record_links_record_idx ON citizen_record_links (record_id);

-- The records filed with a CPF are looked up when a gov.br session opens "my requests".
CREATE INDEX citizens_document_idx ON citizens (document) WHERE document IS NOT NULL;
