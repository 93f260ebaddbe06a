-- How a closed demand ended. SP156 closes a request either as done (FINALIZADA) or as refused (INDEFERIDO: not
-- the city's competence, not enough information ...); both are closed, and the answer says why.
ALTER TABLE demands ADD COLUMN outcome text
  CHECK (outcome IN ('resolved', 'refused', 'not_resolved', 'duplicate', 'withdrawn'));
COMMENT ON COLUMN demands.outcome IS 'set when the demand is closed or cancelled';
