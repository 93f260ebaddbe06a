-- The protocol's year is the city's current year in the city's own time zone, read from its calendar
-- (calendar_settings.time_zone, 0014) instead of the zone 0011 wrote into next_protocol(). Without the row (0014
-- inserts it and nothing deletes it) the demo city's zone is kept.

-- An instant as the city's wall clock reads it.
CREATE FUNCTION city_local_time(instant timestamptz) RETURNS timestamp
LANGUAGE sql STABLE AS $$
  SELECT instant AT TIME ZONE coalesce((SELECT time_zone FROM calendar_settings WHERE id), 'America/Sao_Paulo')
$$;

-- A new protocol number: the city's current year, the next serial, the check digit (as 0011, the year in the
-- city's zone).
CREATE OR REPLACE FUNCTION next_protocol() RETURNS text
LANGUAGE sql VOLATILE AS $$
  WITH b AS (
    SELECT to_char(city_local_time(now()), 'YYYY')
           || CASE WHEN length(s) >= 8 THEN s ELSE lpad(s, 8, '0') END AS body
      FROM (SELECT nextval('protocol_seq')::text AS s) n)
  SELECT body || damm_check_digit(body) FROM b
$$;
