/** HTTP routes of the areas concept: the city's districts and subprefeituras, geocoding, and placing a point. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { AppError, unprocessable } from "../errors.ts";
import { route, validate } from "../http/openapi.ts";
import { tenantKey } from "../tenants/current.ts";
import { geocodeAddress, reverseGeocode } from "./geocoding.ts";
import { isUnchanged, OfflineStreetsView, offlineStreets } from "./offline-streets.ts";
import { districtsGeoJson, listDistricts, listSubprefeituras, placePoint } from "./queries.ts";
import { type EncodedTile, isServedTile, readStreetTile, TILE_ZOOMS } from "./tiles.ts";

/** A tile's address in the path: zoom, column and row of the web-mercator grid. */
const TileParams = z.object({
  z: z.coerce.number().int(),
  x: z.coerce.number().int(),
  y: z.coerce.number().int(),
});

// Tiles change only when the city's streets are loaded again: the last ones read are kept per process.
const TILE_CACHE_SIZE = 512;

/** A point given in the query string. */
const PointQuery = z.object({
  /** Latitude in WGS84 degrees. */
  lat: z.coerce.number().min(-90).max(90),
  /** Longitude in WGS84 degrees. */
  lon: z.coerce.number().min(-180).max(180),
});

/** An address to geocode. */
const GeocodeQuery = z.object({
  /** The address as typed: "r augusta 1200". */
  q: z.string().trim().min(2).max(200),
  /** How many candidates at most. */
  limit: z.coerce.number().int().min(1).max(20).default(5),
  /** The district the address is in, when known (code or name, e.g. "SE" or "VILA MARIANA"): ranks its streets first. */
  district: z.string().trim().min(1).max(80).optional(),
});

/** Registers the areas routes. */
export async function registerAreasRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;
  route(
    app,
    { method: "GET", path: "/api/v1/districts", summary: "List districts", tag: "areas", action: "public" },
    async () => ({ items: await listDistricts(db) }),
  );
  // The districts change only when the city's map is loaded again: computed once per process and tenant, then cached.
  const outlines = new Map<string, Promise<string>>();
  route(
    app,
    {
      method: "GET",
      path: "/api/v1/districts.geojson",
      summary: "The districts' simplified outlines as GeoJSON, for maps that need no internet",
      tag: "areas",
      action: "public",
    },
    async (_req, reply) => {
      const key = tenantKey("districts");
      let geojson = outlines.get(key);
      if (!geojson) {
        geojson = districtsGeoJson(db);
        geojson.catch(() => outlines.delete(key));
        outlines.set(key, geojson);
      }
      return reply
        .type("application/geo+json")
        .header("cache-control", "public, max-age=3600")
        .send(await geojson);
    },
  );
  const tiles = new Map<string, Promise<EncodedTile>>();
  route(
    app,
    {
      method: "GET",
      path: "/api/v1/tiles/streets/:z/:x/:y.json",
      summary: `The city's streets in one web-mercator tile (zoom ${TILE_ZOOMS.min} to ${TILE_ZOOMS.max}), for maps that need no internet`,
      tag: "areas",
      action: "public",
    },
    async (req, reply) => {
      const { z, x, y } = validate(TileParams, req.params);
      if (!isServedTile(z, x, y)) {
        throw new AppError(404, "tile_out_of_range", { z, x, y, ...TILE_ZOOMS });
      }
      // Each tenant's streets are its own: the key names the tenant.
      const key = tenantKey(`${z}/${x}/${y}`);
      let tile = tiles.get(key);
      if (!tile) {
        tile = readStreetTile(db, z, x, y);
        tile.catch(() => tiles.delete(key));
        tiles.set(key, tile);
        if (tiles.size > TILE_CACHE_SIZE) tiles.delete(tiles.keys().next().value as string);
      }
      const { body, etag } = await tile;
      reply.header("etag", etag).header("cache-control", "public, max-age=86400");
      if (req.headers["if-none-match"] === etag) return reply.code(304).send();
      return reply.type("application/json").send(body);
    },
  );
  route(
    app,
    {
      method: "GET",
      path: "/api/v1/subprefeituras",
      summary: "List subprefeituras",
      tag: "areas",
      action: "public",
    },
    async () => ({ items: await listSubprefeituras(db) }),
  );
  route(
    app,
    {
      method: "GET",
      path: "/api/v1/geocode",
      summary: "Find where an address is (offline, ranked candidates)",
      tag: "areas",
      action: "public",
      query: GeocodeQuery,
    },
    async (req) => {
      const { q, limit, district } = validate(GeocodeQuery, req.query);
      return { items: await geocodeAddress(db, q, { limit, ...(district ? { district } : {}) }) };
    },
  );
  route(
    app,
    {
      method: "GET",
      path: "/api/v1/geocode/reverse",
      summary: "The nearest street of a point",
      tag: "areas",
      action: "public",
      query: PointQuery,
    },
    async (req) => ({ item: await reverseGeocode(db, validate(PointQuery, req.query)) }),
  );
  route(
    app,
    {
      method: "GET",
      path: "/api/v1/console/offline-streets",
      summary:
        "What the agent console keeps to pick a street without the network: every street name of the city with the districts it runs through and its known house numbers, versioned (ETag; If-None-Match answers 304)",
      tag: "areas",
      action: "calls.intake",
      responses: {
        200: { description: "The list", schema: OfflineStreetsView },
        304: { description: "Unchanged since the version named in If-None-Match" },
      },
    },
    async (req, reply) => {
      const { version, body } = await offlineStreets(db);
      reply.header("etag", `"${version}"`).header("cache-control", "private, no-cache");
      if (isUnchanged(req.headers["if-none-match"], version)) return reply.code(304).send();
      return reply.type("application/json").send(body);
    },
  );
  route(
    app,
    {
      method: "GET",
      path: "/api/v1/places",
      summary: "The district, subprefeitura and fiscal block of a point",
      tag: "areas",
      action: "public",
      query: PointQuery,
    },
    async (req) => {
      const place = await placePoint(db, validate(PointQuery, req.query));
      if (!place) throw unprocessable("point_outside_city", "location");
      return place;
    },
  );
}
