-- Optional citizen sign-in to see one's own demands: a one-time code sent to an e-mail address the city already
-- holds for a citizen, then a session. No password is ever stored for citizens.
CREATE TABLE citizen_sign_in_codes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  citizen_id bigint NOT NULL REFERENCES citizens (id),
  email text NOT NULL, -- lower case; the address the code went to
  code_hash text NOT NULL, -- sha256 of id:code, so a leaked table gives no codes
  expires_at timestamptz NOT NULL,
  attempts int NOT NULL DEFAULT 0, -- wrong codes tried against this one
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX citizen_sign_in_codes_email_idx ON citizen_sign_in_codes (email, created_at DESC);

CREATE TABLE citizen_sessions (
  token_hash text PRIMARY KEY,
  citizen_id bigint NOT NULL REFERENCES citizens (id),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX citizen_sessions_citizen_idx ON citizen_sessions (citizen_id);
