/** HTTP routes of the message templates concept: list defaults and overrides, save, delete, preview. */
import type { FastifyInstance } from "fastify";
import { auditActorOf } from "../audit/record.ts";
import { loadCalendar } from "../calendar/queries.ts";
import { route, validate } from "../http/openapi.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";
import { deleteOverride, saveOverride } from "./commands.ts";
import { presentTemplates, previewMessage } from "./present.ts";
import { findOverrides, listOverrides } from "./queries.ts";
import {
  OverrideInput,
  OverrideParams,
  PreviewInput,
  PreviewView,
  TemplateListView,
  TemplateView,
} from "./schemas.ts";

/** Registers the message template routes. */
export async function registerMessageTemplatesRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/message-templates",
      summary: "Every message template in every language: its default text, placeholders and overrides",
      tag: "message-templates",
      action: "message_templates.manage",
      responses: { 200: { description: "Templates", schema: TemplateListView } },
    },
    async () => presentTemplates(await listOverrides(db)),
  );

  route(
    app,
    {
      method: "PUT",
      path: "/api/v1/message-templates/:template/:channel/:locale",
      summary: "Override a template's text for a channel (* for any) and a language",
      tag: "message-templates",
      action: "message_templates.manage",
      body: OverrideInput,
      responses: {
        200: { description: "The template with its overrides", schema: TemplateView },
        422: { description: "unknown_placeholder, missing_placeholder or template_too_long" },
      },
    },
    async (req) => {
      const key = validate(OverrideParams, req.params);
      const text = validate(OverrideInput, req.body ?? {});
      await saveOverride(db, key, text, auditActorOf(req));
      return mustPresent(key);
    },
  );

  route(
    app,
    {
      method: "DELETE",
      path: "/api/v1/message-templates/:template/:channel/:locale",
      summary: "Delete an override: the channel and language go back to the default text",
      tag: "message-templates",
      action: "message_templates.manage",
      responses: { 204: { description: "Deleted" }, 404: { description: "unknown_template_override" } },
    },
    async (req, reply) => {
      await deleteOverride(db, validate(OverrideParams, req.params), auditActorOf(req));
      reply.status(204);
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/message-templates/preview",
      summary: "Render a template (a text being edited, or the one in use) with sample values",
      tag: "message-templates",
      action: "message_templates.manage",
      body: PreviewInput,
      responses: {
        200: { description: "What the citizen would read", schema: PreviewView },
        422: { description: "unknown_placeholder, missing_placeholder or template_too_long" },
      },
    },
    async (req) => {
      const input = validate(PreviewInput, req.body ?? {});
      const overrides = await findOverrides(db, input.template, input.locale);
      const { timeZone } = await loadCalendar(db);
      return previewMessage(input, overrides, await tenantPublicUrl(app.ctx), timeZone);
    },
  );

  async function mustPresent(key: OverrideParams) {
    const list = presentTemplates(await listOverrides(db));
    return list.templates.find((t) => t.template === key.template && t.locale === key.locale)!;
  }
}
