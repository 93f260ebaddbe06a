/** Reads of the staff concept. */
import { maybeOne, type Sql } from "../db/index.ts";
import { decodeCursor, pageOf } from "../http/pagination.ts";
import type { StaffRow } from "./present.ts";
import type { StaffListQuery } from "./schemas.ts";

const SELECT_STAFF = `
  SELECT u.id, u.email, u.name, u.role, u.department_id, d.code AS department_code, u.active, u.created_at
    FROM staff_users u LEFT JOIN departments d ON d.id = u.department_id`;

/** A page of staff accounts, ordered by name (keyset: name, id). */
export async function listStaff(
  sql: Sql,
  query: StaffListQuery,
): Promise<{ rows: StaffRow[]; next: string | null }> {
  const after = decodeCursor(query.cursor, ["string", "number"]);
  const rows = await sql.query<StaffRow>(
    `${SELECT_STAFF} WHERE $1::text IS NULL OR (u.name, u.id) > ($1::text, $2::bigint) ORDER BY u.name, u.id LIMIT $3`,
    [after?.[0] ?? null, after?.[1] ?? null, query.limit + 1],
  );
  return pageOf(rows, query.limit, (r) => [r.name, r.id]);
}

/** One staff account by id, or undefined. */
export function findStaffById(sql: Sql, id: number): Promise<StaffRow | undefined> {
  return maybeOne<StaffRow>(sql, `${SELECT_STAFF} WHERE u.id = $1`, [id]);
}
