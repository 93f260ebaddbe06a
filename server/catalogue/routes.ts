/** HTTP routes of the catalogue concept: the public catalogue and charter, and the staff's service editing. */
import type { FastifyInstance } from "fastify";
import { auditActorOf } from "../audit/record.ts";
import { pageHeaders } from "../http/html.ts";
import { route, validate } from "../http/openapi.ts";
import { linkNext } from "../http/pagination.ts";
import { renderCharterPage } from "./charter-page.ts";
import { createService, updateService } from "./commands.ts";
import {
  presentCharter,
  presentService,
  presentServiceDetail,
  presentServiceGroup,
  presentServiceSource,
} from "./present.ts";
import { unknownService } from "./problems.ts";
import {
  findServiceByCode,
  listServiceGroups,
  loadCharter,
  pageServices,
  searchCatalogue,
} from "./queries.ts";
import {
  CatalogueListQuery,
  CharterView,
  ServiceDetailView,
  ServiceGroupView,
  ServiceInput,
  ServiceListQuery,
  ServiceParams,
  ServicePatch,
  ServiceSourceView,
  ServiceView,
} from "./schemas.ts";

/** Registers the catalogue routes. */
export async function registerCatalogueRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/services",
      summary: "List the active services, optionally of one group or matching words",
      tag: "catalogue",
      action: "public",
      query: ServiceListQuery,
      paginated: true,
      responses: { 200: { description: "Services", schema: ServiceView.array() } },
    },
    async (req, reply) => {
      const query = validate(ServiceListQuery, req.query);
      const page = await pageServices(db, { group: query.group, q: query.q, language: req.locale }, query);
      linkNext(req, reply, page.next);
      return page.rows.map((s) => presentService(s, req.locale));
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/services/:code",
      summary: "One service with its extra fields",
      tag: "catalogue",
      action: "public",
      responses: {
        200: { description: "The service", schema: ServiceDetailView },
        404: { description: "unknown_service" },
      },
    },
    async (req) => {
      const { code } = validate(ServiceParams, req.params);
      const service = await findServiceByCode(db, code);
      if (!service) throw unknownService(code);
      return presentServiceDetail(service, req.locale);
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/services",
      summary: "Add a service to the catalogue",
      tag: "catalogue",
      action: "catalogue.manage",
      body: ServiceInput,
      responses: {
        201: { description: "Created", schema: ServiceDetailView },
        409: { description: "service_code_taken" },
        422: { description: "unknown_group" },
      },
    },
    async (req, reply) => {
      const input = validate(ServiceInput, req.body);
      const service = await createService(db, input, auditActorOf(req));
      reply.status(201);
      return presentServiceDetail(service, req.locale);
    },
  );

  route(
    app,
    {
      method: "PATCH",
      path: "/api/v1/services/:code",
      summary: "Change a service: names, attributes, deadline, priority, active …",
      tag: "catalogue",
      action: "catalogue.manage",
      body: ServicePatch,
      responses: {
        200: { description: "Updated", schema: ServiceDetailView },
        404: { description: "unknown_service" },
        422: { description: "unknown_group" },
      },
    },
    async (req) => {
      const { code } = validate(ServiceParams, req.params);
      const patch = validate(ServicePatch, req.body);
      return presentServiceDetail(await updateService(db, code, patch, auditActorOf(req)), req.locale);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/catalogue/services",
      summary: "The staff's paged search over every service, inactive too, with every language of its texts",
      tag: "catalogue",
      action: "catalogue.manage",
      query: CatalogueListQuery,
      paginated: true,
      responses: { 200: { description: "One page of services", schema: ServiceSourceView.array() } },
    },
    async (req, reply) => {
      const query = validate(CatalogueListQuery, req.query);
      const page = await searchCatalogue(db, { q: query.q, group: query.group, language: req.locale }, query);
      linkNext(req, reply, page.next);
      return page.rows.map(presentServiceSource);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/catalogue/services/:code",
      summary: "One service as the staff edit it: every language, the extra fields as stored",
      tag: "catalogue",
      action: "catalogue.manage",
      responses: {
        200: { description: "The service", schema: ServiceSourceView },
        404: { description: "unknown_service" },
      },
    },
    async (req) => {
      const { code } = validate(ServiceParams, req.params);
      const service = await findServiceByCode(db, code);
      if (!service) throw unknownService(code);
      return presentServiceSource(service);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/service-groups",
      summary: "The service groups (Temas and their Assuntos)",
      tag: "catalogue",
      action: "public",
      responses: { 200: { description: "Groups", schema: ServiceGroupView.array() } },
    },
    async (req) => (await listServiceGroups(db)).map((g) => presentServiceGroup(g, req.locale)),
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/charter",
      summary: "The service charter (Carta de Serviços): groups, services, deadlines, requirements, channels",
      tag: "catalogue",
      action: "public",
      responses: { 200: { description: "The charter", schema: CharterView } },
    },
    async (req) => presentCharter(await loadCharter(db), req.locale),
  );

  // The charter page is HTML for people, so it stays out of the OpenAPI document.
  app.get("/carta-de-servicos", async (req, reply) => {
    const charter = presentCharter(await loadCharter(db), req.locale);
    reply.type("text/html; charset=utf-8").header("content-language", req.locale).headers(pageHeaders());
    return renderCharterPage(charter, req.locale);
  });
}
