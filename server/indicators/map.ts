/**
 * The command centre's map of open demands: clusters made on the server, so a phone or a video wall never loads a
 * million points. A zoom level cuts the world into square cells (a 256-pixel tile into 4 × 4: 64-pixel cells);
 * each cell holding open demands inside the asked box becomes one cluster at the mean of its points, with its count
 * and how many are late. The same filters as the indicators apply (queries.ts: `late` and `age` too), read from
 * `demand_facts`.
 */
import { z } from "zod";
import type { Sql } from "../db/index.ts";
import { GRID_DEGREES } from "../public-data/record.ts";
import { OPEN } from "./definitions.ts";
import { codeFiltersOf, filterConditions, IndicatorFilters } from "./queries.ts";

/** Cells per tile side: 4 × 4 cells of 64 px on a 256-px tile. */
const CELLS_PER_TILE = 4;

/** The cell's side in degrees at `zoom` (Web Mercator tiles: 360° / 2^zoom per tile side). */
export function cellDegrees(zoom: number): number {
  return 360 / 2 ** zoom / CELLS_PER_TILE;
}

const bbox = z
  .string()
  .transform((s) => s.split(",").map(Number))
  .pipe(
    z
      .tuple([
        z.number().min(-180).max(180),
        z.number().min(-90).max(90),
        z.number().min(-180).max(180),
        z.number().min(-90).max(90),
      ])
      .refine(([w, s, e, n]) => w < e && s < n, "west,south,east,north with west < east and south < north"),
  );

export const ClusterQuery = IndicatorFilters.extend({
  /** The map's zoom level (0–20). */
  zoom: z.coerce.number().int().min(0).max(20),
  /** The visible box: west,south,east,north in degrees. */
  bbox,
}).strict();
export type ClusterQuery = z.output<typeof ClusterQuery>;

export interface Cluster {
  lat: number;
  lon: number;
  count: number;
  late: number;
}

/** The deepest zoom whose cells are kept in map_cells; deeper, a screen holds few enough demands to group live. */
export const KEPT_ZOOM = 16;

/** The filters the kept cells cannot apply (they count every open demand, late or not). */
const needsFacts = (q: ClusterQuery) =>
  q.zoom > KEPT_ZOOM || q.age !== undefined || codeFiltersOf(q).length > 0;

/**
 * The clusters of open demands in the box, largest first; with the total they hold. Without filters, up to zoom
 * 16, they are the kept cells (map_cells, decision 0053) that meet the box: a few hundred rows whatever the city's
 * size, late meaning due before the facts job's last step (seconds ago). Otherwise the facts are grouped live.
 */
export async function readClusters(
  sql: Sql,
  query: ClusterQuery,
): Promise<{ zoom: number; cellDegrees: number; total: number; clusters: Cluster[] }> {
  const cell = cellDegrees(query.zoom);
  const rows = needsFacts(query)
    ? await groupFacts(sql, query, cell)
    : await readKeptCells(sql, query, false);
  const clusters = rows.map((r) => ({
    lat: Number(Number(r.lat).toFixed(6)),
    lon: Number(Number(r.lon).toFixed(6)),
    count: Number(r.count),
    late: Number(r.late),
  }));
  return {
    zoom: query.zoom,
    cellDegrees: cell,
    total: clusters.reduce((sum, c) => sum + c.count, 0),
    clusters,
  };
}

interface ClusterRow {
  lat: number;
  lon: number;
  count: number;
  late: number;
}

/** What a kept row counts under the `late` filter: [count, late, the points' lon sum, their lat sum]. */
function keptSums(late: ClusterQuery["late"]): [string, string, string, string] {
  if (late === "true") return ["c.late", "c.late", "c.late_lon_sum", "c.late_lat_sum"];
  if (late === "false")
    return ["c.open - c.late", "0", "c.lon_sum - c.late_lon_sum", "c.lat_sum - c.late_lat_sum"];
  return ["c.open", "c.late", "c.lon_sum", "c.lat_sum"];
}

/**
 * The kept cells of the zoom that meet the box (their keys computed as the facts' writes compute them), of the staff
 * map or of the public one.
 */
