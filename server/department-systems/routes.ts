/**
 * HTTP routes of department systems: the admins' configuration of a department's Open311 endpoint (problem+json
 * errors like the rest of the API), and the endpoint where that system POSTs its status updates back, in the
 * fields and wire format FixMyStreet's Open311 client posts servicerequestupdates with (form-urlencoded, the push
 * secret as api_key, the answer and errors in the spec's XML or JSON).
 */
import { timingSafeEqual } from "node:crypto";
import formbody from "@fastify/formbody";
import type { FastifyInstance, FastifyReply } from "fastify";
import { toUpdate } from "../../channels/open311/adapter.ts";
import { auditActorOf } from "../audit/record.ts";
import { AppError, renderProblem } from "../errors.ts";
import { hashToken } from "../http/auth.ts";
import { route, validate } from "../http/openapi.ts";
import { type Locale, translate } from "../i18n.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";
import { answerProblemError, findAnswerProblem } from "../work-orders/non-answers.ts";
import { deleteDepartmentSystem, setDepartmentSystem } from "./commands.ts";
import { presentSystem } from "./present.ts";
import { countOrdersByState, findSystemByDepartmentCode, listSystems, type SystemRow } from "./queries.ts";
import { PushedUpdate, SystemInput, SystemParams, SystemView } from "./schemas.ts";
import { actionOf, applyExternalUpdate } from "./updates.ts";

/** Registers the department-system routes; the push endpoint in a scope of its own that reads form bodies. */
export async function registerDepartmentSystemsRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;
  const view = async (row: SystemRow, pushSecret?: string) =>
    presentSystem(row, {
      publicUrl: await tenantPublicUrl(app.ctx),
      orders: await countOrdersByState(db, row.id),
      pushSecret,
    });

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/department-systems",
      summary: "Departments that receive their work orders in their own Open311 system",
      tag: "department-systems",
      action: "department_systems.manage",
      responses: { 200: { description: "Systems by department code", schema: SystemView.array() } },
    },
    async () => Promise.all((await listSystems(db)).map((row) => view(row))),
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/department-systems/:code",
      summary: "A department's Open311 endpoint (the api_key masked)",
      tag: "department-systems",
      action: "department_systems.manage",
      responses: {
        200: { description: "The endpoint", schema: SystemView },
        404: { description: "unknown_department_system" },
      },
    },
    async (req) => {
      const { code } = validate(SystemParams, req.params);
      const row = await findSystemByDepartmentCode(db, code);
      if (!row) throw new AppError(404, "unknown_department_system", { code });
      return view(row);
    },
  );

  route(
    app,
    {
      method: "PUT",
      path: "/api/v1/department-systems/:code",
      summary:
        "Set a department's Open311 endpoint: its work orders are sent there and its updates come back",
      tag: "department-systems",
      action: "department_systems.manage",
      body: SystemInput,
      responses: {
        200: { description: "Replaced", schema: SystemView },
        201: { description: "Created, with the push secret shown this once", schema: SystemView },
        404: { description: "unknown_department" },
        422: { description: "unknown_service, api_key_required or service_mapping_required" },
      },
    },
    async (req, reply) => {
      const { code } = validate(SystemParams, req.params);
      const input = validate(SystemInput, req.body);
      const { created, pushSecret } = await setDepartmentSystem(db, code, input, auditActorOf(req));
      reply.status(created ? 201 : 200);
      return view((await findSystemByDepartmentCode(db, code))!, pushSecret);
    },
  );

  route(
    app,
    {
      method: "DELETE",
      path: "/api/v1/department-systems/:code",
      summary:
        "Stop sending a department's work orders to its own system (orders sent stop being synchronised)",
      tag: "department-systems",
      action: "department_systems.manage",
      responses: { 204: { description: "Deleted" }, 404: { description: "unknown_department_system" } },
    },
    async (req, reply) => {
      const { code } = validate(SystemParams, req.params);
      await deleteDepartmentSystem(db, code, auditActorOf(req));
      reply.status(204);
    },
  );

  await app.register(async (scope) => {
    if (!scope.hasContentTypeParser("application/x-www-form-urlencoded")) await scope.register(formbody);
    route(
      scope,
      {
        method: "POST",
        path: "/api/v1/department-systems/:code/servicerequestupdates.:format",
        summary:
          "A department's system posts a status update of a work order (servicerequestupdates, XML or JSON)",
        tag: "department-systems",
        // Authenticated by the endpoint's push secret sent as api_key, not by a staff session.
        action: "public",
        cookies: false, // authenticated by its sender, never by a session cookie
        body: PushedUpdate,
        bodyMediaTypes: ["application/x-www-form-urlencoded"],
        responses: {
          200: { description: "The update_id, in the spec's format" },
          400: { description: "A field is missing or wrong" },
          403: { description: "Wrong api_key" },
          404: { description: "No order of ours has that service_request_id" },
          422: {
            description: "A closing update whose description says nothing (non_answer, unfilled_placeholder)",
          },
        },
      },
      async (req, reply) => {
        const { format } = req.params as { format: string };
        const fmt = format === "json" ? "json" : "xml";
        try {
          if (format !== "xml" && format !== "json") throw new AppError(404, "not_found", { what: req.url });
          const { code } = validate(SystemParams, req.params);
          const input = validate(PushedUpdate, req.body ?? {});
          const system = await findSystemByDepartmentCode(db, code);
          if (!system?.active || !secretMatches(system.push_secret_hash, input.api_key)) {
            throw new AppError(403, "invalid_api_key");
          }
          const update = toUpdate({
            update_id: input.update_id,
            service_request_id: input.service_request_id,
            status: input.status,
            description: input.description,
            updated_datetime: input.updated_datetime ?? new Date().toISOString(),
            media_url: input.media_url ?? null,
            external_status_code: input.external_status_code ?? null,
          });
          const outcome = await applyExternalUpdate(db, system, update, "push");
          if (outcome === "unknown_request") {
            // Logged; a 4xx tells their system to try again later (the id may be waiting behind a token here).
            throw new AppError(404, "unknown_service_request", { id: input.service_request_id });
          }
          // A counter-report refused for what it says: their system is told what is wrong, so a person rewrites it.
          const problem = findAnswerProblem(update.description);
          if (
            outcome === "refused" &&
            problem &&
            actionOf(update.status, system.status_actions) === "answer"
          ) {
            throw answerProblemError(problem, "description");
          }
          return sendUpdateId(reply, fmt, input.update_id);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          return sendErrors(reply, fmt, error, req.locale);
        }
      },
    );
  });
}

