/**
 * Where an auditor is: the fiscal block their point or address lies on (issue 18). The calls ask about the services
 * of that block, so a place on no block is refused rather than guessed.
 */
import { geocodeAddress } from "../areas/geocoding.ts";
import { maybeOne, type Sql } from "../db/index.ts";
import { unprocessable } from "../errors.ts";

/** A point within this distance of a fiscal block is on it: a pin or a geocoded address lands on the street. */
export const BLOCK_REACH_METERS = 40;

/** Where a place lies: its point, block and district, and the address as given. */
export interface Placement {
  lat: number;
  lon: number;
  blockId: number;
  districtCode: string | null;
  address: string | null;
}

/**
 * Places a point, or else an address (geocoded, its best candidate), on a fiscal block of the city: the block it
 * lies in, or the nearest within BLOCK_REACH_METERS. 422 point_outside_city outside every district,
 * point_outside_blocks inside the city but on no block (a park, a reservoir), address_not_found for an address the
 * street layer does not know.
 */
export async function placeAuditor(
  sql: Sql,
  place: { point?: { lat: number; lon: number } | undefined; address?: string | undefined },
): Promise<Placement> {
  const field = place.point ? "point" : "address";
  let point = place.point;
  if (!point) {
    if (!place.address) throw unprocessable("auditor_place_required", "point");
    const [top] = await geocodeAddress(sql, place.address, { limit: 1 });
    if (!top) throw unprocessable("address_not_found", "address");
    point = { lat: top.lat, lon: top.lon };
  }
  const row = await maybeOne<{
    district_code: string | null;
    block_id: number | null;
    meters: number | null;
  }>(
    sql,
    `WITH p AS (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326) AS geom)
     SELECT pp.district_code, n.id AS block_id, n.meters
       FROM p
       LEFT JOIN LATERAL place_point($1, $2) pp ON true
       LEFT JOIN LATERAL (
         SELECT b.id, ST_Distance(b.geom::geography, p.geom::geography) AS meters
           FROM blocks b
          WHERE ST_DWithin(b.geom, p.geom, $3) -- degrees, a box around the reach; metres checked below
          ORDER BY meters, b.id LIMIT 1) n ON true`,
    [point.lon, point.lat, (BLOCK_REACH_METERS * 1.5) / 100_000],
  );
  if (!row?.district_code) throw unprocessable("point_outside_city", field);
  if (row.block_id === null || row.meters === null || row.meters > BLOCK_REACH_METERS)
    throw unprocessable("point_outside_blocks", field, { meters: BLOCK_REACH_METERS });
  return {
    lat: point.lat,
    lon: point.lon,
    blockId: Number(row.block_id),
    districtCode: row.district_code,
    address: place.address ?? null,
  };
}
