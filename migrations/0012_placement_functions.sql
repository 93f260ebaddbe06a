-- Placement and routing as SQL functions, so intake can place a point and pick its department in one round trip
-- (SELECT … FROM place_point(…) LEFT JOIN LATERAL resolve_department(…)). placePoint() and resolveDepartment()
-- call the same functions: one definition of each rule.

-- The district, subprefeitura and fiscal block a point lies in; no row when it is outside every district.
CREATE FUNCTION place_point(lon float8, lat float8)
RETURNS TABLE (district_code text, district_name text, subprefeitura_code text, subprefeitura_name text, block_id bigint)
LANGUAGE sql STABLE AS $$
  WITH p AS (SELECT ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom)
  SELECT d.code, d.name, s.code, s.name,
         (SELECT b.id FROM blocks b WHERE ST_Intersects(b.geom, p.geom) LIMIT 1)
    FROM p
    JOIN districts d ON ST_Intersects(d.geom, p.geom)
    JOIN subprefeituras s ON s.code = d.subprefeitura_code
   LIMIT 1
$$;

-- The responsibility matrix's answer: the most specific rule of an active department wins (service + district,
-- service + subprefeitura, service city-wide, then the rules for any service in the same order). The subprefeitura
-- is derived from the district when not given.
CREATE FUNCTION resolve_department(service bigint, district text, subprefeitura text)
RETURNS TABLE (department_id bigint, rule_id bigint)
LANGUAGE sql STABLE AS $$
  SELECT r.department_id, r.id
    FROM responsibility_rules r
    JOIN departments d ON d.id = r.department_id AND d.active
   WHERE (r.service_id = service OR r.service_id IS NULL)
     AND (r.area_kind = 'city'
          OR (r.area_kind = 'district' AND r.area_code = district)
          OR (r.area_kind = 'subprefeitura' AND r.area_code = coalesce(
                subprefeitura, (SELECT x.subprefeitura_code FROM districts x WHERE x.code = district))))
   ORDER BY r.service_id IS NULL,
            CASE r.area_kind WHEN 'district' THEN 0 WHEN 'subprefeitura' THEN 1 ELSE 2 END
   LIMIT 1
$$;
