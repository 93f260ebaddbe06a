/**
 * Where the source of this running version is (AGPL-3.0 section 13, decision 0032): every page's footer links to
 * /codigo-fonte, which sends the reader on to SOURCE_URL. One fixed path keeps the footers static, and a city that
 * runs a modified version changes one variable.
 */
import type { FastifyInstance } from "fastify";
import { route } from "./openapi.ts";

/** Registers GET /codigo-fonte, a redirect to the configured source repository. */
export function registerSourceRoute(app: FastifyInstance): void {
  const target = app.ctx.config.sourceUrl;
  route(
    app,
    {
      method: "GET",
      path: "/codigo-fonte",
      summary:
        "Where the source code of this running version is published (AGPL-3.0): a redirect to SOURCE_URL",
      tag: "project",
      action: "public",
      responses: { 302: { description: "Location: the source repository of this version" } },
    },
    async (_req, reply) => reply.redirect(target, 302),
  );
}
