-- Voice answers kept for review (issue 18): a question a keypad cannot answer (a text, an audio) is answered on an
-- auditor's call by speaking after the beep (TwiML <Record>). The audio is a call recording tied to its question,
-- kept VOICE_ANSWER_DAYS and erased with the citizen; a person listens and writes down what was said (a text
-- question's answer) or discards it. An audio question's answer is the recording itself, accepted once it is stored.
ALTER TABLE call_recordings ADD COLUMN question text CHECK (question ~ '^[a-z][a-z0-9_]{0,63}$');
-- pending: waiting for a person; transcribed: the text written down is the answer; accepted: the audio is the
-- answer (an audio question); discarded: nothing usable was said.
ALTER TABLE call_recordings ADD COLUMN review_state text
  CHECK (review_state IN ('pending', 'transcribed', 'accepted', 'discarded'));
ALTER TABLE call_recordings ADD COLUMN transcript text CHECK (length(transcript) <= 2000);
ALTER TABLE call_recordings ADD COLUMN reviewed_by bigint REFERENCES staff_users (id);
ALTER TABLE call_recordings ADD COLUMN reviewed_at timestamptz;
ALTER TABLE call_recordings ADD CONSTRAINT call_recordings_answer_check
  CHECK ((question IS NULL) = (review_state IS NULL) AND (transcript IS NULL OR review_state = 'transcribed'));
CREATE UNIQUE INDEX call_recordings_answer_idx ON call_recordings (auditor_call_id, question)
  WHERE question IS NOT NULL;
CREATE INDEX call_recordings_review_idx ON call_recordings (created_at) WHERE review_state = 'pending';

-- The questions of a call answered by a recording (their answers come when a person reviews them).
ALTER TABLE auditor_calls ADD COLUMN recorded text[] NOT NULL DEFAULT '{}';
