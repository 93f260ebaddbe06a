-- pgbench profile of the intake benchmark: the one statement createDemand (server/demands/commands.ts,
-- INSERT_AT_POINT) sends for an anonymous demand at a point — placement, matrix, protocol number, demand row,
-- timeline event and outbox row together — with no Node.js around it. The app looks the service up from a cache,
-- so the script does too: by code, inside the statement. Its rate is what the database alone could take; the gap
-- to the HTTP figure is the application's. Needs -D service=CODE, unquoted: the harness runs pgbench with
-- -M prepared, where variables are bound parameters. The points fall in central São Paulo.
\set lat -23.58 + random(0, 60000) / 1000000.0
\set lon -46.68 + random(0, 60000) / 1000000.0
WITH p AS (
       SELECT ST_SetSRID(ST_MakePoint(:lon::float8, :lat::float8), 4326) AS geom, pp.district_code,
              pp.subprefeitura_code, pp.block_id, r.department_id, r.rule_id,
              (SELECT id FROM services WHERE code = :service) AS service_id
         FROM place_point(:lon::float8, :lat::float8) pp
         LEFT JOIN LATERAL resolve_department((SELECT id FROM services WHERE code = :service), pp.district_code,
                                              pp.subprefeitura_code) r ON true),
     d AS (
       INSERT INTO demands (protocol, service_id, channel, description, identity_mode, citizen_id, location,
         address, district_code, subprefeitura_code, block_id, department_id, attributes, secret_hash)
       SELECT next_protocol(), p.service_id, 'web', 'Buraco na calçada em frente ao número 120, bench', 'anonymous',
              NULL, p.geom, NULL, p.district_code, p.subprefeitura_code, p.block_id, p.department_id, '{}',
              md5(random()::text)
         FROM p
       RETURNING id, protocol, opened_at, district_code),
     e AS (
       INSERT INTO demand_events (demand_id, type, actor_kind, actor_id, visibility, data)
       SELECT d.id, 'demand.created', 'citizen', NULL, 'public',
              '{"channel":"web"}'::jsonb || jsonb_build_object('departmentRuleId', p.rule_id)
         FROM d, p),
     r AS (
       INSERT INTO outbox (job, payload) SELECT 'route-demand', jsonb_build_object('demandId', id) FROM d)
SELECT id, protocol, opened_at, district_code FROM d;
