-- Calls to citizen auditors (issue 18): one row per call the platform means to make, with its tries and outcome.
-- A try is an outbound call through the provider (provider_call_id is the latest try's); the questionnaire's answers
-- gather in `answers` as the auditor presses keys, and become one response in the one table of answers when the last
-- question is answered.
CREATE TABLE auditor_calls (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  auditor_id bigint NOT NULL REFERENCES auditors (id),
  version_id bigint NOT NULL REFERENCES questionnaire_versions (id),
  due_at timestamptz NOT NULL, -- the next try starts at or after it
  until_at timestamptz NOT NULL, -- the end of the auditor's window: no try starts after it
  -- planned: a try is due; dialling: the provider is calling; answered: a person is answering the questionnaire;
  -- completed: every question answered, the response stored; missed: no try left in the window (last_outcome says
  -- why); cancelled: the auditor could no longer be called (do-not-call, consent withdrawn, paused, revoked).
  state text NOT NULL DEFAULT 'planned'
    CHECK (state IN ('planned', 'dialling', 'answered', 'completed', 'missed', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_outcome text CHECK (last_outcome IN ('no-answer', 'busy', 'failed', 'machine', 'hung-up', 'canceled',
                                            'not_callable', 'invalid_number', 'no_input')),
  provider_call_id text,
  answers jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(answers) = 'object'),
  skipped text[] NOT NULL DEFAULT '{}', -- optional questions left without a usable answer
  response_id bigint REFERENCES responses (id),
  planned_by bigint REFERENCES staff_users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  CHECK (until_at > due_at OR state <> 'planned'),
  CHECK ((state = 'completed') = (response_id IS NOT NULL))
);
SELECT responsiva_tenant_table('auditor_calls');
CREATE UNIQUE INDEX auditor_calls_provider_idx ON auditor_calls (tenant_id, provider_call_id)
  WHERE provider_call_id IS NOT NULL;
CREATE INDEX auditor_calls_auditor_idx ON auditor_calls (auditor_id, due_at);

-- The end of the window that holds `at` for an auditor, as an instant (the window's end on the city's wall clock
-- that day); NULL when no window of theirs holds it.
CREATE FUNCTION auditor_window_end(auditor bigint, at timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT (date_trunc('day', city_local_time(at)) + w.ends)
           AT TIME ZONE coalesce((SELECT time_zone FROM calendar_settings WHERE id), 'America/Sao_Paulo')
    FROM auditor_windows w
   WHERE w.auditor_id = auditor
     AND w.weekday = extract(dow FROM city_local_time(at))::smallint
     AND w.starts <= city_local_time(at)::time AND w.ends > city_local_time(at)::time
   LIMIT 1
$$;
