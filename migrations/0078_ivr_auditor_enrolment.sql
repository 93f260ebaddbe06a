-- Enrolment as a citizen auditor on the 156 line (issue 18): the IVR asks the consent, the address (said), the days
-- and the hours, one step per request; what was chosen so far is kept on the call until it is confirmed.
ALTER TABLE calls ADD COLUMN ivr_draft jsonb;
