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
 * The open counts (migrations 0059, 0060) changed by a set of signed facts `kept(department_id, district_code,
 * subprefeitura_code, service_id, channel, status, district_only, due_at, sign)`; late as the map's cells count it.
 */
export const OPEN_COUNT_DELTA = `
  INSERT INTO open_counts AS c (department_id, district_code, subprefeitura_code, service_id, channel, status,
                                district_only, open, late, late_due_sum)
  SELECT k.department_id, k.district_code, k.subprefeitura_code, k.service_id, k.channel, k.status, k.district_only,
         sum(k.sign), coalesce(sum(k.sign) FILTER (WHERE k.due_at < st.late_as_of), 0),
         coalesce(sum(k.sign * extract(epoch FROM k.due_at)::bigint) FILTER (WHERE k.due_at < st.late_as_of), 0)
    FROM kept k CROSS JOIN map_cells_state st
   GROUP BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT (tenant_id, department_id, district_code, subprefeitura_code, service_id, channel, status, district_only)
  DO UPDATE SET open = c.open + EXCLUDED.open, late = c.late + EXCLUDED.late,
     late_due_sum = c.late_due_sum + EXCLUDED.late_due_sum`;

/** The open counts' keys and deadline of a fact row `x` (its district_only as given, by default its own). */
export const keptOf = (x: string, districtOnly = `${x}.district_only`) =>
  `${x}.department_id, ${x}.district_code, ${x}.subprefeitura_code, ${x}.service_id, ${x}.channel, ${x}.status,
   ${districtOnly} AS district_only, ${x}.due_at`;

/**
 * The points a fact row `x` puts on the maps, as `p(public, lon, lat)`: its own on the staff map's cells and, unless
 * it is published only by district (a sensitive service or a confidential demand, decision 0013), the one open data
 * publishes on the public map's cells — rounded to the grid (0.001°, halves away from zero as record.ts's
 * `roundToGrid` and SQL's round do). Used with `onMaps(x)`.
 */
export const pointsOf = (x: string) =>
  `CROSS JOIN LATERAL (VALUES (false, ${x}.lon, ${x}.lat),
     (true, round(${x}.lon::numeric, 3)::float8, round(${x}.lat::numeric, 3)::float8)) AS p(public, lon, lat)`;
export const onMaps = (x: string) => `${openOf(x)} AND (NOT p.public OR NOT ${x}.district_only)`;

/**
 * The map's cells (migrations 0059, 0060) changed by a set of signed points `delta(public, lon, lat, due_at, sign)`:
 * one row per map (the staff's, the public's), zoom 0–16 and cell, the sums in millionths of a degree; late means
 * due before map_cells_state.late_as_of.
 */
export const MAP_CELL_DELTA = `
  INSERT INTO map_cells AS c (public, zoom, cx, cy, open, late, lon_sum, lat_sum, late_lon_sum, late_lat_sum)
  SELECT d.public, z, floor(d.lon / (360.0 / 2 ^ z / 4))::int, floor(d.lat / (360.0 / 2 ^ z / 4))::int, sum(d.sign),
         coalesce(sum(d.sign) FILTER (WHERE d.due_at < st.late_as_of), 0),
         sum(d.sign * round(d.lon * 1e6))::bigint, sum(d.sign * round(d.lat * 1e6))::bigint,
         coalesce(sum(d.sign * round(d.lon * 1e6)) FILTER (WHERE d.due_at < st.late_as_of), 0)::bigint,
         coalesce(sum(d.sign * round(d.lat * 1e6)) FILTER (WHERE d.due_at < st.late_as_of), 0)::bigint
    FROM delta d CROSS JOIN generate_series(0, 16) AS z CROSS JOIN map_cells_state st
   GROUP BY 1, 2, 3, 4
  ON CONFLICT (tenant_id, public, zoom, cx, cy) DO UPDATE SET open = c.open + EXCLUDED.open, late = c.late + EXCLUDED.late,
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
       SELECT p.public, p.lon, p.lat FROM demand_facts f ${pointsOf("f")}
        WHERE ${onMaps("f")} AND f.due_at >= $1::timestamptz AND f.due_at < $2::timestamptz),
     cells AS (
       INSERT INTO map_cells AS c (public, zoom, cx, cy, open, late, lon_sum, lat_sum, late_lon_sum, late_lat_sum)
       SELECT d.public, z, floor(d.lon / (360.0 / 2 ^ z / 4))::int, floor(d.lat / (360.0 / 2 ^ z / 4))::int, 0,
              count(*), 0, 0, sum(round(d.lon * 1e6))::bigint, sum(round(d.lat * 1e6))::bigint
         FROM delta d CROSS JOIN generate_series(0, 16) AS z
        GROUP BY 1, 2, 3, 4
       ON CONFLICT (tenant_id, public, zoom, cx, cy) DO UPDATE SET late = c.late + EXCLUDED.late,
          late_lon_sum = c.late_lon_sum + EXCLUDED.late_lon_sum, late_lat_sum = c.late_lat_sum + EXCLUDED.late_lat_sum
       RETURNING 1),
     counts AS (
       INSERT INTO open_counts AS c (department_id, district_code, subprefeitura_code, service_id, channel, status,
                                     district_only, open, late, late_due_sum)
       SELECT f.department_id, f.district_code, f.subprefeitura_code, f.service_id, f.channel, f.status,
              f.district_only, 0, count(*), sum(extract(epoch FROM f.due_at)::bigint)
         FROM demand_facts f
        WHERE ${openAt("f")} AND f.due_at >= $1::timestamptz AND f.due_at < $2::timestamptz
        GROUP BY 1, 2, 3, 4, 5, 6, 7
       ON CONFLICT (tenant_id, department_id, district_code, subprefeitura_code, service_id, channel, status, district_only)
       DO UPDATE SET late = c.late + EXCLUDED.late, late_due_sum = c.late_due_sum + EXCLUDED.late_due_sum
       RETURNING 1)
     UPDATE map_cells_state SET late_as_of = greatest(late_as_of, $2::timestamptz)
      WHERE (SELECT count(*) FROM cells) + (SELECT count(*) FROM counts) >= 0`,
    [state.late_as_of, state.now],
  );
}

