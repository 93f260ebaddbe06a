/**
 * Inspection routes (issue 17): managers plan an inspector's day by hand on the map or from the planner's
 * suggestions, change and cancel it; and the one table of answers with each response's answers and files.
 */
import type { FastifyInstance } from "fastify";
import { auditActorOf } from "../audit/record.ts";
import { maybeOne } from "../db/index.ts";
import { notFound, unprocessable } from "../errors.ts";
import { cityToday } from "../field/day.ts";
import { sendFieldFile } from "../field/files.ts";
import { route, validate } from "../http/openapi.ts";
import { linkNext } from "../http/pagination.ts";
import { cancelRoute, changeRoute, planRoute } from "./commands.ts";
import { presentResponse, presentResponseDetail, presentRoute } from "./present.ts";
import { findRoute, listRoutes, servicesOfQuestionnaires, suggestBlocks } from "./queries.ts";
import { findResponse, listResponses } from "./responses.ts";
import {
  FileParams,
  IdParams,
  ResponseListQuery,
  RouteChange,
  RouteInput,
  RouteListQuery,
  SuggestionInput,
} from "./schemas.ts";

/** Registers the routes of inspection planning and of the table of answers. */
export async function registerInspectionsRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;
  const tag = "inspections";
  const routeView = async (id: number, locale: Parameters<typeof presentRoute>[1]) => {
    const found = await findRoute(db, id);
    if (!found) throw notFound(`/api/v1/inspection-routes/${id}`);
    return presentRoute(found, locale);
  };

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/inspection-routes",
      summary: "The inspection routes of a day, of every inspector or of one, with their visits",
      tag,
      action: "inspections.read",
      query: RouteListQuery,
      responses: { 200: { description: "{ items: [route] }" } },
    },
    async (req) => {
      const query = validate(RouteListQuery, req.query);
      const routes = await listRoutes(db, query.day, query.inspector);
      return { items: routes.map((r) => presentRoute(r, req.locale)) };
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/inspection-routes",
      summary: "Plan an inspector's route for a day: blocks in order, each with the questionnaire to answer",
      tag,
      action: "inspections.manage",
      body: RouteInput,
      responses: {
        201: { description: "The route planned" },
        422: {
          description: "not_an_inspector, unknown_block, unknown_questionnaire, questionnaire_not_published",
        },
      },
    },
    async (req, reply) => {
      const input = validate(RouteInput, req.body);
      const id = await planRoute(db, auditActorOf(req), input);
      reply.header("location", `/api/v1/inspection-routes/${id}`);
      return reply.status(201).send(await routeView(id, req.locale));
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/inspection-routes/suggestions",
      summary:
        "Blocks of an area ranked by where the data says to look (open demands, late work orders, low scores)",
      tag,
      action: "inspections.read",
      body: SuggestionInput,
      responses: { 200: { description: "{ items: [{ block, reason, evidence, rank }] }" } },
    },
    async (req) => {
      const input = validate(SuggestionInput, req.body ?? {});
      if (
        input.district &&
        !(await maybeOne(db, "SELECT 1 FROM districts WHERE code = $1", [input.district]))
      )
        throw unprocessable("unknown_area", "district", { code: input.district });
      if (
        input.subprefeitura &&
        !(await maybeOne(db, "SELECT 1 FROM subprefeituras WHERE code = $1", [input.subprefeitura]))
      )
        throw unprocessable("unknown_area", "subprefeitura", { code: input.subprefeitura });
      const items = await suggestBlocks(db, {
        day: input.day ?? (await cityToday(db)),
        district: input.district,
        subprefeitura: input.subprefeitura,
        serviceIds: input.questionnaireIds
          ? await servicesOfQuestionnaires(db, input.questionnaireIds)
          : null,
        count: input.count,
        skipVisitedDays: input.skipVisitedDays,
      });
      return { items };
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/inspection-routes/:id",
      summary: "One inspection route with its visits",
      tag,
      action: "inspections.read",
      responses: { 200: { description: "The route" }, 404: { description: "not_found" } },
    },
    async (req) => routeView(validate(IdParams, req.params).id, req.locale),
  );

  route(
    app,
    {
      method: "PUT",
      path: "/api/v1/inspection-routes/:id",
      summary:
        "Change a route's visits: kept visits keep their id, dropped ones are marked removed; revision + 1",
      tag,
      action: "inspections.manage",
      body: RouteChange,
      responses: {
        200: { description: "The route changed" },
        404: { description: "not_found" },
        409: { description: "route_cancelled" },
        422: { description: "unknown_block, unknown_questionnaire, questionnaire_not_published" },
      },
    },
    async (req) => {
      const { id } = validate(IdParams, req.params);
      const input = validate(RouteChange, req.body);
      await changeRoute(db, auditActorOf(req), id, input);
      return routeView(id, req.locale);
    },
  );

  route(
    app,
    {
      method: "DELETE",
      path: "/api/v1/inspection-routes/:id",
      summary: "Cancel a route: it leaves the inspector's tablet at its next download or sync; revision + 1",
      tag,
      action: "inspections.manage",
      responses: {
        200: { description: "The route cancelled" },
        404: { description: "not_found" },
        409: { description: "route_cancelled" },
      },
    },
    async (req) => {
      const { id } = validate(IdParams, req.params);
      await cancelRoute(db, auditActorOf(req), id);
      return routeView(id, req.locale);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/responses",
      summary:
        "The table of answers: responses of every channel with who, what, where, when and how, newest first",
      tag,
      action: "responses.read",
      query: ResponseListQuery,
      paginated: true,
      responses: { 200: { description: "A page of responses" } },
    },
    async (req, reply) => {
      const query = validate(ResponseListQuery, req.query);
      const page = await listResponses(db, query);
      linkNext(req, reply, page.next);
      return page.rows.map((r) => presentResponse(r, req.locale));
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/responses/:id",
      summary: "One response with its answers, the problems it was rejected for, and its files",
      tag,
      action: "responses.read",
      responses: { 200: { description: "The response" }, 404: { description: "not_found" } },
    },
    async (req) => {
      const { id } = validate(IdParams, req.params);
      const found = await findResponse(db, id);
      if (!found) throw notFound(`/api/v1/responses/${id}`);
      return presentResponseDetail(found, req.locale);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/field-files/:sha256",
      summary: "A file sent from the field (an answer's photo), streamed with its media type",
      tag,
      action: "responses.read",
      produces: ["image/jpeg", "image/png", "image/webp"],
      responses: { 200: { description: "The file" }, 404: { description: "not_found" } },
    },
    async (req, reply) => {
      const { sha256 } = validate(FileParams, req.params);
      return sendFieldFile(app.ctx, reply, sha256, undefined);
    },
  );
}
