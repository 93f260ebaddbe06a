/**
 * The probes. `GET /health`: the process is alive (no database call, so a slow database never gets a healthy
 * process restarted). `GET /health/ready`: it should get traffic: the database answers, every migration this code
 * knows is applied, the expected roles (EXPECTED_ROLES, by default this process's own) have a recent heartbeat,
 * and it is not shutting down; else 503 problem+json naming each thing that is wrong. Neither is rate-limited, and
 * the readiness verdict is reused for a second, so probes cost at most two small queries a second.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Role } from "../config.ts";
import { readMigrations } from "../db/migrate.ts";
import { AppError, type FieldProblem, renderProblem } from "../errors.ts";
import { translate } from "../i18n.ts";
import { ALIVE_SECONDS } from "../observability/heartbeat.ts";
import { route } from "./openapi.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** Set by the shutdown (main.ts): readiness answers 503 from then on, so proxies stop sending traffic. */
    lifecycle: { draining: boolean };
  }
}

/** How long one readiness verdict is reused. */
const VERDICT_MS = 1_000;

/** Declares /health and /health/ready; `roles` are this process's roles (the default of EXPECTED_ROLES). */
export function registerHealthRoutes(app: FastifyInstance, roles: readonly Role[]): void {
  const { db, config } = app.ctx;
  app.decorate("lifecycle", { draining: false });
  // The web role is the process answering this very request: only the other roles need a heartbeat.
  const expected = (config.expectedRoles ?? roles).filter((role) => role !== "web");
  const known = readMigrations().map((m) => m.version);
  let verdict: { at: number; problems: Promise<FieldProblem[]> } | undefined;

  async function check(): Promise<FieldProblem[]> {
    let applied: Set<string>;
    try {
      const rows = await db.query<{ version: string }>("SELECT version FROM schema_migrations");
      applied = new Set(rows.map((r) => r.version));
    } catch {
      return [{ field: "database", code: "unreachable", key: "health.database_unreachable" }];
    }
    const pending = known.filter((v) => !applied.has(v));
    if (pending.length > 0) {
      const versions = pending.join(", ");
      return [
        { field: "migrations", code: "pending", key: "health.migrations_pending", params: { versions } },
      ];
    }
    if (expected.length === 0) return [];
    let alive: Set<string>;
    try {
      const rows = await db.query<{ role: string }>(
        `SELECT DISTINCT role FROM process_heartbeats
          WHERE role = ANY($1) AND beat_at > now() - make_interval(secs => $2)`,
        [expected, ALIVE_SECONDS],
      );
      alive = new Set(rows.map((r) => r.role));
    } catch {
      return [{ field: "database", code: "unreachable", key: "health.database_unreachable" }];
    }
    return expected
      .filter((role) => !alive.has(role))
      .map((role) => ({
        field: role,
        code: "no_heartbeat",
        key: "health.no_heartbeat",
        params: { role, seconds: ALIVE_SECONDS },
      }));
  }

  function notReady(req: FastifyRequest, reply: FastifyReply, problems: FieldProblem[]) {
    const error = new AppError(503, "not_ready", {}, problems, { "retry-after": "5" });
    // Answered here, not thrown: the error handler would log every probe of a draining process as a warning.
    return reply
      .status(503)
      .headers(error.headers)
      .header("cache-control", "no-store")
      .type("application/problem+json; charset=utf-8")
      .send(renderProblem(error, req.locale, req.url));
  }

  route(
    app,
    {
      method: "GET",
      path: "/health",
      summary: "Liveness: the process answers",
      tag: "system",
      action: "public",
    },
    async (req, reply) => {
      reply.header("cache-control", "no-store");
      return { status: "ok", message: translate(req.locale, "health.ok"), database: db.kind };
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/health/ready",
      summary: "Readiness: database reachable, migrations applied, expected roles beating, not shutting down",
      tag: "system",
      action: "public",
      responses: { 503: { description: "Not ready: a problem+json listing each thing that is wrong" } },
    },
    async (req, reply) => {
      if (app.lifecycle.draining) {
        return notReady(req, reply, [
          { field: "process", code: "shutting_down", key: "health.shutting_down" },
        ]);
      }
      if (!verdict || Date.now() - verdict.at > VERDICT_MS) verdict = { at: Date.now(), problems: check() };
      const problems = await verdict.problems;
      if (problems.length > 0) return notReady(req, reply, problems);
      reply.header("cache-control", "no-store");
      return { status: "ready", message: translate(req.locale, "health.ready"), database: db.kind };
    },
  );
}
