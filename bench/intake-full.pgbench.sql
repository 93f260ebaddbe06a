-- pgbench profile of the intake benchmark: the statements createDemand (server/demands/commands.ts) sends for one
-- anonymous demand at a point, in the same order and transaction, with no Node.js in between. Its rate is what the
-- database alone could take; the gap to the HTTP figure is the application's. Needs -D service=CODE.
\set lat -23.58 + random(0, 60000) / 1000000.0
\set lon -46.68 + random(0, 60000) / 1000000.0
SELECT s.id AS service_id, s.code, s.group_id, g.code AS group_code, p.id AS root_group_id,
       p.code AS root_group_code, s.name, s.description, s.keywords, s.demand_type, s.location_required,
       s.anonymous_allowed, s.attributes, s.deadline_amount, s.deadline_unit, s.priority, s.requirements,
       s.channels, s.active
  FROM services s
  JOIN service_groups g ON g.id = s.group_id
  LEFT JOIN service_groups p ON p.id = g.parent_id
 WHERE s.code = :service \gset
WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(:lon::float8, :lat::float8), 4326) AS geom)
-- Outer joins and coalesce so that the rare random point in no district still gives one row (pgbench needs it).
SELECT coalesce(d.code, '') AS district_code, coalesce(d.name, '') AS district_name,
       coalesce(s.code, '') AS subprefeitura_code, coalesce(s.name, '') AS subprefeitura_name,
       coalesce((SELECT b.id FROM blocks b WHERE ST_Intersects(b.geom, pt.geom) LIMIT 1), 0) AS block_id
  FROM pt
  LEFT JOIN districts d ON ST_Intersects(d.geom, pt.geom)
  LEFT JOIN subprefeituras s ON s.code = d.subprefeitura_code
 LIMIT 1 \gset
BEGIN;
SELECT nextval('protocol_seq') AS serial \gset
SELECT extract(year FROM now() AT TIME ZONE 'America/Sao_Paulo')::int AS year \gset
SELECT coalesce((SELECT r.department_id
   FROM responsibility_rules r
   JOIN departments d ON d.id = r.department_id AND d.active
  WHERE (r.service_id = :service_id::bigint OR r.service_id IS NULL)
    AND (r.area_kind = 'city'
         OR (r.area_kind = 'district' AND r.area_code = :district_code::text)
         OR (r.area_kind = 'subprefeitura' AND r.area_code = coalesce(
               :subprefeitura_code::text,
               (SELECT x.subprefeitura_code FROM districts x WHERE x.code = :district_code::text))))
  ORDER BY r.service_id IS NULL,
           CASE r.area_kind WHEN 'district' THEN 0 WHEN 'subprefeitura' THEN 1 ELSE 2 END
  LIMIT 1), 0) AS department_id \gset
INSERT INTO demands (protocol, service_id, channel, description, identity_mode, citizen_id, location, address,
  district_code, subprefeitura_code, block_id, department_id, attributes, secret_hash)
VALUES ('9' || :year || lpad(:serial::text, 8, '0'), :service_id, 'web',
  'Buraco na calçada em frente ao número 120, bench', 'anonymous', NULL,
  ST_SetSRID(ST_MakePoint(:lon::float8, :lat::float8), 4326), NULL, nullif(:district_code, ''),
  nullif(:subprefeitura_code, ''),
  nullif(:block_id, 0), nullif(:department_id, 0), '{}', md5(:serial::text))
RETURNING id AS demand_id, opened_at \gset
INSERT INTO demand_events (demand_id, type, actor_kind, actor_id, visibility, data)
VALUES (:demand_id, 'demand.created', 'citizen', NULL, 'public', '{"channel":"web"}');
INSERT INTO outbox (job, payload) VALUES ('route-demand', json_build_object('demandId', :demand_id::bigint)::jsonb);
END;
