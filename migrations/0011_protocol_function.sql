-- The protocol number made inside the intake statement itself, saving a round trip per demand. It is the same
-- scheme as domain/protocol.ts (year + serial of at least 8 digits + Damm check digit); a test holds the two equal.
CREATE FUNCTION damm_check_digit(digits text) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  -- Damm's quasigroup of order 10, row by row: entry (interim, digit) at interim * 10 + digit + 1.
  t integer[] := ARRAY[
    0,3,1,7,5,9,8,6,4,2, 7,0,9,2,1,5,4,8,6,3, 4,2,0,6,8,7,1,3,5,9, 1,7,5,0,9,8,3,4,2,6,
    6,1,2,3,0,4,5,9,7,8, 3,6,7,4,2,0,9,5,8,1, 5,8,6,9,7,2,0,1,3,4, 8,9,4,5,3,6,2,0,1,7,
    9,4,3,8,6,1,7,2,0,5, 2,5,8,1,4,3,6,7,9,0];
  interim integer := 0;
BEGIN
  FOR i IN 1..length(digits) LOOP
    interim := t[interim * 10 + (ascii(substr(digits, i, 1)) - 48) + 1];
  END LOOP;
  RETURN interim;
END $$;

-- A new protocol number: the city's current year, the next serial, the check digit.
CREATE FUNCTION next_protocol() RETURNS text
LANGUAGE sql VOLATILE AS $$
  WITH b AS (
    SELECT to_char(now() AT TIME ZONE 'America/Sao_Paulo', 'YYYY')
           || CASE WHEN length(s) >= 8 THEN s ELSE lpad(s, 8, '0') END AS body
      FROM (SELECT nextval('protocol_seq')::text AS s) n)
  SELECT body || damm_check_digit(body) FROM b
$$;
