/**
 * One batch of an SP156 import (sp156.ts): one statement places the rows and takes their protocol serials, one
 * writes the demands with their timeline events, one starts the open ones' clocks; and the timing of each stage.
 */
import { makeProtocol } from "../../domain/protocol.ts";
import type { Sql } from "../db/index.ts";
import { type ImportClocks, startImportedClocks } from "./clocks.ts";
import { type DemandRow, type ImportFlag, type Rejection, SP156_TIME_ZONE } from "./parse.ts";
import type { PlaceFinder } from "./places.ts";
import type { ImportStages } from "./sp156.ts";

/** How far outside every district a point may lie and still count as in the city (see writeBatch). */
export const CITY_MARGIN_METRES = 2000;

/** What one batch wrote (or, dry, would write). */
export interface BatchResult {
  imported: number;
  alreadyPresent: number;
  rejections: Rejection[];
  flags: ImportFlag[];
}

/** Runs one stage of a batch and adds its milliseconds to the summary's stages. */
export async function timed<T>(
  stages: ImportStages,
  stage: keyof ImportStages,
  work: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    stages[stage] += performance.now() - started;
  }
}

/**
 * Writes one batch (inside the caller's transaction): one statement finds each point's district (a point outside
 * every district is rejected) and the rows already imported, and takes protocol serials for the rest; a second
 * inserts the demands and their two timeline events; a third starts the deadline clocks of those still open. Returns
 * one flag per flagged row written (or that would be, dry: then no serial is taken and nothing written).
 */
export async function writeBatch(
  tx: Sql,
  rows: DemandRow[],
  file: string,
  dryRun: boolean,
  clocks: ImportClocks,
  findPlace: PlaceFinder,
  stages: ImportStages,
): Promise<BatchResult> {
  if (rows.length === 0) return { imported: 0, alreadyPresent: 0, rejections: [], flags: [] };
  // The district whose outline holds the point is found in the process (places.ts). A point in no district is still
  // taken when it lies near one: the district outlines and SP156's geocoding disagree by up to about a kilometre
  // along the city limits, and such rows are real requests. Rows already imported are not placed (a re-run only
  // checks), and a serial is taken only for a row that will be inserted.
  const places = await timed(stages, "place", () =>
    tx.query<{ i: number; district: string | null; present: boolean; serial: string | null }>(
      `WITH p AS MATERIALIZED (
         SELECT r.i, r.lon, x.present,
           CASE WHEN NOT x.present AND r.lon IS NOT NULL THEN coalesce(r.inside,
             (SELECT n.code FROM (SELECT d.code, d.geom FROM districts d ORDER BY d.geom <-> pt.p LIMIT 1) AS n
              WHERE ST_DWithin(n.geom::geography, pt.p::geography, $2))) END AS district
         FROM jsonb_to_recordset($1::jsonb) AS r(i int, lon float8, lat float8, ref text, inside text)
         CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) AS p) AS pt
         CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM demands x WHERE x.source_ref = r.ref) AS present) AS x)
       SELECT p.i, p.district, p.present,
         CASE WHEN $3::boolean AND NOT p.present AND (p.lon IS NULL OR p.district IS NOT NULL)
              THEN nextval('protocol_seq') END AS serial
       FROM p`,
      [
        JSON.stringify(
          rows.map((r, i) => ({
            i,
            lon: r.lon,
            lat: r.lat,
            ref: r.sourceRef,
            inside: r.lon === null || r.lat === null ? null : findPlace(r.lon, r.lat),
          })),
        ),
        CITY_MARGIN_METRES,
        !dryRun,
      ],
    ),
  );
  const rejections: Rejection[] = [];
  const fresh: DemandRow[] = [];
  const serials: number[] = [];
  let alreadyPresent = 0;
  for (const p of places.sort((a, b) => a.i - b.i)) {
    const row = rows[p.i]!;
    if (p.present) alreadyPresent++;
    else if (row.lon !== null && p.district === null) {
      rejections.push({ line: row.line, reason: "point_outside_city", value: `${row.lat},${row.lon}` });
    } else {
      fresh.push({ ...row, districtCode: row.districtCode ?? p.district });
      if (p.serial !== null) serials.push(Number(p.serial));
    }
  }
  if (dryRun || fresh.length === 0) {
    const flags = dryRun ? fresh.flatMap((r) => r.flags) : [];
    return { imported: dryRun ? fresh.length : 0, alreadyPresent, rejections, flags };
  }
  // Protocols in file order, like the ids.
  serials.sort((a, b) => a - b);
  const inserted = await timed(stages, "insert", () =>
    insertDemands(
      tx,
      fresh.map((r, i) => ({ ...r, protocol: makeProtocol(r.year, serials[i]!) })),
      file,
    ),
  );
  await timed(stages, "clocks", () =>
    startImportedClocks(
      tx,
      clocks,
      inserted
        .filter((d) => d.status === "dispatched")
        .map((d) => ({
          id: d.id,
          serviceId: d.service_id,
          departmentId: d.department_id,
          openedAt: d.opened_at,
        })),
    ),
  );
  // A row imported by a concurrent run between the check and the insert counts as already present.
  const bySource = new Map(fresh.map((r) => [r.sourceRef, r]));
  return {
    imported: inserted.length,
    alreadyPresent: alreadyPresent + fresh.length - inserted.length,
    rejections,
    flags: inserted.flatMap((d) => bySource.get(d.source_ref)!.flags),
  };
}

