-- Recordings of the 156 line's inbound calls (issue 18): where the city records calls (CALL_RECORDING_DAYS > 0), the
-- IVR's and the agents' calls are recorded from the legal notice on, kept like the auditors' calls' recordings, and
-- linked on the internal timeline of each demand registered during the call (event call.recorded).
ALTER TABLE call_recordings ADD COLUMN call_id bigint REFERENCES calls (id);
CREATE INDEX call_recordings_call_idx ON call_recordings (call_id);
