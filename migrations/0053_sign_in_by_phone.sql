-- The portal's sign-in code also goes by SMS or WhatsApp to a phone number a citizen holds (decision 0018, 0019):
-- a code's address is an e-mail address (lower case) or a phone number (E.164 digits without "+", as contacts
-- store it), and its channel says which. A number answered by code is proven as an address is.
ALTER TABLE citizen_sign_in_codes
  ADD COLUMN channel text NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'sms', 'whatsapp'));
ALTER TABLE citizen_sign_in_codes RENAME COLUMN email TO address;
DROP INDEX citizen_sign_in_codes_email_idx;
CREATE INDEX citizen_sign_in_codes_address_idx ON citizen_sign_in_codes (address, created_at DESC);

ALTER TABLE citizen_contacts DROP CONSTRAINT citizen_contacts_verified_by_check;
ALTER TABLE citizen_contacts ADD CONSTRAINT citizen_contacts_verified_by_check
  CHECK (verified_by IN ('email_code', 'sms_code', 'whatsapp_code', 'govbr'));
