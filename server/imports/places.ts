/**
 * The district of a point, found in the process: the districts' outlines loaded once per import, each point tested
 * against the few whose bounding box holds it (even-odd rule over every ring, so holes and islands count right).
 * The same plane geometry as PostGIS's ST_Contains on longitude/latitude, without a call into the database per row;
 * a point on an outline (measure zero) may fall to either side, and a point in no outline is left to the database's
 * "near one" rule (sp156.ts).
 */
import type { Sql } from "../db/index.ts";

type Ring = number[][]; // [lon, lat] pairs, closed
interface District {
  code: string;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  /** Each ring as lon, lat, lon, lat, … */
  rings: Float64Array[];
}

/** Finds the district whose outline holds a point, or null. */
export type PlaceFinder = (lon: number, lat: number) => string | null;

/** Loads every district's outline and returns the finder. */
export async function loadPlaceFinder(sql: Sql): Promise<PlaceFinder> {
  const rows = await sql.query<{ code: string; geojson: string }>(
    "SELECT code, ST_AsGeoJSON(geom) AS geojson FROM districts WHERE geom IS NOT NULL ORDER BY code",
  );
  const districts: District[] = rows.map((r) => {
    const geometry = JSON.parse(r.geojson) as { type: string; coordinates: unknown };
    const polygons = (
      geometry.type === "MultiPolygon" ? geometry.coordinates : [geometry.coordinates]
    ) as Ring[][];
    const rings = polygons.flat();
    const xs = rings.flatMap((ring) => ring.map((p) => p[0]!));
    const ys = rings.flatMap((ring) => ring.map((p) => p[1]!));
    return {
      code: r.code,
      minX: Math.min(...xs),
      minY: Math.min(...ys),
      maxX: Math.max(...xs),
      maxY: Math.max(...ys),
      rings: rings.map((ring) => Float64Array.from(ring.flat())),
    };
  });
  // A grid of cells over the city, each listing the districts whose box meets it (in code order: where outlines
  // overlap, the first code wins, every time).
  const minX = Math.min(...districts.map((d) => d.minX));
  const minY = Math.min(...districts.map((d) => d.minY));
  const columns = Math.max(1, Math.ceil((Math.max(...districts.map((d) => d.maxX)) - minX) / CELL) + 1);
  const lines = Math.max(1, Math.ceil((Math.max(...districts.map((d) => d.maxY)) - minY) / CELL) + 1);
  const cells: District[][] = Array.from({ length: columns * lines }, () => []);
  for (const d of districts) {
    for (let cx = Math.floor((d.minX - minX) / CELL); cx <= Math.floor((d.maxX - minX) / CELL); cx++) {
      for (let cy = Math.floor((d.minY - minY) / CELL); cy <= Math.floor((d.maxY - minY) / CELL); cy++) {
        cells[cy * columns + cx]!.push(d);
      }
    }
  }
  return (lon, lat) => {
    const cx = Math.floor((lon - minX) / CELL);
    const cy = Math.floor((lat - minY) / CELL);
    if (districts.length === 0 || cx < 0 || cy < 0 || cx >= columns || cy >= lines) return null;
    for (const d of cells[cy * columns + cx]!) {
      if (lon < d.minX || lon > d.maxX || lat < d.minY || lat > d.maxY) continue;
      if (isInside(d.rings, lon, lat)) return d.code;
    }
    return null;
  };
}

/** The grid's cell, in degrees (about a kilometre). */
const CELL = 0.01;

/** Even-odd rule: a point is inside when a ray from it crosses the rings' edges an odd number of times. */
function isInside(rings: Float64Array[], x: number, y: number): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 2; i < ring.length; j = i, i += 2) {
      const xi = ring[i]!;
      const yi = ring[i + 1]!;
      const xj = ring[j]!;
      const yj = ring[j + 1]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}
