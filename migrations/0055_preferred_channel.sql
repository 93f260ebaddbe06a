-- The channel a citizen asked to be answered on (the filing form's "Receber as respostas por", the intake API's
-- citizen.preferredChannel): tried first for every message to them (server/notifications/recipients.ts). Null: the
-- channel the demand came in on, then e-mail, WhatsApp, Telegram, SMS.
ALTER TABLE citizens ADD COLUMN preferred_channel text
  CHECK (preferred_channel IN ('email', 'whatsapp', 'telegram', 'sms'));
