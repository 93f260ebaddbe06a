-- Client applications of the public APIs (Open311, open data): one key each, kept only as a hash, with a rate limit;
-- and the shared per-minute request counters that let several app processes enforce one limit together.
CREATE TABLE api_clients (
  id bigserial PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  contact text, -- who to call about this application (an e-mail or a team), for the admins
  key_prefix text NOT NULL, -- the key's first characters, shown in lists so admins can tell keys apart
  key_hash text NOT NULL UNIQUE, -- SHA-256 hex of the key; the key itself is shown once, at creation
  rate_limit_per_minute integer NOT NULL DEFAULT 600 CHECK (rate_limit_per_minute > 0),
  created_by bigint REFERENCES staff_users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  last_used_at timestamptz -- updated at most once per counter flush, not per request
);

-- Requests counted per bucket ('client:<id>' or 'ip:<hash of the address>') and minute, summed over every process.
-- Rows older than a few minutes mean nothing and are deleted as processes flush.
CREATE TABLE api_usage (
  bucket text COLLATE "C" NOT NULL,
  window_start timestamptz NOT NULL,
  count integer NOT NULL,
  PRIMARY KEY (bucket, window_start)
);