function secretMatches(hash: string, secret: string): boolean {
  const given = Buffer.from(hashToken(secret), "hex");
  const expected = Buffer.from(hash, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!,
  );
}

function sendUpdateId(reply: FastifyReply, format: "xml" | "json", updateId: string) {
  if (format === "json") return reply.type("application/json; charset=utf-8").send([{ update_id: updateId }]);
  return reply
    .type("text/xml; charset=utf-8")
    .send(
      `<?xml version="1.0" encoding="utf-8"?>\n<service_request_updates><request_update><update_id>${escapeXml(updateId)}</update_id></request_update></service_request_updates>`,
    );
}

/** An error in the spec's format: one `<error>` per bad field (or the error itself), its code the HTTP status. */
function sendErrors(reply: FastifyReply, format: "xml" | "json", error: AppError, locale: Locale) {
  const problem = renderProblem(error, locale);
  const items =
    error.fields.length > 0
      ? error.fields.map((f, i) => ({
          code: String(error.status),
          description: `${f.field}: ${problem.errors?.[i]?.detail ?? translate(locale, `fields.${f.code}`)}`,
        }))
      : [{ code: String(error.status), description: problem.detail }];
  reply.status(error.status);
  if (format === "json") return reply.type("application/json; charset=utf-8").send(items);
  const body = items
    .map((i) => `<error><code>${i.code}</code><description>${escapeXml(i.description)}</description></error>`)
    .join("");
  return reply
    .type("text/xml; charset=utf-8")
    .send(`<?xml version="1.0" encoding="utf-8"?>\n<errors>${body}</errors>`);
}
