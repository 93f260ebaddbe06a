/**
 * HTTP routes of the demand exports: the open data (CSV and GeoJSON, no session; an API key only raises the rate
 * limit) and the staff CSV with descriptions and exact places. All three stream from the database in batches.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { authenticateApiClient } from "../api-keys/auth.ts";
import { isDepartmentScoped, staffOf } from "../http/auth.ts";
import { route, validate } from "../http/openapi.ts";
import { PUBLIC_DEMAND_COLUMNS, type PublicDemandSource, publicDemandRecord } from "../public-data/record.ts";
import { loadOfficialStreets } from "../public-data/streets.ts";
import { csvStream, geoJsonStream, startBatches } from "./formats.ts";
import {
  PUBLIC_CSV_COLUMNS,
  publicFeature,
  STAFF_COLUMNS,
  STAFF_CSV_COLUMNS,
  type StaffRow,
  staffRecord,
} from "./present.ts";
import { checkExportFilters, type ExportScope, exportWhere, readDemandBatches } from "./queries.ts";
import { type ExportFilters, OpenDataCsvQuery, OpenDataGeoJsonQuery, StaffCsvQuery } from "./schemas.ts";

const CSV_TYPE = "text/csv; charset=utf-8; header=present";

/** Registers the export routes. */
export async function registerExportsRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  // Open data counts against the caller's rate limit: its client application's with a key, its address's without.
  async function countPublicRequest(req: FastifyRequest, queryKey: string | undefined): Promise<void> {
    const header = req.headers["x-api-key"];
    await authenticateApiClient(req, queryKey ?? (typeof header === "string" ? header : undefined), {
      required: false,
    });
  }

  async function batchesOf<T>(columns: string, filters: ExportFilters, scope: ExportScope) {
    await checkExportFilters(db, filters);
    return startBatches(readDemandBatches<T>(db, columns, exportWhere(filters, scope)));
  }

  const attachment = (reply: FastifyReply, type: string, name: string) =>
    reply.type(type).header("content-disposition", `attachment; filename="${name}"`);

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/open-data/demands.csv",
      summary: "Open data: demands as CSV, without personal data (docs/open-data.md), streamed",
      tag: "open-data",
      compress: false,
      action: "public",
      query: OpenDataCsvQuery,
      produces: ["text/csv"],
      responses: { 200: { description: "text/csv, RFC 4180, UTF-8, header row" } },
    },
    async (req, reply) => {
      const query = validate(OpenDataCsvQuery, req.query);
      await countPublicRequest(req, query.api_key);
      const [streets, batches] = await Promise.all([
        loadOfficialStreets(db),
        batchesOf<PublicDemandSource>(PUBLIC_DEMAND_COLUMNS, query, { public: true }),
      ]);
      const options = { locale: req.locale, streets };
      const body = csvStream(
        batches,
        (row) => publicDemandRecord(row, options),
        PUBLIC_CSV_COLUMNS,
        query.bom === "true",
      );
      return attachment(reply, CSV_TYPE, "demandas.csv").send(body);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/open-data/demands.geojson",
      summary: "Open data: demands as a GeoJSON FeatureCollection, points rounded to ~100 m, streamed",
      tag: "open-data",
      compress: false,
      action: "public",
      query: OpenDataGeoJsonQuery,
      produces: ["application/geo+json"],
      responses: { 200: { description: "application/geo+json (RFC 7946)" } },
    },
    async (req, reply) => {
      const query = validate(OpenDataGeoJsonQuery, req.query);
      await countPublicRequest(req, query.api_key);
      const [streets, batches] = await Promise.all([
        loadOfficialStreets(db),
        batchesOf<PublicDemandSource>(PUBLIC_DEMAND_COLUMNS, query, { public: true, bbox: query.bbox }),
      ]);
      const options = { locale: req.locale, streets };
      const body = geoJsonStream(batches, (row) => publicFeature(publicDemandRecord(row, options)));
      return attachment(reply, "application/geo+json; charset=utf-8", "demandas.geojson").send(body);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/exports/demands.csv",
      summary: "Staff export: demands as CSV with description and exact place, never the citizen; streamed",
      tag: "open-data",
      compress: false,
      action: "exports.read",
      query: StaffCsvQuery,
      produces: ["text/csv"],
      responses: { 200: { description: "text/csv, RFC 4180, UTF-8, header row" } },
    },
    async (req, reply) => {
      const query = validate(StaffCsvQuery, req.query);
      const staff = staffOf(req);
      // Department roles export their own department's demands; one without a department exports nothing.
      const scope = isDepartmentScoped(staff) ? { departmentId: staff.departmentId ?? -1 } : {};
      const [streets, batches] = await Promise.all([
        loadOfficialStreets(db),
        batchesOf<StaffRow>(STAFF_COLUMNS, query, scope),
      ]);
      const options = { locale: req.locale, streets };
      const body = csvStream(
        batches,
        (row) => staffRecord(row, options),
        STAFF_CSV_COLUMNS,
        query.bom === "true",
      );
      return attachment(reply, CSV_TYPE, "demandas-equipe.csv").send(body);
    },
  );
}
