/** HTTP routes of the audit log: the search for supervisors, the ombudsman team and admins. */
import type { FastifyInstance } from "fastify";
import { route, validate } from "../http/openapi.ts";
import { linkNext } from "../http/pagination.ts";
import { presentAuditEntry } from "./present.ts";
import { searchAuditLog } from "./queries.ts";
import { AuditLogPage, AuditLogQuery } from "./schemas.ts";

/** Registers the audit log routes. */
export async function registerAuditRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/audit-log",
      summary:
        "Search the audit log of staff changes (who, what, before/after, when, from where), newest first",
      tag: "audit",
      action: "audit_log.read",
      query: AuditLogQuery,
      paginated: true,
      responses: { 200: { description: "A page of entries", schema: AuditLogPage } },
    },
    async (req, reply) => {
      const query = validate(AuditLogQuery, req.query);
      const { rows, next } = await searchAuditLog(db, query);
      linkNext(req, reply, next);
      return { entries: rows.map(presentAuditEntry), next };
    },
  );
}