function readKeptCells(sql: Sql, query: ClusterQuery, publicMap: boolean): Promise<ClusterRow[]> {
  const [count, lateCount, lonSum, latSum] = keptSums(query.late);
  return sql.query<ClusterRow>(
    `SELECT (${latSum})::float8 / (${count}) / 1e6 AS lat, (${lonSum})::float8 / (${count}) / 1e6 AS lon,
            (${count})::int AS count, (${lateCount})::int AS late
       FROM map_cells c
      WHERE c.public = $6 AND c.zoom = $1::int
        AND c.cx BETWEEN floor($2::float8 / (360.0 / 2 ^ $1::int / 4))::int AND floor($4::float8 / (360.0 / 2 ^ $1::int / 4))::int
        AND c.cy BETWEEN floor($3::float8 / (360.0 / 2 ^ $1::int / 4))::int AND floor($5::float8 / (360.0 / 2 ^ $1::int / 4))::int
        AND (${count}) > 0
      ORDER BY 3 DESC`,
    [query.zoom, ...query.bbox, publicMap],
  );
}

/** The open demands in the box grouped live by cell, with every filter (from the facts and their points). */
export function groupFacts(sql: Sql, query: ClusterQuery, cell: number): Promise<ClusterRow[]> {
  const params: unknown[] = [cell, ...query.bbox];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = [
    OPEN,
    "f.lon BETWEEN $2 AND $4 AND f.lat BETWEEN $3 AND $5",
    ...filterConditions(query, param),
  ];
  return sql.query<ClusterRow>(
    `SELECT avg(f.lat)::float8 AS lat, avg(f.lon)::float8 AS lon, count(*)::int AS count,
            (count(*) FILTER (WHERE f.due_at < now()))::int AS late
       FROM demand_facts f
       LEFT JOIN services s ON s.id = f.service_id
       LEFT JOIN service_groups g ON g.id = s.group_id
       LEFT JOIN service_groups tg ON tg.id = g.parent_id
       LEFT JOIN departments dep ON dep.id = f.department_id
      WHERE ${where.join(" AND ")}
      GROUP BY floor(f.lon / $1), floor(f.lat / $1)
      ORDER BY count DESC`,
    params,
  );
}

/**
 * A demand published only at district level (decision 0013): a sensitive service or a confidential demand. The
 * facts say it (a demand's identity mode is fixed at intake; a service marked sensitive updates its facts in the
 * same transaction, decision 0054); the live catalogue is read as well, for safety's sake.
 */
const DISTRICT_ONLY = "(f.district_only OR s.sensitive)";

/** Open demands published only by district, counted per district (never at a point). */
export interface DistrictCount {
  district: string;
  name: string;
  count: number;
  late: number;
}

/**
 * The public map (GET /api/v1/public/map/clusters): the same cells as the command centre's, built from what open
 * data publishes and nothing finer. Points are the demands' published ones, rounded to the open data's grid
 * (0.001°, record.ts `roundToGrid`, halves away from zero as SQL's round does). Demands published only at district
 * level are never in a cluster, at any zoom: they are counted per district, for each district the box touches.
 * Without filters (but `late`) both are kept (migration 0060): the open counts of the demands published only by
 * district at any zoom, and up to zoom 16 the public map's cells that meet the box (whole cells, each wider than the
 * grid, so a box's edges tell nothing finer than a cell). Otherwise they are grouped live from the facts, the box
 * compared with the rounded points.
 */
export async function readPublicClusters(
  sql: Sql,
  query: ClusterQuery,
): Promise<{
  zoom: number;
  cellDegrees: number;
  total: number;
  clusters: Cluster[];
  districts: DistrictCount[];
}> {
  const cell = cellDegrees(query.zoom);
  // The district counts are kept for any zoom; the points up to KEPT_ZOOM.
  const keptFilters = query.age === undefined && codeFiltersOf(query).length === 0;
  const [points, districts] = await Promise.all([
    needsFacts(query) ? groupPublicPoints(sql, query, cell) : readKeptCells(sql, query, true),
    keptFilters ? readKeptDistricts(sql, query) : groupPublicDistricts(sql, query),
  ]);
  const clusters = points.map((r) => ({
    lat: Number(Number(r.lat).toFixed(6)),
    lon: Number(Number(r.lon).toFixed(6)),
    count: Number(r.count),
    late: Number(r.late),
  }));
  const counts = districts.map((r) => ({
    district: r.district,
    name: r.name,
    count: Number(r.count),
    late: Number(r.late),
  }));
  return {
    zoom: query.zoom,
    cellDegrees: cell,
    total: [...clusters, ...counts].reduce((sum, c) => sum + c.count, 0),
    clusters,
    districts: counts,
  };
}

