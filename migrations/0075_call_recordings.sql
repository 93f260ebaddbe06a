-- Call recordings (issue 18): where the city records calls (CALL_RECORDING_DAYS > 0), the provider's recording of a
-- call is fetched, stored like an attachment (by its content's hash, in the same store) and deleted at the provider;
-- it is kept until `expires_at`, and erased with the citizen's data (their erasure makes it expire at once). Today
-- the calls to citizen auditors are recorded; the IVR's and the agents' calls will add their own reference.
CREATE TABLE call_recordings (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  auditor_call_id bigint REFERENCES auditor_calls (id),
  citizen_id bigint REFERENCES citizens (id), -- whose voice it holds: erased with them
  provider text NOT NULL DEFAULT 'twilio',
  provider_recording_id text NOT NULL,
  provider_call_id text NOT NULL,
  media_url text, -- where the provider keeps it until it is fetched
  duration_seconds integer CHECK (duration_seconds >= 0),
  -- pending: to be fetched; stored: in the store (sha256); failed: the provider no longer had it.
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'stored', 'failed')),
  sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  media_type text,
  size_bytes bigint,
  provider_deleted_at timestamptz, -- the provider's copy deleted
  created_at timestamptz NOT NULL DEFAULT now(),
  stored_at timestamptz,
  expires_at timestamptz NOT NULL,
  CHECK ((state = 'stored') = (sha256 IS NOT NULL))
);
SELECT responsiva_tenant_table('call_recordings');
CREATE UNIQUE INDEX call_recordings_provider_idx ON call_recordings (tenant_id, provider, provider_recording_id);
CREATE INDEX call_recordings_auditor_call_idx ON call_recordings (auditor_call_id);
CREATE INDEX call_recordings_citizen_idx ON call_recordings (citizen_id);
CREATE INDEX call_recordings_expiry_idx ON call_recordings (expires_at);
