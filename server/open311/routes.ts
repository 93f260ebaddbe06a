/**
 * The Open311 GeoReport v2 server under /open311/v2/, in XML and JSON (the resource's extension), with
 * FixMyStreet's extensions (servicerequestupdates, extended statuses, groups). Form-encoded bodies are read only
 * inside this plugin; every error leaves in the spec's error format (problems.ts). docs/open311.md.
 */
import formbody from "@fastify/formbody";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { parseProtocol } from "../../domain/protocol.ts";
import { DEMAND_STATUSES } from "../../domain/status.ts";
import { type ApiClient, authenticateApiClient } from "../api-keys/auth.ts";
import { listServiceGroups, listServices } from "../catalogue/queries.ts";
import { AppError } from "../errors.ts";
import { route, validate } from "../http/openapi.ts";
import { loadOfficialStreets } from "../public-data/streets.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";
import { tenantDirectory } from "../tenants/queries.ts";
import { fileOpen311Request, findOpen311Service, postOpen311Update } from "./commands.ts";
import {
  CLOSED_STATUSES,
  presentCreated,
  presentDiscovery,
  presentPostedUpdate,
  presentRequest,
  presentService,
  presentServiceDefinition,
  presentToken,
  presentUpdate,
  serviceNotice,
  UPDATE_EVENT_TYPES,
} from "./present.ts";
import { type Format, handleOpen311Error, parseFormat, sendDocument, splitResource } from "./problems.ts";
import {
  catalogueChangedAt,
  findProtocolByToken,
  listRequests,
  listUpdates,
  type RequestRow,
  type RequestsFilter,
} from "./queries.ts";
import {
  attributesOf,
  cleanFields,
  parseW3cDate,
  RequestForm,
  RequestsQuery,
  UpdateForm,
  UpdatesQuery,
} from "./schemas.ts";

const BASE = "/open311/v2";
const DAY_MS = 86_400_000;
/** The longest window GET requests searches (the spec's 90 days), and its default. */
const MAX_SPAN_DAYS = 90;
/** The default window of the update feed when the client gives none. */
const DEFAULT_UPDATES_HOURS = 24;

const formatParam = (req: FastifyRequest) => parseFormat((req.params as { format?: string }).format);
const fileParam = (req: FastifyRequest) => splitResource((req.params as { file: string }).file);

/** Answers a list of requests (GET requests, GET requests/{id}) as their public records. */
async function sendRequests(req: FastifyRequest, reply: FastifyReply, format: Format, rows: RequestRow[]) {
  const streets = await loadOfficialStreets(req.server.ctx.db);
  return sendDocument(
    reply,
    format,
    "service_requests",
    rows.map((r) => presentRequest(r, req.locale, streets)),
  );
}

/** Registers the GeoReport v2 routes in their own plugin scope (form bodies, the spec's error format). */
export async function registerOpen311Routes(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(formbody);
    scope.setErrorHandler(handleOpen311Error);
    declareRoutes(scope);
    // Anything else under /open311 is a resource that does not exist, said in the spec's format.
    scope.all("/open311/*", async (req) => {
      throw new AppError(404, "not_found", { what: req.url.split("?")[0] ?? "" });
    });
  });
}

/**
 * The parameters every GeoReport call may carry, from the query string or the form body: the jurisdiction (404
 * when one is configured and another is named) and the api_key (required for writes; checked when given).
 */
async function callerOf(req: FastifyRequest, required: boolean): Promise<ApiClient | undefined> {
  const query = cleanFields(req.query);
  const body = cleanFields(req.body);
  const jurisdiction = body.jurisdiction_id ?? query.jurisdiction_id;
  // The tenant's own jurisdiction_id, else (a single-city install) the configured one. Another tenant's is never
  // this one's, configured or not.
  const configured = req.tenant?.jurisdictionId ?? req.server.ctx.config.open311JurisdictionId;
  if (jurisdiction && jurisdiction !== configured) {
    const owner = (await tenantDirectory(req.server.ctx.db)).byJurisdiction.get(jurisdiction);
    if (configured || (owner && owner.id !== req.tenant?.id)) {
      throw new AppError(404, "unknown_jurisdiction", { jurisdiction });
    }
  }
  return authenticateApiClient(req, body.api_key ?? query.api_key, { required });
}

