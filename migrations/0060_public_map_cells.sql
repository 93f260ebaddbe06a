-- Issue 15: the public map kept as the staff map is (decision 0053). The map's cells get a second map, the public
-- one: the points open data publishes (rounded to the 0.001° grid) of the open demands not published only by
-- district; and the open counts say which demands are published only by district (a sensitive service or a
-- confidential demand, decision 0013), which the public map counts per district. Both are made again from the facts.

-- The facts' district_only as the catalogue says now (a service marked sensitive since its facts were written).
UPDATE demand_facts f SET district_only = (s.sensitive OR d.identity_mode = 'confidential')
  FROM services s, demands d
 WHERE s.id = f.service_id AND d.id = f.demand_id
   AND f.district_only <> (s.sensitive OR d.identity_mode = 'confidential');

DROP TABLE map_cells;
CREATE TABLE map_cells (
  public boolean NOT NULL,
  zoom smallint NOT NULL,
  cx integer NOT NULL,
  cy integer NOT NULL,
  open integer NOT NULL,
  late integer NOT NULL,
  lon_sum bigint NOT NULL,
  lat_sum bigint NOT NULL,
  late_lon_sum bigint NOT NULL,
  late_lat_sum bigint NOT NULL,
  PRIMARY KEY (public, zoom, cx, cy)
);
UPDATE map_cells_state SET late_as_of = now();
INSERT INTO map_cells (public, zoom, cx, cy, open, late, lon_sum, lat_sum, late_lon_sum, late_lat_sum)
SELECT p.public, z, floor(p.lon / (360.0 / 2 ^ z / 4))::int, floor(p.lat / (360.0 / 2 ^ z / 4))::int, count(*),
       count(*) FILTER (WHERE f.due_at < s.late_as_of),
       sum(round(p.lon * 1e6))::bigint, sum(round(p.lat * 1e6))::bigint,
       coalesce(sum(round(p.lon * 1e6)) FILTER (WHERE f.due_at < s.late_as_of), 0)::bigint,
       coalesce(sum(round(p.lat * 1e6)) FILTER (WHERE f.due_at < s.late_as_of), 0)::bigint
  FROM demand_facts f
       CROSS JOIN LATERAL (VALUES (false, f.lon, f.lat),
                                  (true, round(f.lon::numeric, 3)::float8, round(f.lat::numeric, 3)::float8))
                          AS p(public, lon, lat)
       CROSS JOIN generate_series(0, 16) AS z CROSS JOIN map_cells_state s
 WHERE f.status NOT IN ('closed', 'cancelled', 'merged') AND f.lon IS NOT NULL
   AND (NOT p.public OR NOT f.district_only)
 GROUP BY 1, 2, 3, 4;

DROP TABLE open_counts;
CREATE TABLE open_counts (
  department_id bigint,
  district_code text,
  subprefeitura_code text,
  service_id bigint NOT NULL,
  channel text NOT NULL,
  status text NOT NULL,
  -- Published only by district: the public map counts these per district, never at a point.
  district_only boolean NOT NULL,
  open integer NOT NULL,
  late integer NOT NULL,
  -- The late ones' deadlines summed in seconds since the epoch: their mean days late as of any instant.
  late_due_sum bigint NOT NULL,
  UNIQUE NULLS NOT DISTINCT (department_id, district_code, subprefeitura_code, service_id, channel, status,
                             district_only)
);
INSERT INTO open_counts (department_id, district_code, subprefeitura_code, service_id, channel, status, district_only,
                         open, late, late_due_sum)
SELECT f.department_id, f.district_code, f.subprefeitura_code, f.service_id, f.channel, f.status, f.district_only,
       count(*), count(*) FILTER (WHERE f.due_at < s.late_as_of),
       coalesce(sum(extract(epoch FROM f.due_at)::bigint) FILTER (WHERE f.due_at < s.late_as_of), 0)
  FROM demand_facts f CROSS JOIN map_cells_state s
 WHERE f.status NOT IN ('closed', 'cancelled', 'merged')
 GROUP BY 1, 2, 3, 4, 5, 6, 7;
-- The public map's district counts read these few rows.
CREATE INDEX open_counts_district_only_idx ON open_counts (district_code) WHERE district_only;
