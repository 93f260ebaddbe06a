-- Departments (secretarias, subprefeituras, municipal companies), their teams and the staff who use the platform.

CREATE TABLE departments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code text NOT NULL UNIQUE, -- stable short code: AMLURB, SPTRANS, SUB-SE ...
  name text NOT NULL,
  kind text NOT NULL DEFAULT 'secretariat' CHECK (kind IN ('secretariat', 'subprefeitura', 'company', 'other')),
  subprefeitura_code text REFERENCES subprefeituras (code), -- for a subprefeitura's own department
  email text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE teams (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  department_id bigint NOT NULL REFERENCES departments (id),
  name text NOT NULL,
  UNIQUE (department_id, name)
);

CREATE TABLE staff_users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE, -- lower case
  name text NOT NULL,
  password_hash text NOT NULL, -- argon2id PHC string
  role text NOT NULL CHECK (role IN ('agent', 'department_staff', 'focal_point', 'supervisor', 'manager', 'admin', 'ombudsman')),
  department_id bigint REFERENCES departments (id), -- required for department_staff and focal_point
  team_id bigint REFERENCES teams (id),
  locale text NOT NULL DEFAULT 'pt-BR' CHECK (locale IN ('pt-BR', 'en', 'es')),
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Staff sessions: the bearer token itself is never stored, only its SHA-256.
CREATE TABLE staff_sessions (
  token_hash text PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES staff_users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX staff_sessions_user_idx ON staff_sessions (user_id);

-- Failed logins, counted per key (account and address) inside a window, shared by every app process.
CREATE TABLE login_failures (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_key_at_idx ON login_failures (key, at);
