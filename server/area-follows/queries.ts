/** Reads of follows: one by id, and those of a signed-in citizen, in the shape `present.ts` turns into views. */
import type { Sql } from "../db/index.ts";
import { maybeOne } from "../db/index.ts";

/** A follow as read for its views. */
export interface AreaFollowRow {
  id: number;
  district_code: string | null;
  district_name: string | null;
  lat: number | null;
  lon: number | null;
  radius_m: number | null;
  confirmed_at: Date | null;
  stopped_at: Date | null;
  created_at: Date;
  last_digest_at: Date | null;
}

const COLUMNS = `f.id, f.district_code, di.name AS district_name, ST_Y(f.point) AS lat, ST_X(f.point) AS lon,
  f.radius_m, f.confirmed_at, f.stopped_at, f.created_at, f.last_digest_at`;

/** One follow by id, or undefined. */
export function findAreaFollow(sql: Sql, id: number): Promise<AreaFollowRow | undefined> {
  return maybeOne<AreaFollowRow>(
    sql,
    `SELECT ${COLUMNS} FROM area_follows f LEFT JOIN districts di ON di.code = f.district_code WHERE f.id = $1`,
    [id],
  );
}

/**
 * The follows of a signed-in citizen that have not stopped: those made signed in, and those made by e-mail alone
 * with the address they proved. Newest first.
 */
export function citizenAreaFollows(
  sql: Sql,
  citizenId: number,
  email: string | null,
): Promise<AreaFollowRow[]> {
  return sql.query<AreaFollowRow>(
    `SELECT ${COLUMNS} FROM area_follows f LEFT JOIN districts di ON di.code = f.district_code
      WHERE (f.citizen_id = $1 OR f.email = $2) AND f.stopped_at IS NULL
      ORDER BY f.id DESC`,
    [citizenId, email],
  );
}
