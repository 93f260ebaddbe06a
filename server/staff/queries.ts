/** Reads of the staff concept. */
import { maybeOne, type Sql } from "../db/index.ts";
import type { StaffRow } from "./present.ts";

const SELECT_STAFF = `
  SELECT u.id, u.email, u.name, u.role, u.department_id, d.code AS department_code, u.active, u.created_at
    FROM staff_users u LEFT JOIN departments d ON d.id = u.department_id`;

/** Every staff account, ordered by name. */
export function listStaff(sql: Sql): Promise<StaffRow[]> {
  return sql.query<StaffRow>(`${SELECT_STAFF} ORDER BY u.name, u.id`);
}

/** One staff account by id, or undefined. */
export function findStaffById(sql: Sql, id: number): Promise<StaffRow | undefined> {
  return maybeOne<StaffRow>(sql, `${SELECT_STAFF} WHERE u.id = $1`, [id]);
}
