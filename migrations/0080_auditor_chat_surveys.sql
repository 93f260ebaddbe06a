-- Citizen auditors who chose WhatsApp or SMS (issue 18) are asked their questionnaire by message at the planned
-- time, in the conversation of their number; a call row says which way it went. Only voice calls hold the line.
ALTER TABLE auditor_calls ADD COLUMN channel text NOT NULL DEFAULT 'voice' CHECK (channel IN ('voice', 'whatsapp', 'sms'));