const BOX = "ST_MakeEnvelope($1, $2, $3, $4, 4326)";

/** The kept counts of the open demands published only by district, for the districts the box touches. */
function readKeptDistricts(sql: Sql, query: ClusterQuery): Promise<DistrictCount[]> {
  const [count, late] = keptSums(query.late);
  return sql.query<DistrictCount>(
    `SELECT c.district_code AS district, di.name, sum(${count})::int AS count, sum(${late})::int AS late
       FROM open_counts c
       JOIN districts di ON di.code = c.district_code
      WHERE c.district_only AND ST_Intersects(di.geom, ${BOX})
      GROUP BY c.district_code, di.name
     HAVING sum(${count}) > 0
      ORDER BY count DESC, di.name`,
    query.bbox,
  );
}

/** The public map grouped live from the facts, with every filter: the rounded points, and the district counts. */
export function groupPublicLive(
  sql: Sql,
  query: ClusterQuery,
  cell: number,
): Promise<[ClusterRow[], DistrictCount[]]> {
  return Promise.all([groupPublicPoints(sql, query, cell), groupPublicDistricts(sql, query)]);
}

/** The facts of open demands with the query's filters (and the live catalogue, for DISTRICT_ONLY). */
const PUBLIC_FROM = `FROM demand_facts f
       JOIN services s ON s.id = f.service_id
       JOIN service_groups g ON g.id = s.group_id
       LEFT JOIN service_groups tg ON tg.id = g.parent_id
       LEFT JOIN departments dep ON dep.id = f.department_id`;

/** The query's conditions over PUBLIC_FROM, binding after the box ($1–$4) already in `params`. */
function publicConditions(query: ClusterQuery, params: unknown[]) {
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  return { where: [OPEN, ...filterConditions(query, param)].join(" AND "), param };
}

/**
 * The rounded points of the open demands not published only by district, grouped by cell: the facts in the box
 * widened by the grid (the index of open demands by place), the box then compared with the rounded points.
 */
function groupPublicPoints(sql: Sql, query: ClusterQuery, cell: number): Promise<ClusterRow[]> {
  const params: unknown[] = [...query.bbox];
  const onMap = publicConditions(query, params);
  const grid = onMap.param(GRID_DEGREES);
  const size = onMap.param(cell);
  return sql.query<ClusterRow>(
    // MATERIALIZED: the rounded box kept out of the scan, whose estimate it would cut to one row (nested loops).
    `WITH published AS MATERIALIZED (
       SELECT round(f.lon::numeric, 3)::float8 AS lon, round(f.lat::numeric, 3)::float8 AS lat, f.due_at
         ${PUBLIC_FROM}
        WHERE ${onMap.where} AND NOT ${DISTRICT_ONLY}
          AND f.lon BETWEEN $1::float8 - ${grid} AND $3::float8 + ${grid}
          AND f.lat BETWEEN $2::float8 - ${grid} AND $4::float8 + ${grid}
     )
     SELECT avg(lat)::float8 AS lat, avg(lon)::float8 AS lon, count(*)::int AS count,
            (count(*) FILTER (WHERE due_at < now()))::int AS late
       FROM published
      WHERE lon BETWEEN $1 AND $3 AND lat BETWEEN $2 AND $4
      GROUP BY floor(lon / ${size}), floor(lat / ${size})
      ORDER BY count DESC`,
    params,
  );
}

/** The open demands published only by district, counted live for each district the box touches. */
function groupPublicDistricts(sql: Sql, query: ClusterQuery): Promise<DistrictCount[]> {
  const params: unknown[] = [...query.bbox];
  const byDistrict = publicConditions(query, params);
  return sql.query<DistrictCount>(
    `SELECT f.district_code AS district, di.name, count(*)::int AS count,
            (count(*) FILTER (WHERE f.due_at < now()))::int AS late
       ${PUBLIC_FROM}
       JOIN districts di ON di.code = f.district_code
      WHERE ${byDistrict.where} AND ${DISTRICT_ONLY} AND ST_Intersects(di.geom, ${BOX})
      GROUP BY f.district_code, di.name
      ORDER BY count DESC, di.name`,
    params,
  );
}
