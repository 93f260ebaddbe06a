-- Duplicates (issue 12; docs/decisions/0026-automatic-duplicate-linking.md): a citizen may follow an open demand
-- by choice (no merged duplicate of theirs behind it), and anyone may support one (+1) without an account.

-- A follower by choice has no duplicate of their own: from_demand_id stays null.
ALTER TABLE demand_followers ALTER COLUMN from_demand_id DROP NOT NULL;
ALTER TABLE demand_followers ADD COLUMN followed_at timestamptz NOT NULL DEFAULT now();

-- One +1 per supporter and demand. The supporter is a keyed hash of the request's address (the key below never
-- leaves the database), so the table tells neither who supported nor from where, yet a second +1 is refused.
CREATE TABLE demand_supports (
  demand_id bigint NOT NULL REFERENCES demands (id),
  supporter text NOT NULL, -- hex HMAC-SHA-256 of the supporter's address under duplicate_support_key.key
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (demand_id, supporter)
);
-- The per-address daily limit counts an address's recent supports.
CREATE INDEX demand_supports_supporter_idx ON demand_supports (supporter, created_at);

-- The key of those hashes: one random row, made here, read by the support command.
CREATE TABLE duplicate_support_key (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  key text NOT NULL
);
INSERT INTO duplicate_support_key (key)
  VALUES (replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));
