-- Contacts carry proof (decision 0019): a contact the person has not proven never joins, merges into or unlocks
-- another record. Several unproven records may hold the same address; a proven one is held by one record only.

ALTER TABLE citizen_contacts ADD COLUMN verified_at timestamptz; -- when the person proved they hold it; NULL: unproven
ALTER TABLE citizen_contacts ADD COLUMN verified_by text CHECK (verified_by IN ('email_code', 'govbr')); -- how
ALTER TABLE citizen_contacts ADD CONSTRAINT citizen_contacts_proof_check
  CHECK ((verified_at IS NULL) = (verified_by IS NULL));

-- Records merged by the old rule ("the oldest citizen holding any given contact or the CPF gets the new contacts"):
-- a contact added to a record in a later transaction than the one that created it (created_at differs) came from
-- that rule, and may be someone else's. Each such group moves to a record of its own, so it no longer opens the
-- demands it was attached to; the demands stay where they were filed.
CREATE TEMP TABLE moved_contacts ON COMMIT DROP AS
  SELECT DISTINCT c.citizen_id, c.created_at, z.locale, NULL::bigint AS new_id
    FROM citizen_contacts c JOIN citizens z ON z.id = c.citizen_id
   WHERE c.created_at <> z.created_at AND z.erased_at IS NULL;
UPDATE moved_contacts SET new_id = nextval(pg_get_serial_sequence('citizens', 'id'));
INSERT INTO citizens (id, locale, created_at) OVERRIDING SYSTEM VALUE
  SELECT new_id, locale, created_at FROM moved_contacts;
UPDATE citizen_contacts c SET citizen_id = m.new_id
  FROM moved_contacts m WHERE c.citizen_id = m.citizen_id AND c.created_at = m.created_at;

-- An e-mail that completed a sign-in by code, on the record it was created with, was proven by that code.
UPDATE citizen_contacts c SET verified_at = u.at, verified_by = 'email_code'
  FROM (SELECT citizen_id, email, min(used_at) AS at FROM citizen_sign_in_codes
         WHERE used_at IS NOT NULL GROUP BY citizen_id, email) u
 WHERE c.channel = 'email' AND c.citizen_id = u.citizen_id AND c.value = u.email;

-- Sessions were opened on records the old rule may have merged: everyone signs in again, under the new rule.
DELETE FROM citizen_sessions;

ALTER TABLE citizen_contacts DROP CONSTRAINT citizen_contacts_channel_value_key;
CREATE UNIQUE INDEX citizen_contacts_proven_key ON citizen_contacts (channel, value) WHERE verified_at IS NOT NULL;
CREATE UNIQUE INDEX citizen_contacts_held_key ON citizen_contacts (citizen_id, channel, value);
CREATE INDEX citizen_contacts_value_idx ON citizen_contacts (value, channel);
