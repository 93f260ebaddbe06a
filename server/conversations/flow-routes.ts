/**
 * The thematic managers' routes for conversation flows (decision 0049): read, write and remove the flow written for
 * a service or a service group. A service's answer shows which flow applies (its own, its group's, or the default)
 * and the questions it makes, in order, as the assistant will ask them.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { auditActorOf, recordAudit } from "../audit/record.ts";
import { findServiceByCode, type Service } from "../catalogue/queries.ts";
import { ServiceParams } from "../catalogue/schemas.ts";
import type { Db } from "../db/index.ts";
import { AppError, invalidInput } from "../errors.ts";
import { route, validate } from "../http/openapi.ts";
import { FlowDefinition, unknownAttributes, writtenFlow } from "./flow-definitions.ts";
import {
  type FlowOwner,
  flowDefinitionFor,
  forgetFlows,
  removeFlow,
  saveFlow,
  storedFlow,
} from "./flow-store.ts";
import { defaultFlow } from "./flows.ts";
import { flowServiceOf } from "./ports.ts";

const LocalizedPrompt = z.object({
  "pt-BR": z.string(),
  en: z.string().optional(),
  es: z.string().optional(),
});

/** A service's flow as the assistant runs it. */
const ServiceFlowView = z.object({
  /** Which flow applies: the service's own, one written for its group, or the one made from the catalogue. */
  source: z.enum(["service", "group", "default"]),
  /** The flow written for this service itself, if any. */
  written: FlowDefinition.nullable(),
  retries: z.number(),
  questions: z.array(
    z.object({
      id: z.string(),
      answer: z.string(),
      required: z.boolean(),
      prompt: LocalizedPrompt,
      rules: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});

const GroupFlowView = z.object({ written: FlowDefinition.nullable() });
const GroupParams = z.object({ code: z.string().min(1).max(100) });

async function serviceOr404(db: Db, code: string): Promise<Service> {
  const service = await findServiceByCode(db, code);
  if (!service) throw new AppError(404, "unknown_service", { code });
  return service;
}

async function groupOr404(db: Db, code: string): Promise<number> {
  const [group] = await db.query<{ id: number }>("SELECT id FROM service_groups WHERE code = $1", [code]);
  if (!group) throw new AppError(404, "unknown_group", { code });
  return Number(group.id);
}

async function serviceFlowView(db: Db, service: Service): Promise<z.infer<typeof ServiceFlowView>> {
  const fs = flowServiceOf(service);
  const base = defaultFlow(fs);
  const [own, applying] = await Promise.all([
    storedFlow(db, { service: service.id }),
    flowDefinitionFor(db, service.code),
  ]);
  const flow = applying ? writtenFlow(base, fs, applying) : base;
  return {
    source: own ? "service" : applying ? "group" : "default",
    written: own,
    retries: flow.retries ?? 2,
    questions: flow.questions.map((q) => ({
      id: q.id,
      answer: q.answer,
      required: q.required,
      prompt: q.prompts.default,
      ...(q.rules ? { rules: q.rules } : {}),
    })),
  };
}

/** Writes a flow with its audit entry, in one transaction. */
async function write(
  db: Db,
  owner: FlowOwner,
  definition: FlowDefinition | null,
  actor: ReturnType<typeof auditActorOf>,
  entityId: string,
): Promise<boolean> {
  const done = await db.transaction(async (tx) => {
    const before = await storedFlow(tx, owner);
    if (definition) await saveFlow(tx, owner, definition, actor.staffId);
    else if (!(await removeFlow(tx, owner))) return false;
    await recordAudit(tx, actor, {
      action: definition ? "conversation_flow.saved" : "conversation_flow.removed",
      entityType: "service" in owner ? "service" : "service_group",
      entityId,
      before,
      after: definition,
    });
    return true;
  });
  // Emptied again once committed: a read between the write and the commit may have cached the old flow.
  forgetFlows();
  return done;
}

/** Registers the flow routes. */
export function registerFlowRoutes(app: FastifyInstance): void {
  const { db } = app.ctx;
  const responses = (schema: z.ZodType) => ({
    200: { description: "The flow", schema },
    404: { description: "unknown_service / unknown_group" },
  });

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/services/:code/flow",
      summary: "The conversation flow the assistant runs for a service: which one applies and its questions",
      tag: "conversations",
      action: "catalogue.manage",
      responses: responses(ServiceFlowView),
    },
    async (req) => serviceFlowView(db, await serviceOr404(db, validate(ServiceParams, req.params).code)),
  );

  route(
    app,
    {
      method: "PUT",
      path: "/api/v1/services/:code/flow",
      summary: "Write the conversation flow of a service (its questions, order, prompts, checks, retries)",
      tag: "conversations",
      action: "catalogue.manage",
      body: FlowDefinition,
      responses: { ...responses(ServiceFlowView), 400: { description: "invalid_input" } },
    },
    async (req) => {
      const service = await serviceOr404(db, validate(ServiceParams, req.params).code);
      const definition = validate(FlowDefinition, req.body);
      const unknown = unknownAttributes(definition, flowServiceOf(service));
      if (unknown.length > 0) {
        throw invalidInput(
          definition.questions.flatMap((q, i) =>
            q.ask === "attribute" && unknown.includes(q.code!)
              ? [{ field: `questions[${i}].code`, code: "unknown_attribute" }]
              : [],
          ),
        );
      }
      await write(db, { service: service.id }, definition, auditActorOf(req), service.code);
      return serviceFlowView(db, service);
    },
  );

  route(
    app,
    {
      method: "DELETE",
      path: "/api/v1/services/:code/flow",
      summary: "Remove a service's written flow: its group's, or the default, applies again",
      tag: "conversations",
      action: "catalogue.manage",
      responses: { 204: { description: "Removed" }, 404: { description: "unknown_service / no_flow" } },
    },
    async (req, reply) => {
      const service = await serviceOr404(db, validate(ServiceParams, req.params).code);
      if (!(await write(db, { service: service.id }, null, auditActorOf(req), service.code)))
        throw new AppError(404, "no_flow");
      return reply.status(204).send();
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/service-groups/:code/flow",
      summary: "The conversation flow written for a service group (every service under it without its own)",
      tag: "conversations",
      action: "catalogue.manage",
      responses: responses(GroupFlowView),
    },
    async (req) => {
      const group = await groupOr404(db, validate(GroupParams, req.params).code);
      return { written: await storedFlow(db, { group }) };
    },
  );

  route(
    app,
    {
      method: "PUT",
      path: "/api/v1/service-groups/:code/flow",
      summary: "Write the conversation flow of a service group; a service's own flow still wins",
      tag: "conversations",
      action: "catalogue.manage",
      body: FlowDefinition,
      responses: { ...responses(GroupFlowView), 400: { description: "invalid_input" } },
    },
    async (req) => {
      const { code } = validate(GroupParams, req.params);
      const group = await groupOr404(db, code);
      const definition = validate(FlowDefinition, req.body);
      await write(db, { group }, definition, auditActorOf(req), code);
      return { written: definition };
    },
  );

  route(
    app,
    {
      method: "DELETE",
      path: "/api/v1/service-groups/:code/flow",
      summary: "Remove a service group's written flow",
      tag: "conversations",
      action: "catalogue.manage",
      responses: { 204: { description: "Removed" }, 404: { description: "unknown_group / no_flow" } },
    },
    async (req, reply) => {
      const { code } = validate(GroupParams, req.params);
      const group = await groupOr404(db, code);
      if (!(await write(db, { group }, null, auditActorOf(req), code))) throw new AppError(404, "no_flow");
      return reply.status(204).send();
    },
  );
}
