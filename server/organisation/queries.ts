/** Reads of the organisation concept: departments, the responsibility matrix, and which department answers. */
import { maybeOne, type Sql } from "../db/index.ts";
import type { AreaKind, DepartmentKind } from "./schemas.ts";

/** A department with the names of its teams. */
export interface Department {
  id: number;
  code: string;
  name: string;
  kind: DepartmentKind;
  subprefeituraCode: string | null;
  email: string | null;
  active: boolean;
  teams: string[];
}

/** One rule of the matrix with the codes it refers to. */
export interface Rule {
  id: number;
  serviceId: number | null;
  serviceCode: string | null;
  /** The service's name per locale (null for a rule of any service). */
  serviceName: Record<string, string> | null;
  areaKind: AreaKind;
  areaCode: string | null;
  departmentId: number;
  departmentCode: string;
  updatedAt: string;
}

const SELECT_DEPARTMENT = `
  SELECT d.id, d.code, d.name, d.kind, d.subprefeitura_code AS "subprefeituraCode", d.email, d.active,
         ARRAY(SELECT t.name FROM teams t WHERE t.department_id = d.id ORDER BY t.name) AS teams
    FROM departments d`;

/** Every department, by code. */
export function listDepartments(sql: Sql): Promise<Department[]> {
  return sql.query<Department>(`${SELECT_DEPARTMENT} ORDER BY d.kind = 'subprefeitura', d.code`);
}

/** One department by code; undefined when unknown. */
export function findDepartmentByCode(sql: Sql, code: string): Promise<Department | undefined> {
  return maybeOne<Department>(sql, `${SELECT_DEPARTMENT} WHERE d.code = $1`, [code]);
}

/** One department by id; undefined when unknown. */
export function findDepartmentById(sql: Sql, id: number): Promise<Department | undefined> {
  return maybeOne<Department>(sql, `${SELECT_DEPARTMENT} WHERE d.id = $1`, [id]);
}

const SELECT_RULE = `
  SELECT r.id, r.service_id AS "serviceId", s.code AS "serviceCode", s.name AS "serviceName", r.area_kind AS "areaKind",
         r.area_code AS "areaCode", r.department_id AS "departmentId", d.code AS "departmentCode",
         to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt"
    FROM responsibility_rules r
    JOIN departments d ON d.id = r.department_id
    LEFT JOIN services s ON s.id = r.service_id`;

/** The rules of the matrix, optionally of one service or one department, fallbacks last. */
export function listRules(
  sql: Sql,
  filter: { serviceCode?: string | undefined; departmentCode?: string | undefined } = {},
): Promise<Rule[]> {
  return sql.query<Rule>(
    `${SELECT_RULE}
      WHERE ($1::text IS NULL OR s.code = $1) AND ($2::text IS NULL OR d.code = $2)
      ORDER BY r.service_id IS NULL, s.code, r.area_kind, r.area_code, r.id`,
    [filter.serviceCode ?? null, filter.departmentCode ?? null],
  );
}

/** One rule by id; undefined when unknown. */
export function findRuleById(sql: Sql, id: number): Promise<Rule | undefined> {
  return maybeOne<Rule>(sql, `${SELECT_RULE} WHERE r.id = $1`, [id]);
}

/**
 * The department that answers a service in a place, and the rule that decided it. The most specific rule wins:
 * service + district, service + subprefeitura, service city-wide, then the rules for any service in the same order.
 * The subprefeitura is derived from the district when not given. Rules of inactive departments are skipped.
 */
export async function resolveDepartment(
  sql: Sql,
  where: { serviceId: number | null; districtCode?: string | null; subprefeituraCode?: string | null },
): Promise<{ departmentId: number; ruleId: number } | null> {
  const row = await maybeOne<{ departmentId: number; ruleId: number }>(
    sql,
    // The rule lives in the SQL function resolve_department (migration 0012), which intake also uses.
    `SELECT department_id AS "departmentId", rule_id AS "ruleId" FROM resolve_department($1::bigint, $2::text, $3::text)`,
    [where.serviceId, where.districtCode ?? null, where.subprefeituraCode ?? null],
  );
  return row ?? null;
}

/** True when an area of that kind and code exists (the city always does). */
export async function areaExists(sql: Sql, kind: AreaKind, code: string | null): Promise<boolean> {
  if (kind === "city") return code === null;
  const table = kind === "district" ? "districts" : "subprefeituras";
  const row = await maybeOne(sql, `SELECT 1 FROM ${table} WHERE code = $1`, [code]);
  return row !== undefined;
}
