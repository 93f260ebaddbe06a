/** HTTP routes of the classification concept: the public service suggester and the managers' rules. */
import type { FastifyInstance } from "fastify";
import { auditActorOf } from "../audit/record.ts";
import { route, validate } from "../http/openapi.ts";
import { createClassificationRule, deleteClassificationRule, updateClassificationRule } from "./commands.ts";
import { OfflineKitView, offlineKit } from "./offline-kit.ts";
import { presentClassificationRule, presentSuggestion } from "./present.ts";
import { classificationRuleNotFound } from "./problems.ts";
import { findClassificationRule, listClassificationRules, suggestServices } from "./queries.ts";
import {
  ClassificationRuleInput,
  ClassificationRuleListQuery,
  ClassificationRuleParams,
  ClassificationRulePatch,
  ClassificationRuleView,
  SuggestionView,
  SuggestQuery,
} from "./schemas.ts";

/** Registers the classification routes. */
export async function registerClassificationRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  // A static path: Fastify's router matches it before the catalogue's parametric /api/v1/services/:code.
  route(
    app,
    {
      method: "GET",
      path: "/api/v1/services/suggest",
      summary:
        "The services a free text (pt-BR, en or es) is most likely about, best first, named in the reader's language",
      tag: "classification",
      action: "public",
      query: SuggestQuery,
      responses: {
        200: {
          description: "Ranked services; empty when the text asks for none",
          schema: SuggestionView.array(),
        },
        400: { description: "invalid_input (q missing, empty or too long)" },
      },
    },
    async (req) => {
      const query = validate(SuggestQuery, req.query);
      const candidates = await suggestServices(db, query.q, {
        limit: query.limit,
        channel: query.channel,
        districtCode: query.district,
        language: req.locale,
      });
      return candidates.map(presentSuggestion);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/console/offline-kit",
      summary:
        "What the agent console keeps to take demands without the network: the active catalogue with each service's fields, in the caller's language, and its version",
      tag: "classification",
      action: "calls.intake",
      responses: { 200: { description: "The kit", schema: OfflineKitView } },
    },
    async (req, reply) => {
      reply.header("cache-control", "private, no-cache");
      return offlineKit(db, req.locale);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/classification-rules",
      summary: "The classification rules the thematic managers keep",
      tag: "classification",
      action: "classification.read",
      query: ClassificationRuleListQuery,
      responses: { 200: { description: "Rules in id order", schema: ClassificationRuleView.array() } },
    },
    async (req) => {
      const query = validate(ClassificationRuleListQuery, req.query);
      return (await listClassificationRules(db, { serviceCode: query.service })).map(
        presentClassificationRule,
      );
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/classification-rules/:id",
      summary: "One classification rule",
      tag: "classification",
      action: "classification.read",
      responses: {
        200: { description: "The rule", schema: ClassificationRuleView },
        404: { description: "unknown_classification_rule" },
      },
    },
    async (req) => {
      const { id } = validate(ClassificationRuleParams, req.params);
      const rule = await findClassificationRule(db, id);
      if (!rule) throw classificationRuleNotFound(id);
      return presentClassificationRule(rule);
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/classification-rules",
      summary: "Add a classification rule: phrases (and channels, areas) → a service",
      tag: "classification",
      action: "classification.manage",
      body: ClassificationRuleInput,
      responses: {
        201: { description: "Created", schema: ClassificationRuleView },
        422: { description: "unknown_service, unknown_area" },
      },
    },
    async (req, reply) => {
      const input = validate(ClassificationRuleInput, req.body);
      const rule = await createClassificationRule(db, input, auditActorOf(req));
      reply.status(201).header("location", `/api/v1/classification-rules/${rule.id}`);
      return presentClassificationRule(rule);
    },
  );

  route(
    app,
    {
      method: "PATCH",
      path: "/api/v1/classification-rules/:id",
      summary: "Change a classification rule (phrases, channels, areas, effect, weight, active …)",
      tag: "classification",
      action: "classification.manage",
      body: ClassificationRulePatch,
      responses: {
        200: { description: "Updated", schema: ClassificationRuleView },
        404: { description: "unknown_classification_rule" },
        422: { description: "unknown_service, unknown_area" },
      },
    },
    async (req) => {
      const { id } = validate(ClassificationRuleParams, req.params);
      const patch = validate(ClassificationRulePatch, req.body);
      return presentClassificationRule(await updateClassificationRule(db, id, patch, auditActorOf(req)));
    },
  );

  route(
    app,
    {
      method: "DELETE",
      path: "/api/v1/classification-rules/:id",
      summary: "Delete a classification rule",
      tag: "classification",
      action: "classification.manage",
      responses: { 204: { description: "Deleted" }, 404: { description: "unknown_classification_rule" } },
    },
    async (req, reply) => {
      const { id } = validate(ClassificationRuleParams, req.params);
      await deleteClassificationRule(db, id, auditActorOf(req));
      reply.status(204);
    },
  );
}
