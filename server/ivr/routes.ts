/**
 * The IVR's menu as data (admins and managers): `GET /api/v1/ivr/menu` (the stored menu, or the default one not yet
 * enabled) and `PUT /api/v1/ivr/menu`, audited. docs/telephony.md "The IVR".
 */
import type { FastifyInstance } from "fastify";
import { IvrMenu } from "../../domain/ivr.ts";
import { auditActorOf } from "../audit/record.ts";
import { route, validate } from "../http/openapi.ts";
import { saveIvrMenu } from "./commands.ts";
import { menuForEditing } from "./queries.ts";

/** Registers the menu's routes. */
export function registerIvrRoutes(app: FastifyInstance): void {
  const { db } = app.ctx;
  route(
    app,
    {
      method: "GET",
      path: "/api/v1/ivr/menu",
      summary: "The 156 line's IVR menu: options by key, when agents answer, the city's own prompts",
      tag: "telephony",
      action: "ivr.manage",
      responses: { 200: { description: "The menu (updatedAt null: the default, not enabled until saved)" } },
    },
    async () => menuForEditing(db),
  );
  route(
    app,
    {
      method: "PUT",
      path: "/api/v1/ivr/menu",
      summary: "Change the 156 line's IVR menu (enabled false: calls go straight to the agents)",
      tag: "telephony",
      action: "ivr.manage",
      body: IvrMenu,
      responses: { 200: { description: "The menu as stored" } },
    },
    async (req) => saveIvrMenu(db, validate(IvrMenu, req.body), auditActorOf(req)),
  );
}
