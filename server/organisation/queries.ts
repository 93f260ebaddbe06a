/** Reads of the organisation concept: departments, the responsibility matrix, and which department answers. */
import { maybeOne, type Sql } from "../db/index.ts";
import { decodeCursor, pageOf } from "../http/pagination.ts";
import type { AreaKind, DepartmentKind, DepartmentListQuery, RuleOrigin } from "./schemas.ts";

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
  /** The department is the point's subprefeitura's own (departmentCode where the point has none). */
  toSubprefeitura: boolean;
  origin: RuleOrigin;
  updatedAt: string;
}

const SELECT_DEPARTMENT = `
  SELECT d.id, d.code, d.name, d.kind, d.subprefeitura_code AS "subprefeituraCode", d.email, d.active,
         ARRAY(SELECT t.name FROM teams t WHERE t.department_id = d.id ORDER BY t.name) AS teams
    FROM departments d`;

/** A page of departments by code, subprefeituras last (keyset: that order as 0/1, code). */
export async function listDepartments(
  sql: Sql,
  query: DepartmentListQuery,
): Promise<{ rows: Department[]; next: string | null }> {
  const after = decodeCursor(query.cursor, ["number", "string"]);
  const rows = await sql.query<Department & { sort_key: number }>(
    `SELECT * FROM (${SELECT_DEPARTMENT.replace("SELECT d.id,", "SELECT (d.kind = 'subprefeitura')::int AS sort_key, d.id,")}) d
      WHERE $1::int IS NULL OR (d.sort_key, d.code) > ($1::int, $2::text)
      ORDER BY d.sort_key, d.code LIMIT $3`,
    [after?.[0] ?? null, after?.[1] ?? null, query.limit + 1],
  );
  return pageOf(rows, query.limit, (r) => [r.sort_key, r.code]);
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
         r.to_subprefeitura AS "toSubprefeitura", r.origin,
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

/** An active service no rule of its own names: its demands go to the fallback desk. */
export interface UncoveredService {
  code: string;
  name: Record<string, string>;
  groupName: Record<string, string>;
  locationRequired: boolean;
  /** Its demands ever filed, and those filed in the last 30 days. */
  demands: number;
  recentDemands: number;
}

/** The active services without a rule of their own, those with most demands first. */
export function listUncoveredServices(sql: Sql): Promise<UncoveredService[]> {
  return sql.query<UncoveredService>(
    `SELECT s.code, s.name, g.name AS "groupName", s.location_required AS "locationRequired",
            coalesce(n.total, 0)::int AS demands, coalesce(n.recent, 0)::int AS "recentDemands"
       FROM services s
       JOIN service_groups g ON g.id = s.group_id
       LEFT JOIN LATERAL (
         SELECT count(*) AS total, count(*) FILTER (WHERE d.opened_at > now() - interval '30 days') AS recent
           FROM demands d WHERE d.service_id = s.id) n ON true
      WHERE s.active AND NOT EXISTS (SELECT 1 FROM responsibility_rules r WHERE r.service_id = s.id)
      ORDER BY coalesce(n.total, 0) DESC, s.name->>'pt-BR', s.code`,
  );
}

/** True when the department is where a fallback rule (any service, whole city) sends demands: a triage desk. */
export async function isTriageDesk(sql: Sql, departmentId: number): Promise<boolean> {
  const row = await maybeOne<{ desk: boolean }>(sql, `SELECT ${TRIAGE_DESK_SQL("$1::bigint")} AS desk`, [
    departmentId,
  ]);
  return row?.desk === true;
}

/**
 * SQL true when the department `departmentId` is a triage desk: the city-wide fallback. `departmentId` is a
 * parameter or a column qualified by its table's alias (an unqualified `id` would name the rule's own).
 */
export const TRIAGE_DESK_SQL = (departmentId: string) =>
  `EXISTS (SELECT 1 FROM responsibility_rules desk
            WHERE desk.service_id IS NULL AND desk.area_kind = 'city' AND desk.department_id = ${departmentId})`;