/** The window [start, end] of a search: both given, one given and the other `span` away, or the last `span`. */
function windowOf(startText: string | undefined, endText: string | undefined, spanMs: number) {
  const start = parseW3cDate("start_date", startText);
  const end = parseW3cDate("end_date", endText);
  const to = end ?? (start ? new Date(start.getTime() + spanMs) : new Date());
  const from = start ?? new Date(to.getTime() - spanMs);
  if (from > to)
    throw new AppError(400, "bad_date_range", {}, [{ field: "end_date", code: "bad_date_range" }]);
  if (to.getTime() - from.getTime() > MAX_SPAN_DAYS * DAY_MS) {
    throw new AppError(400, "date_range_too_long", { days: MAX_SPAN_DAYS }, [
      { field: "end_date", code: "date_range_too_long", params: { days: MAX_SPAN_DAYS } },
    ]);
  }
  return { from, to };
}

const list = (text: string | undefined) =>
  text
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean) ?? [];

function declareRoutes(app: FastifyInstance): void {
  const { db } = app.ctx;
  const tag = "open311";

  route(
    app,
    {
      method: "GET",
      path: `${BASE}/discovery.:format`,
      summary: "Open311 service discovery",
      tag,
      action: "public",
    },
    async (req, reply) => {
      const format = formatParam(req);
      await callerOf(req, false);
      return sendDocument(
        reply,
        format,
        "discovery",
        presentDiscovery(await tenantPublicUrl(app.ctx), await catalogueChangedAt(db), req.locale),
      );
    },
  );

  route(
    app,
    {
      method: "GET",
      path: `${BASE}/services.:format`,
      summary: "GeoReport v2 service list",
      tag,
      action: "public",
    },
    async (req, reply) => {
      const format = formatParam(req);
      await callerOf(req, false);
      const [services, groups] = await Promise.all([listServices(db, {}), listServiceGroups(db)]);
      const byId = new Map(groups.map((g) => [g.id, g]));
      return sendDocument(
        reply,
        format,
        "services",
        services.map((s) => presentService(s, byId, req.locale)),
      );
    },
  );

  route(
    app,
    {
      method: "GET",
      path: `${BASE}/services/:file`,
      summary: "GeoReport v2 service definition (services/{service_code}.{format})",
      tag,
      action: "public",
    },
    async (req, reply) => {
      const { id, format } = fileParam(req);
      await callerOf(req, false);
      const service = await findOpen311Service(db, id);
      return sendDocument(reply, format, "service_definition", presentServiceDefinition(service, req.locale));
    },
  );

  route(
    app,
    {
      method: "POST",
      path: `${BASE}/requests.:format`,
      summary: "GeoReport v2: file a service request (form-encoded, api_key required)",
      tag,
      action: "public",
      cookies: false, // authenticated by its sender, never by a session cookie
      body: RequestForm,
      bodyMediaTypes: ["application/x-www-form-urlencoded"],
    },
    async (req, reply) => {
      const format = formatParam(req);
      const client = (await callerOf(req, true)) as ApiClient;
      const form = validate(RequestForm, cleanFields(req.body));
      const filed = await fileOpen311Request(db, client, form, attributesOf(req.body));
      const notice = serviceNotice(filed.service, filed.protocol, req.locale);
      return sendDocument(
        reply,
        format,
        "service_requests",
        presentCreated(filed.protocol, filed.token, notice),
      );
    },
  );

  route(
    app,
    {
      method: "GET",
      path: `${BASE}/requests.:format`,
      summary:
        "GeoReport v2: requests by ids, or by service, status and opening date (90 days, 1000 at most)",
      tag,
      action: "public",
      query: RequestsQuery,
    },
    async (req, reply) => {
      const format = formatParam(req);
      await callerOf(req, false);
      const query = validate(RequestsQuery, cleanFields(req.query));
      let filter: RequestsFilter;
      if (query.service_request_id) {
        // Ids that cannot be protocol numbers cannot match: they are left out, like unknown ones.
        const protocols = list(query.service_request_id).flatMap((id) => {
          const parsed = parseProtocol(id);
          return parsed.ok ? [parsed.protocol] : [];
        });
        filter = { kind: "ids", protocols };
      } else {
        const statuses = list(query.status).map((s) => s.toLowerCase());
        const bad = statuses.find((s) => s !== "open" && s !== "closed");
        if (bad) throw new AppError(400, "invalid_input", {}, [{ field: "status", code: "invalid_value" }]);
        const { from, to } = windowOf(query.start_date, query.end_date, MAX_SPAN_DAYS * DAY_MS);
        const codes = list(query.service_code);
        filter = {
          kind: "search",
          start: from,
          end: to,
          serviceCodes: codes.length > 0 ? codes : null,
          statuses: statusesFor(statuses),
        };
      }
      return sendRequests(req, reply, format, await listRequests(db, filter));
    },
  );

  route(
    app,
    {
      method: "GET",
      path: `${BASE}/requests/:file`,
      summary: "GeoReport v2: one request (requests/{service_request_id}.{format})",
      tag,
      action: "public",
    },
    async (req, reply) => {
      const { id, format } = fileParam(req);
      await callerOf(req, false);
      const parsed = parseProtocol(id);
      const rows = parsed.ok ? await listRequests(db, { kind: "ids", protocols: [parsed.protocol] }) : [];
      if (rows.length === 0) throw new AppError(404, "unknown_request", { id });
      return sendRequests(req, reply, format, rows);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: `${BASE}/tokens/:file`,
      summary: "GeoReport v2: the request id a token stands for (tokens/{token}.{format})",
      tag,
      action: "public",
    },
    async (req, reply) => {
      const { id: token, format } = fileParam(req);
      await callerOf(req, false);
      const protocol = await findProtocolByToken(db, token);
      if (!protocol) throw new AppError(404, "unknown_token", {});
      return sendDocument(reply, format, "service_requests", presentToken(protocol, token));
    },
  );

  route(
    app,
    {
      method: "GET",
      path: `${BASE}/servicerequestupdates.:format`,
      summary: "FixMyStreet extension: status updates of every request between two instants (oldest first)",
      tag,
      action: "public",
      query: UpdatesQuery,
    },
    async (req, reply) => {
      const format = formatParam(req);
      await callerOf(req, false);
      const query = validate(UpdatesQuery, cleanFields(req.query));
      const span =
        query.start_date && query.end_date ? MAX_SPAN_DAYS * DAY_MS : DEFAULT_UPDATES_HOURS * 3_600_000;
      const { from, to } = windowOf(query.start_date, query.end_date, span);
      const rows = await listUpdates(db, from, to, UPDATE_EVENT_TYPES);
      return sendDocument(
        reply,
        format,
        "service_request_updates",
        rows.map((r) => presentUpdate(r, req.locale)),
      );
    },
  );

  route(
    app,
    {
      method: "POST",
      path: `${BASE}/servicerequestupdates.:format`,
      summary: "FixMyStreet extension: a client's update on a request (form-encoded, api_key required)",
      tag,
      action: "public",
      cookies: false, // authenticated by its sender, never by a session cookie
      body: UpdateForm,
      bodyMediaTypes: ["application/x-www-form-urlencoded"],
    },
    async (req, reply) => {
      const format = formatParam(req);
      const client = (await callerOf(req, true)) as ApiClient;
      const form = validate(UpdateForm, cleanFields(req.body));
      if (form.updated_datetime) parseW3cDate("updated_datetime", form.updated_datetime);
      const posted = await postOpen311Update(db, client, form);
      return sendDocument(reply, format, "service_request_updates", presentPostedUpdate(posted.updateId));
    },
  );
}

/** Our statuses behind the spec's open/closed filter; null for both (or none given). */
function statusesFor(wanted: string[]): string[] | null {
  const open = wanted.includes("open");
  const closed = wanted.includes("closed");
  if (open === closed) return null;
  return DEMAND_STATUSES.filter((s) => CLOSED_STATUSES.includes(s) === closed);
}
