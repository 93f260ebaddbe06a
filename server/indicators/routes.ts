/**
 * The indicators' API: the list of definitions and one indicator with its filters, period, grouping and comparison.
 * Public indicators answer without sign-in (aggregates of codes and numbers only: no text of any demand); staff
 * indicators need a session whose role may read them (`indicators.read`).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { authenticateApiClient } from "../api-keys/auth.ts";
import { loadCalendar } from "../calendar/queries.ts";
import { readSourceOf } from "../db/replica.ts";
import { AppError } from "../errors.ts";
import { can, loadStaff } from "../http/auth.ts";
import { pageHeaders } from "../http/html.ts";
import { route, validate } from "../http/openapi.ts";
import { INDICATORS, type IndicatorDefinition, indicatorOf } from "./definitions.ts";
import { readLabels } from "./labels.ts";
import { ClusterQuery, readClusters, readPublicClusters } from "./map.ts";
import { listOpenDemands, OpenDemandsQuery } from "./open-demands.ts";
import { presentDefinition } from "./present.ts";
import { defaultPeriod, IndicatorQuery, type Period, readIndicator } from "./queries.ts";
import { REPORT_STYLE, renderMonthlyReport } from "./report-page.ts";

/** The longest period one request may ask for (days). */
export const MAX_PERIOD_DAYS = 3 * 366;

const IdParam = z.object({ id: z.string().regex(/^[a-z][a-z0-9-]{1,60}$/) });
const MonthParam = z.object({
  month: z.string().regex(/^(19[7-9]\d|20\d\d)-(0[1-9]|1[0-2])$/, "a month as YYYY-MM"),
});

/** True when the caller may read staff indicators. */
async function readsStaffIndicators(req: FastifyRequest): Promise<boolean> {
  const staff = await loadStaff(req);
  return staff !== undefined && can(staff.role, "indicators.read");
}

function describe(indicator: IndicatorDefinition, req: FastifyRequest) {
  return presentDefinition(indicator, req.locale);
}

/** The period asked for, checked; the default is the last 30 days. */
export function periodOf(query: IndicatorQuery, timeZone: string, now = new Date()): Period {
  const fallback = defaultPeriod(timeZone, now);
  const period = { from: query.from ?? fallback.from, to: query.to ?? fallback.to };
  const days = (Date.parse(period.to) - Date.parse(period.from)) / 86_400_000;
  if (days < 0) throw new AppError(400, "period_reversed");
  if (days >= MAX_PERIOD_DAYS) throw new AppError(400, "period_too_long");
  return period;
}

/** Registers the indicator routes. */
export async function registerIndicatorRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/indicators",
      summary: "The indicators: public ones to anyone, staff ones too to a role that reads them",
      tag: "indicators",
      action: "public",
    },
    async (req, reply) => {
      const staff = await readsStaffIndicators(req);
      reply.header("cache-control", staff ? "private, no-store" : "public, max-age=300");
      return {
        indicators: INDICATORS.filter((i) => i.audience === "public" || staff).map((i) => describe(i, req)),
      };
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/map/clusters",
      summary:
        "Open demands on the command centre's map: clusters made on the server for a zoom level and a box",
      tag: "indicators",
      action: "indicators.read",
      query: ClusterQuery,
    },
    async (req, reply) => {
      const query = validate(ClusterQuery, req.query);
      const source = await readSourceOf(app.ctx);
      reply.header("cache-control", "private, no-store");
      return {
        ...(await readClusters(source.sql, query)),
        source: { replica: source.replica, lagSeconds: source.lagSeconds },
      };
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/map/demands",
      summary:
        "The command centre's drill-down: the open demands behind a bar, a row or a map cluster, with the map's filters, newest first",
      tag: "indicators",
      action: "indicators.read",
      query: OpenDemandsQuery,
    },
    async (req, reply) => {
      const query = validate(OpenDemandsQuery, req.query);
      const source = await readSourceOf(app.ctx);
      reply.header("cache-control", "private, no-store");
      return await listOpenDemands(source.sql, query, req.locale);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/public/map/clusters",
      summary:
        "The public map of open demands: clusters of their published (~100 m grid) points; sensitive services and confidential demands counted per district, never at a point",
      tag: "indicators",
      action: "public",
      query: ClusterQuery,
    },
    async (req, reply) => {
      // Counted against the caller's rate limit like the other public data: its application's with a key.
      const key = req.headers["x-api-key"];
      await authenticateApiClient(req, typeof key === "string" ? key : undefined, { required: false });
      const query = validate(ClusterQuery, req.query);
      const source = await readSourceOf(app.ctx);
      reply.header("cache-control", "public, max-age=30");
      return {
        ...(await readPublicClusters(source.sql, query)),
        source: { replica: source.replica, lagSeconds: source.lagSeconds },
      };
    },
  );

  // The monthly report is HTML for people (and for printing), so it stays out of the OpenAPI document.
  app.get("/transparencia/relatorio", async (_req, reply) => {
    const calendar = await loadCalendar(db);
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: calendar.timeZone }).format(new Date());
    const [y, m] = today.split("-").map(Number) as [number, number];
    const last = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
    return reply.redirect(`/transparencia/relatorio/${last}`, 302);
  });
  app.get("/transparencia/relatorio/:month", async (req, reply) => {
    const { month } = validate(MonthParam, req.params);
    const calendar = await loadCalendar(db);
    const source = await readSourceOf(app.ctx);
    const html = await renderMonthlyReport(source.sql, req.locale, month, calendar.timeZone);
    return reply
      .type("text/html; charset=utf-8")
      .header("content-language", req.locale)
      .header("cache-control", "public, max-age=300")
      .headers(pageHeaders(REPORT_STYLE))
      .send(html);
  });

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/indicators/:id",
      summary: "One indicator with its filters, period (days in the city's zone), grouping and comparison",
      tag: "indicators",
      action: "public",
      query: IndicatorQuery,
      responses: { 404: { description: "unknown_indicator" } },
    },
    async (req, reply) => {
      const { id } = validate(IdParam, req.params);
      const query = validate(IndicatorQuery, req.query);
      const indicator = indicatorOf(id);
      if (!indicator) throw new AppError(404, "unknown_indicator");
      if (indicator.audience === "staff") {
        const staff = await loadStaff(req);
        if (!staff) throw new AppError(401, "unauthenticated");
        if (!can(staff.role, "indicators.read")) throw new AppError(403, "forbidden");
      }
      const calendar = await loadCalendar(db);
      // Panels read the replica when there is one and it is close enough behind (server/db/replica.ts).
      const source = await readSourceOf(app.ctx);
      const period = indicator.periodBy === "now" ? null : periodOf(query, calendar.timeZone);
      if (!period && (query.from || query.to)) throw new AppError(400, "indicator_describes_now");
      const result = await readIndicator(
        source.sql,
        indicator,
        query,
        period ?? { from: "1970-01-01", to: "1970-01-01" },
        calendar.timeZone,
      );
      reply.header(
        "cache-control",
        indicator.audience === "public" ? "public, max-age=30" : "private, no-store",
      );
      const { groupBy: _g, compare: _c, from: _f, to: _t, ...filters } = query;
      const labels = await readLabels(source.sql, req.locale, result.rows, filters);
      return {
        ...describe(indicator, req),
        period,
        timeZone: calendar.timeZone,
        filters,
        grouping: query.groupBy ?? [],
        source: { replica: source.replica, lagSeconds: source.lagSeconds },
        rows: result.rows,
        labels,
        ...(result.previous ? { previous: result.previous } : {}),
      };
    },
  );
}