/**
 * Inserts the demands and, in the same statement, their timeline events: "imported" (internal, with the file and
 * line) at the opening and, for a closed one, "closed" or "cancelled" (public) at the closing.
 */
function insertDemands(tx: Sql, rows: (DemandRow & { protocol: string })[], file: string) {
  const json = rows.map((r, n) => ({
    n,
    line: r.line,
    protocol: r.protocol,
    service_id: r.serviceId,
    department_id: r.departmentId,
    channel: r.channel,
    status: r.status,
    outcome: r.outcome,
    opened: r.opened,
    closed: r.closed,
    opened_instant: r.openedInstant,
    closed_instant: r.closedInstant,
    lon: r.lon,
    lat: r.lat,
    address: r.address,
    district_code: r.districtCode,
    sector: r.sector,
    block: r.block,
    description: r.description,
    source_ref: r.sourceRef,
    flags: r.flags.length > 0 ? r.flags : null,
  }));
  // Local SP156 times become instants with the zone's own rules (DST until 2019-02-17, none after).
  return tx.query<{
    id: number;
    source_ref: string;
    status: string;
    service_id: number;
    department_id: number;
    opened_at: Date;
  }>(
    `WITH r AS MATERIALIZED (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(protocol text, service_id bigint, department_id bigint,
         channel text, status text, outcome text, opened text, closed text, opened_instant timestamptz,
         closed_instant timestamptz, lon float8, lat float8, address text, district_code text, sector text,
         block text, description text, source_ref text, flags text[], n int, line int)),
     ins AS (
       INSERT INTO demands (protocol, service_id, department_id, channel, status, outcome, identity_mode,
         description, location, address, district_code, subprefeitura_code, block_id, attributes, opened_at,
         closed_at, source_ref, import_flags)
       SELECT r.protocol, r.service_id, r.department_id, r.channel, r.status, r.outcome, 'anonymous', r.description,
         CASE WHEN r.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) END,
         r.address, d.code, d.subprefeitura_code, b.id, '{}',
         coalesce(r.opened_instant, r.opened::timestamp AT TIME ZONE '${SP156_TIME_ZONE}'),
         coalesce(r.closed_instant, r.closed::timestamp AT TIME ZONE '${SP156_TIME_ZONE}'),
         r.source_ref, r.flags
       FROM r
       LEFT JOIN districts d ON d.code = r.district_code
       LEFT JOIN blocks b ON b.sector = r.sector AND b.block = r.block
       ORDER BY r.n -- ids in file order, like the protocols
       ON CONFLICT (tenant_id, source_ref) DO NOTHING
       RETURNING id, source_ref, status, service_id, department_id, opened_at, closed_at, outcome),
     events AS (
       INSERT INTO demand_events (demand_id, at, type, actor_kind, visibility, data)
       SELECT ins.id, e.at, e.type, 'import', e.visibility, e.data
       FROM ins
       JOIN r ON r.source_ref = ins.source_ref
       CROSS JOIN LATERAL (VALUES
         (ins.opened_at, 'demand.imported', 'internal', jsonb_build_object('file', $2::text, 'line', r.line)),
         (ins.closed_at, CASE ins.status WHEN 'cancelled' THEN 'demand.cancelled' ELSE 'demand.closed' END,
          'public', jsonb_build_object('outcome', ins.outcome))
       ) AS e(at, type, visibility, data)
       WHERE e.at IS NOT NULL
       ORDER BY ins.id, e.at)
     SELECT id, source_ref, status, service_id, department_id, opened_at FROM ins`,
    [JSON.stringify(json), file],
  );
}
