/**
 * The summaries kept beside the facts (decision 0053, migration 0059): the map's cells and the open counts, changed
 * by the statement that writes the facts (facts.ts) and by the lateness step of the facts job; made again from the
 * facts after a bulk load or a restore.
 */
import type { Db, Sql } from "../db/index.ts";

/** Open (definitions.ts's OPEN over a row alias `x`). */
export const openAt = (x: string) => `${x}.status NOT IN ('closed', 'cancelled', 'merged')`;
/** Open and placed, as the map's cells count it. */
export const openOf = (x: string) => `${openAt(x)} AND ${x}.lon IS NOT NULL`;

/**
 * The open counts (migration 0059) changed by a set of signed facts `kept(department_id, district_code,
 * subprefeitura_code, service_id, channel, status, due_at, sign)`; late as the map's cells count it.
 */
export const OPEN_COUNT_DELTA = `
  INSERT INTO open_counts AS c (department_id, district_code, subprefeitura_code, service_id, channel, status, open, late,
                                late_due_sum)
  SELECT k.department_id, k.district_code, k.subprefeitura_code, k.service_id, k.channel, k.status, sum(k.sign),
         coalesce(sum(k.sign) FILTER (WHERE k.due_at < st.late_as_of), 0),
         coalesce(sum(k.sign * extract(epoch FROM k.due_at)::bigint) FILTER (WHERE k.due_at < st.late_as_of), 0)
    FROM kept k CROSS JOIN map_cells_state st
   GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (department_id, district_code, subprefeitura_code, service_id, channel, status)
  DO UPDATE SET open = c.open + EXCLUDED.open, late = c.late + EXCLUDED.late,
     late_due_sum = c.late_due_sum + EXCLUDED.late_due_sum`;
export const KEPT_COLUMNS =
  "department_id, district_code, subprefeitura_code, service_id, channel, status, due_at";

/**
 * The map's cells (migration 0059) changed by a set of signed points `delta(lon, lat, due_at, sign)`: one row per
 * zoom 0–16 and cell, the sums in millionths of a degree; late means due before map_cells_state.late_as_of.
 */
export const MAP_CELL_DELTA = `
  INSERT INTO map_cells AS c (zoom, cx, cy, open, late, lon_sum, lat_sum, late_lon_sum, late_lat_sum)
  SELECT z, floor(d.lon / (360.0 / 2 ^ z / 4))::int, floor(d.lat / (360.0 / 2 ^ z / 4))::int, sum(d.sign),
         coalesce(sum(d.sign) FILTER (WHERE d.due_at < st.late_as_of), 0),
         sum(d.sign * round(d.lon * 1e6))::bigint, sum(d.sign * round(d.lat * 1e6))::bigint,
         coalesce(sum(d.sign * round(d.lon * 1e6)) FILTER (WHERE d.due_at < st.late_as_of), 0)::bigint,
         coalesce(sum(d.sign * round(d.lat * 1e6)) FILTER (WHERE d.due_at < st.late_as_of), 0)::bigint
    FROM delta d CROSS JOIN generate_series(0, 16) AS z CROSS JOIN map_cells_state st
   GROUP BY 1, 2, 3
  ON CONFLICT (zoom, cx, cy) DO UPDATE SET open = c.open + EXCLUDED.open, late = c.late + EXCLUDED.late,
     lon_sum = c.lon_sum + EXCLUDED.lon_sum, lat_sum = c.lat_sum + EXCLUDED.lat_sum,
     late_lon_sum = c.late_lon_sum + EXCLUDED.late_lon_sum, late_lat_sum = c.late_lat_sum + EXCLUDED.late_lat_sum`;

/**
 * Moves the map's lateness forward to now: the open demands whose deadline passed since the last step become late
 * in their cells. Runs under the facts cursor's lock, after the facts it wrote.
 */
export async function advanceMapLateness(sql: Sql): Promise<void> {
  // The instant read first and bound as a value, so both reads below are range scans of the open demands' deadlines.
  const [state] = await sql.query<{ late_as_of: Date; now: Date }>(
    "SELECT late_as_of, now() AS now FROM map_cells_state FOR UPDATE",
  );
  if (!state) throw new Error("map_cells_state has no row: run the migrations");
  await sql.query(
    `WITH delta AS (
       SELECT f.lon, f.lat FROM demand_facts f
        WHERE ${openOf("f")} AND f.due_at >= $1::timestamptz AND f.due_at < $2::timestamptz),
     cells AS (
       INSERT INTO map_cells AS c (zoom, cx, cy, open, late, lon_sum, lat_sum, late_lon_sum, late_lat_sum)
       SELECT z, floor(d.lon / (360.0 / 2 ^ z / 4))::int, floor(d.lat / (360.0 / 2 ^ z / 4))::int, 0, count(*),
              0, 0, sum(round(d.lon * 1e6))::bigint, sum(round(d.lat * 1e6))::bigint
         FROM delta d CROSS JOIN generate_series(0, 16) AS z
        GROUP BY 1, 2, 3
       ON CONFLICT (zoom, cx, cy) DO UPDATE SET late = c.late + EXCLUDED.late,
          late_lon_sum = c.late_lon_sum + EXCLUDED.late_lon_sum, late_lat_sum = c.late_lat_sum + EXCLUDED.late_lat_sum
       RETURNING 1),
     counts AS (
       INSERT INTO open_counts AS c (department_id, district_code, subprefeitura_code, service_id, channel, status,
                                     open, late, late_due_sum)
       SELECT f.department_id, f.district_code, f.subprefeitura_code, f.service_id, f.channel, f.status, 0, count(*),
              sum(extract(epoch FROM f.due_at)::bigint)
         FROM demand_facts f
        WHERE ${openAt("f")} AND f.due_at >= $1::timestamptz AND f.due_at < $2::timestamptz
        GROUP BY 1, 2, 3, 4, 5, 6
       ON CONFLICT (department_id, district_code, subprefeitura_code, service_id, channel, status)
       DO UPDATE SET late = c.late + EXCLUDED.late, late_due_sum = c.late_due_sum + EXCLUDED.late_due_sum
       RETURNING 1)
     UPDATE map_cells_state SET late_as_of = greatest(late_as_of, $2::timestamptz)
      WHERE (SELECT count(*) FROM cells) + (SELECT count(*) FROM counts) >= 0`,
    [state.late_as_of, state.now],
  );
}

/**
 * Makes the map's cells and the open counts again from the facts (after a bulk load or a restore; the migration does it once): every
 * open placed demand counted at zooms 0–16, late as of now. Under the facts cursor's lock, so no write interleaves.
 */
export async function rebuildMapCells(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query("SELECT 1 FROM indicator_cursor FOR UPDATE");
    await tx.query("DELETE FROM map_cells");
    await tx.query("DELETE FROM open_counts");
    await tx.query("UPDATE map_cells_state SET late_as_of = now()");
    await tx.query(
      `WITH delta AS (SELECT f.lon, f.lat, f.due_at, 1 AS sign FROM demand_facts f WHERE ${openOf("f")})
       ${MAP_CELL_DELTA}`,
    );
    await tx.query(
      `WITH kept AS (SELECT ${KEPT_COLUMNS}, 1 AS sign FROM demand_facts f WHERE ${openAt("f")})
       ${OPEN_COUNT_DELTA}`,
    );
  });
}
