-- Issue 15 at São Paulo's scale (decision 0053): summaries kept beside demand_facts so that the panels and the map
-- answer in milliseconds over ten million demands, and stay exact.

-- The facts carry the demand's point (the map reads the facts alone) and are found by their first answer.
ALTER TABLE demand_facts ADD COLUMN lon float8, ADD COLUMN lat float8;
UPDATE demand_facts f SET lon = ST_X(d.location), lat = ST_Y(d.location)
  FROM demands d WHERE d.id = f.demand_id AND d.location IS NOT NULL;
-- The city's panels by first answer and by closure read these indexes alone (index-only scans), not the rows.
CREATE INDEX demand_facts_first_answer_idx ON demand_facts (first_answer_at)
  INCLUDE (status, on_time, answer_delivered, first_answer_business_minutes, first_answer_calendar_minutes)
  WHERE first_answer_at IS NOT NULL;
DROP INDEX demand_facts_closed_idx;
CREATE INDEX demand_facts_closed_idx ON demand_facts (closed_at)
  INCLUDE (status, closure_business_minutes, closure_calendar_minutes, rating, solved, reopened)
  WHERE closed_at IS NOT NULL;
-- A district's panels (the portal's district pages, the centre's district filter) by closure and by first answer.
CREATE INDEX demand_facts_district_closed_idx ON demand_facts (district_code, closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX demand_facts_district_answer_idx ON demand_facts (district_code, first_answer_at)
  WHERE first_answer_at IS NOT NULL;
-- Open demands by place and by deadline: the map at street level and the lateness step of the map's cells.
CREATE INDEX demand_facts_open_place_idx ON demand_facts (lon, lat)
  WHERE status NOT IN ('closed', 'cancelled', 'merged') AND lon IS NOT NULL;
CREATE INDEX demand_facts_open_due_idx ON demand_facts (due_at)
  WHERE status NOT IN ('closed', 'cancelled', 'merged');

-- Each period indicator's values per month of the city's zone, for the whole city (dim '' and code '') and per
-- district, subprefeitura, department, service and channel: the very rows the indicator's own statement gives when
-- grouped by month and that key (server/indicators/months.ts). A month is read from here only while it is built and
-- not dirty; otherwise from the facts.
CREATE TABLE indicator_months (
  indicator text NOT NULL,
  dim text NOT NULL,
  code text NOT NULL,
  month date NOT NULL,
  vals jsonb NOT NULL,
  PRIMARY KEY (indicator, dim, month, code)
);

-- Every month the facts touched: `version` grows with each write of its facts (in the same transaction), and the
-- month counts as built only while `built_version` equals it.
CREATE TABLE indicator_month_state (
  month date PRIMARY KEY,
  version bigint NOT NULL DEFAULT 1,
  built_version bigint,
  built_at timestamptz
);
INSERT INTO indicator_month_state (month)
SELECT DISTINCT date_trunc('month', t AT TIME ZONE coalesce((SELECT time_zone FROM calendar_settings LIMIT 1),
                                                         'America/Sao_Paulo'))::date
  FROM demand_facts f, LATERAL (VALUES (f.opened_at), (f.closed_at), (f.first_answer_at)) AS i(t)
 WHERE t IS NOT NULL;

-- The map's cells of open demands at zooms 0–16 (a cell is a quarter of a tile's side, server/indicators/map.ts):
-- how many, how many late, and their points' sums in millionths of a degree (integers, so that adding and taking
-- away stays exact), kept by the same statement that writes the facts. Late means due before `late_as_of`, which
-- the facts job moves forward.
CREATE TABLE map_cells (
  zoom smallint NOT NULL,
  cx integer NOT NULL,
  cy integer NOT NULL,
  open integer NOT NULL,
  late integer NOT NULL,
  lon_sum bigint NOT NULL,
  lat_sum bigint NOT NULL,
  late_lon_sum bigint NOT NULL,
  late_lat_sum bigint NOT NULL,
  PRIMARY KEY (zoom, cx, cy)
);
CREATE TABLE map_cells_state (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  late_as_of timestamptz NOT NULL DEFAULT now()
);
INSERT INTO map_cells_state DEFAULT VALUES;
INSERT INTO map_cells (zoom, cx, cy, open, late, lon_sum, lat_sum, late_lon_sum, late_lat_sum)
SELECT z, floor(f.lon / (360.0 / 2 ^ z / 4))::int, floor(f.lat / (360.0 / 2 ^ z / 4))::int, count(*),
       count(*) FILTER (WHERE f.due_at < s.late_as_of),
       sum(round(f.lon * 1e6))::bigint, sum(round(f.lat * 1e6))::bigint,
       coalesce(sum(round(f.lon * 1e6)) FILTER (WHERE f.due_at < s.late_as_of), 0)::bigint,
       coalesce(sum(round(f.lat * 1e6)) FILTER (WHERE f.due_at < s.late_as_of), 0)::bigint
  FROM demand_facts f CROSS JOIN generate_series(0, 16) AS z CROSS JOIN map_cells_state s
 WHERE f.status NOT IN ('closed', 'cancelled', 'merged') AND f.lon IS NOT NULL
 GROUP BY 1, 2, 3;

-- The open demands counted by the keys the backlog is filtered and grouped by (the `backlog` indicator reads these
-- instead of a million facts), kept by the same statement as the map's cells, late as of the same instant.
CREATE TABLE open_counts (
  department_id bigint,
  district_code text,
  subprefeitura_code text,
  service_id bigint NOT NULL,
  channel text NOT NULL,
  status text NOT NULL,
  open integer NOT NULL,
  late integer NOT NULL,
  -- The late ones' deadlines summed in seconds since the epoch: their mean days late as of any instant.
  late_due_sum bigint NOT NULL,
  UNIQUE NULLS NOT DISTINCT (department_id, district_code, subprefeitura_code, service_id, channel, status)
);
INSERT INTO open_counts (department_id, district_code, subprefeitura_code, service_id, channel, status, open, late,
                         late_due_sum)
SELECT f.department_id, f.district_code, f.subprefeitura_code, f.service_id, f.channel, f.status, count(*),
       count(*) FILTER (WHERE f.due_at < s.late_as_of),
       coalesce(sum(extract(epoch FROM f.due_at)::bigint) FILTER (WHERE f.due_at < s.late_as_of), 0)
  FROM demand_facts f CROSS JOIN map_cells_state s
 WHERE f.status NOT IN ('closed', 'cancelled', 'merged')
 GROUP BY 1, 2, 3, 4, 5, 6;
