/** Reads of the duplicate candidates a citizen sees while filing, through the one public rule (decision 0020). */

import type { Sql } from "../db/index.ts";
import type { Locale } from "../i18n.ts";
import {
  GRID_HALF_DIAGONAL_METRES,
  PUBLIC_DEMAND_COLUMNS,
  PUBLIC_DEMAND_JOINS,
  type PublicDemandRecord,
  type PublicDemandSource,
  publicDemandRecord,
  roundToGrid,
} from "../public-data/record.ts";
import { loadOfficialStreets } from "../public-data/streets.ts";
import { DUPLICATE_RADIUS_METRES, findDuplicates } from "../triage/queries.ts";

/** A candidate as the public sees it: its public record, and how many people stand behind it. */
export interface PublicCandidate {
  record: PublicDemandRecord;
  /** +1s given on the portal, plus the demands merged or linked into it (other people who reported it). */
  supporters: number;
}

/**
 * Open demands of a service near a point, as the public may see them, nearest first. The point is snapped to the
 * open data's grid and no distance is given: answers from many points must not place a demand more finely than its
 * published ~100 m cell; the radius grows by the cell's half-diagonal so nothing the exact point finds is missed.
 * Sensitive services answer nothing (probing from a few points would place a sensitive demand), and confidential
 * demands are left out for the same reason.
 */
export async function findPublicCandidates(
  sql: Sql,
  service: { id: number; sensitive: boolean },
  point: { lat: number; lon: number },
  locale: Locale,
): Promise<PublicCandidate[]> {
  if (service.sensitive) return [];
  const found = await findDuplicates(sql, {
    serviceId: service.id,
    lat: roundToGrid(point.lat),
    lon: roundToGrid(point.lon),
    radiusM: DUPLICATE_RADIUS_METRES + GRID_HALF_DIAGONAL_METRES,
  });
  if (found.length === 0) return [];
  const rows = await sql.query<PublicDemandSource & { id: number; supporters: number }>(
    `SELECT d.id, ${PUBLIC_DEMAND_COLUMNS},
            (SELECT count(*) FROM demand_supports x WHERE x.demand_id = d.id)::int
              + (SELECT count(*) FROM demands m WHERE m.merged_into_id = d.id)::int AS supporters
       FROM ${PUBLIC_DEMAND_JOINS}
      WHERE d.id = ANY($1::bigint[]) AND d.identity_mode <> 'confidential'`,
    [found.map((f) => f.id)],
  );
  const streets = await loadOfficialStreets(sql);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return found.flatMap((f) => {
    const row = byId.get(f.id);
    return row ? [{ record: publicDemandRecord(row, { locale, streets }), supporters: row.supporters }] : [];
  });
}
