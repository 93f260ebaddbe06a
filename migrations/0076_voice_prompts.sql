-- Recorded prompts (issue 18): audio a city recorded for a text its phone lines speak, in one language, played
-- instead of synthesised speech wherever that exact text is said (IVR, calls to citizen auditors). Keyed by the text
-- itself: when the text changes, its old recording no longer matches and the line speaks the new text synthesised.
CREATE TABLE voice_prompts (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  language text NOT NULL CHECK (language IN ('pt-BR', 'en', 'es')),
  text text NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
  -- sha256 of the TwiML voice language, a line feed, and the text (server/ivr/prompts.ts textKey)
  text_sha256 text NOT NULL CHECK (text_sha256 ~ '^[0-9a-f]{64}$'),
  audio_sha256 text NOT NULL CHECK (audio_sha256 ~ '^[0-9a-f]{64}$'),
  media_type text NOT NULL,
  size_bytes bigint NOT NULL CHECK (size_bytes > 0),
  duration_seconds numeric(6, 1) NOT NULL CHECK (duration_seconds > 0),
  created_by bigint REFERENCES staff_users (id),
  created_at timestamptz NOT NULL DEFAULT now()
);
SELECT responsiva_tenant_table('voice_prompts');
CREATE UNIQUE INDEX voice_prompts_text_idx ON voice_prompts (tenant_id, text_sha256);
CREATE INDEX voice_prompts_audio_idx ON voice_prompts (tenant_id, audio_sha256);

-- An auditor who presses star on a call stops the calls at once: the call ends cancelled, outcome opted_out.
ALTER TABLE auditor_calls DROP CONSTRAINT auditor_calls_last_outcome_check;
ALTER TABLE auditor_calls ADD CONSTRAINT auditor_calls_last_outcome_check
  CHECK (last_outcome IN ('no-answer', 'busy', 'failed', 'machine', 'hung-up', 'canceled', 'not_callable',
                          'invalid_number', 'no_input', 'lines_busy', 'opted_out'));
