-- Accountability and consent (issue 11, defect 8; docs/decisions/0024-audit-log-and-consent.md).

-- One append-only trail of staff changes, written in the transaction of each change. It names staff, entities and
-- ids, never a citizen's personal data, so the erasure of a citizen never has to rewrite it.
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  staff_id bigint NOT NULL REFERENCES staff_users (id),
  staff_name text NOT NULL, -- the name at the time of the change; a later rename does not rewrite history
  action text NOT NULL, -- dotted past tense: service.updated, staff_user.created, work_order.answered
  entity_type text NOT NULL, -- service, department, staff_user, demand, work_order …
  entity_id text NOT NULL, -- the entity's key as text (an id or a code)
  before jsonb, -- the entity's fields before the change (NULL for a creation)
  after jsonb, -- after it (NULL for a deletion)
  ip text, -- the request's address as the server sees it (req.ip, after TRUST_PROXY)
  user_agent text
);
CREATE INDEX audit_log_staff_idx ON audit_log (staff_id, id);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, id);
CREATE INDEX audit_log_action_idx ON audit_log (action, id);
CREATE INDEX audit_log_at_idx ON audit_log (at, id);

-- Append-only, enforced by the database itself: no UPDATE, DELETE or TRUNCATE, whoever asks.
CREATE FUNCTION refuse_audit_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION refuse_audit_log_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_log_change();

-- Consent records now say which demand they came with; when an agent recorded them (phone, counter, letter),
-- which staff member did; and whether the person declared it themselves (ticked the box, told the agent) or the
-- record stands for the privacy notice the channel shows, for an intake that carried no declaration.
ALTER TABLE consents ADD COLUMN demand_id bigint REFERENCES demands (id);
ALTER TABLE consents ADD COLUMN recorded_by bigint REFERENCES staff_users (id);
ALTER TABLE consents ADD COLUMN declared boolean NOT NULL DEFAULT true;
CREATE INDEX consents_demand_idx ON consents (demand_id) WHERE demand_id IS NOT NULL;
CREATE INDEX consents_latest_idx ON consents (citizen_id, purpose, id DESC);

-- Keys the server signs links with (the one-click consent withdrawal in e-mails). Made at first use by whichever
-- process comes first (INSERT … ON CONFLICT DO NOTHING), so every process signs with the same key.
CREATE TABLE signing_keys (
  name text PRIMARY KEY,
  secret text NOT NULL, -- 32 random bytes, base64url
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Erasure deletes the person's own uploads; a file shared by content is deleted only when no row uses it any more,
-- which this index answers without reading the whole table.
CREATE INDEX attachments_storage_key_idx ON attachments (storage_key);
