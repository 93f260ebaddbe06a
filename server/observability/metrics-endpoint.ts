/**
 * Where Prometheus reads the metrics: `GET /metrics` on the HTTP port, opened by a Bearer token (METRICS_TOKEN;
 * without one it answers 404, as if it did not exist), and a listener of its own on METRICS_PORT (bound to
 * METRICS_HOST, 127.0.0.1 by default) that any role can run, with no token: its address is the protection.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import { AppError, unauthenticated } from "../errors.ts";
import { route } from "../http/openapi.ts";
import { METRICS_CONTENT_TYPE, scrape } from "./metrics.ts";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** True when the Authorization header carries exactly `token` (compared in constant time). */
function carriesToken(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), digest(token));
}

/** Declares GET /metrics on the app: 404 without METRICS_TOKEN, 401 without the token, else the metrics. */
export function registerMetricsRoute(app: FastifyInstance, registries: readonly Registry[]): void {
  const token = app.ctx.config.metricsToken;
  route(
    app,
    {
      method: "GET",
      path: "/metrics",
      summary: "Prometheus metrics (Authorization: Bearer METRICS_TOKEN); 404 when no token is configured",
      tag: "system",
      // The token is this route's permission, not a staff session (docs/operations.md).
      action: "public",
      responses: { 200: { description: "The Prometheus text exposition format" } },
    },
    async (req, reply) => {
      if (token === undefined) throw new AppError(404, "not_found", { what: req.url });
      if (!carriesToken(req.headers.authorization, token)) {
        const error = unauthenticated();
        throw new AppError(error.status, error.code, {}, [], {
          "www-authenticate": 'Bearer realm="metrics"',
        });
      }
      reply.type(METRICS_CONTENT_TYPE).header("cache-control", "no-store");
      return scrape(registries);
    },
  );
}

/** A listener serving only GET /metrics on `host`:`port`; resolves once listening, with its URL and its stop. */
export async function startMetricsListener(
  host: string,
  port: number,
  registries: readonly Registry[],
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    scrape(registries).then(
      (text) => res.writeHead(200, { "content-type": METRICS_CONTENT_TYPE }).end(text),
      () => res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("scrape failed\n"),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
