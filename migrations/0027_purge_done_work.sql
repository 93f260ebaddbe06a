-- Done outbox rows are purged after 30 days (purge-expired), but a message pointed at its send-message row with a
-- foreign key, so the first purge that met one failed, and every purge after it. The message keeps the row's id as
-- history; the row itself may go.
ALTER TABLE messages DROP CONSTRAINT messages_outbox_id_fkey;
