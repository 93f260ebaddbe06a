-- The responsibility matrix's defaults (decision 0025): a rule may send a service to the subprefeitura of the
-- demand's point (one rule instead of one per subprefeitura), and every rule says where it came from, so the seed
-- never overwrites what an administrator decided and the administration shows which rules are learned defaults.

ALTER TABLE responsibility_rules
  -- true: the department is the point's subprefeitura's own department (departments.subprefeitura_code);
  -- department_id is where the demand goes when it has no point or that subprefeitura has no active department.
  ADD COLUMN to_subprefeitura boolean NOT NULL DEFAULT false,
  -- Who wrote the rule: an administrator, or the seed from the city's history (records of who handled each
  -- service), the catalogue's observed department, the place-bound default, the service group's default, or the
  -- fallback.
  ADD COLUMN origin text NOT NULL DEFAULT 'admin'
    CHECK (origin IN ('admin', 'history', 'catalogue', 'subprefeitura_default', 'group_default', 'seed'));

-- Rules written before this migration: those an administrator created or replaced (the audit log says so) stay
-- 'admin'; the others were seeded.
UPDATE responsibility_rules r SET origin = 'seed'
 WHERE NOT EXISTS (SELECT 1 FROM audit_log a
                    WHERE a.entity_type = 'matrix_rule' AND a.entity_id = r.id::text
                      AND a.action IN ('matrix_rule.created', 'matrix_rule.replaced'));

-- The matrix's answer (same signature as migration 0012, which intake and resolveDepartment() call): the most
-- specific rule whose department is active wins (service + district, service + subprefeitura, service city-wide,
-- then the rules for any service in the same order). A rule to the point's subprefeitura answers with that
-- subprefeitura's active department, else with its own department.
CREATE OR REPLACE FUNCTION resolve_department(service bigint, district text, subprefeitura text)
RETURNS TABLE (department_id bigint, rule_id bigint)
LANGUAGE sql STABLE AS $$
  WITH area AS (
    SELECT coalesce(subprefeitura, (SELECT x.subprefeitura_code FROM districts x WHERE x.code = district)) AS sub
  ),
  candidates AS (
    SELECT r.id, r.service_id, r.area_kind,
           coalesce(
             CASE WHEN r.to_subprefeitura THEN
               (SELECT s.id FROM departments s
                 WHERE s.subprefeitura_code = a.sub AND s.active
                 ORDER BY s.kind <> 'subprefeitura', s.id LIMIT 1)
             END,
             (SELECT d.id FROM departments d WHERE d.id = r.department_id AND d.active)) AS department
      FROM responsibility_rules r, area a
     WHERE (r.service_id = service OR r.service_id IS NULL)
       AND (r.area_kind = 'city'
            OR (r.area_kind = 'district' AND r.area_code = district)
            OR (r.area_kind = 'subprefeitura' AND r.area_code = a.sub))
  )
  SELECT c.department, c.id
    FROM candidates c
   WHERE c.department IS NOT NULL
   ORDER BY c.service_id IS NULL,
            CASE c.area_kind WHEN 'district' THEN 0 WHEN 'subprefeitura' THEN 1 ELSE 2 END
   LIMIT 1
$$;