/**
 * Makes the map's cells and the open counts again from the facts (after a bulk load or a restore; the migrations
 * do it once): every open placed demand counted at zooms 0–16 on both maps, late as of now. Under the facts cursor's lock, so no write interleaves.
 */
export async function rebuildMapCells(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query("SELECT 1 FROM indicator_cursor FOR UPDATE");
    await tx.query("DELETE FROM map_cells");
    await tx.query("DELETE FROM open_counts");
    await tx.query("UPDATE map_cells_state SET late_as_of = now()");
    await tx.query(
      `WITH delta AS (SELECT p.public, p.lon, p.lat, f.due_at, 1 AS sign FROM demand_facts f ${pointsOf("f")}
                       WHERE ${onMaps("f")})
       ${MAP_CELL_DELTA}`,
    );
    await tx.query(
      `WITH kept AS (SELECT ${keptOf("f")}, 1 AS sign FROM demand_facts f WHERE ${openAt("f")})
       ${OPEN_COUNT_DELTA}`,
    );
  });
}

/**
 * Brings the facts' `district_only` of these services' demands in line with the catalogue (a service marked
 * sensitive, or no longer), with what it moves on the public map's cells and in the open counts, in the caller's
 * transaction: called by whatever changes `services.sensitive`, so that a demand of a service just made sensitive is
 * off the public map's points when that change commits. Takes the facts cursor's lock, as every facts write does.
 */
export async function reclassifyDistrictOnly(sql: Sql, serviceIds: readonly number[]): Promise<void> {
  if (serviceIds.length === 0) return;
  await sql.query("SELECT 1 FROM indicator_cursor FOR UPDATE");
  await sql.query(
    `WITH changed AS (
       UPDATE demand_facts f SET district_only = NOT f.district_only, updated_at = now()
         FROM services s, demands d
        WHERE f.service_id = ANY($1::bigint[]) AND s.id = f.service_id AND d.id = f.demand_id
          AND f.district_only <> (s.sensitive OR d.identity_mode = 'confidential')
       RETURNING f.*),
     delta AS (
       SELECT p.public, p.lon, p.lat, c.due_at, CASE WHEN c.district_only THEN -1 ELSE 1 END AS sign
         FROM changed c ${pointsOf("c")}
        WHERE ${openOf("c")} AND p.public),
     cells AS (${MAP_CELL_DELTA} RETURNING 1),
     kept AS (
       SELECT ${keptOf("c")}, 1 AS sign FROM changed c WHERE ${openAt("c")}
       UNION ALL
       SELECT ${keptOf("c", "NOT c.district_only")}, -1 FROM changed c WHERE ${openAt("c")}),
     counts AS (${OPEN_COUNT_DELTA} RETURNING 1)
     SELECT (SELECT count(*) FROM cells) + (SELECT count(*) FROM counts) AS n`,
    [serviceIds],
  );
}
