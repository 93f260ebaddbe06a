/**
 * The HTTP application: locale negotiation, problem+json errors, and the explicit list of every concept's routes.
 */
import compress from "@fastify/compress";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import type { Role } from "../config.ts";
import type { AppContext } from "../context.ts";
import { isDatabaseUnavailable } from "../db/index.ts";
import { AppError, renderProblem, serviceUnavailable } from "../errors.ts";
import { type Locale, negotiateLocale } from "../i18n.ts";
import { runWithRequestId } from "../observability/context.ts";
import { registerHttpMetrics } from "../observability/http-metrics.ts";
import { LOG_TIMESTAMP, logDestination, requestIdFor } from "../observability/log.ts";
import { databaseRegistry, processRegistry } from "../observability/metrics.ts";
import { registerMetricsRoute } from "../observability/metrics-endpoint.ts";
import { RequestLog } from "../observability/request-log.ts";
import { DEFAULT_TENANT, runAsTenant } from "../tenants/current.ts";
import { keepTenantPathInRedirect, stripTenantPath, tenantOfRequest } from "../tenants/http.ts";
import type { Tenant } from "../tenants/queries.ts";
import type { Staff } from "./auth.ts";
import { edgeOptions, registerEdge } from "./edge.ts";
import { registerHealthRoutes } from "./health.ts";
import { registerInputGuard } from "./input-guard.ts";
import { openApiDocument, recordRegisteredRoutes } from "./openapi.ts";
import { registerRoutes } from "./routes.ts";

/** The install's own paths: no tenant, and answered while the database is away. */
const INSTALL_PATHS = /^\/(health|metrics)(\/|\?|$)/;

declare module "fastify" {
  interface FastifyInstance {
    ctx: AppContext;
    /** What /metrics serves: the process's, the database's and (when metrics are on) this app's HTTP registry. */
    metricsRegistries: Registry[];
  }
  interface FastifyRequest {
    locale: Locale;
    /** undefined: not looked up yet; null: looked up, nobody signed in. */
    staff: Staff | null | undefined;
    /** The tenant the request is for (undefined only on the install's own paths: health, metrics). */
    tenant: Tenant | undefined;
  }
}

/**
 * Builds the Fastify app over a context; `listen` or `inject` it. `logger` writes JSON lines at LOG_LEVEL (one per
 * request); `roles` are the roles of the process, whose heartbeats /health/ready expects (tests: web alone).
 */
export async function buildApp(
  ctx: AppContext,
  options: { logger?: boolean; roles?: readonly Role[] } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    // `/t/<slug>/…` is the tenant's path where it has no host of its own: the prefix comes off before routing.
    rewriteUrl: stripTenantPath,
    // One id per request: the caller's X-Request-Id when it is a sane token, else a new UUID (log.ts).
    genReqId: (req) => requestIdFor(req.headers["x-request-id"]),
    // One line per request, written when it is answered, with the request id (request-log.ts).
    logController: new RequestLog(),
    // A request arriving on a kept-alive connection while the server closes is served (with Connection: close),
    // not refused: readiness already says 503, and the shutdown waits for it (main.ts).
    return503OnClosing: false,
    logger: options.logger
      ? {
          level: ctx.config.logLevel,
          timestamp: LOG_TIMESTAMP,
          // The process's one buffered stdout stream (log.ts), shared with its other loggers.
          stream: logDestination,
          // A demand's secret may travel in the query (the counter receipt, a citizen's link): never in the log.
          serializers: {
            req: (req: { method: string; url: string; hostname?: string; ip?: string }) => ({
              method: req.method,
              url: redactUrl(req.url),
              hostname: req.hostname,
              remoteAddress: req.ip,
            }),
          },
        }
      : false,
    bodyLimit: ctx.config.maxAttachmentBytes * 4,
    // Forwarded addresses only from the configured proxies; time-outs for receiving a request (edge.ts).
    ...edgeOptions(ctx.config),
  });
  app.decorate("ctx", ctx);
  // First of all hooks: everything a request runs (hooks, handler, the transactions it opens) sees its id. Entered
  // again before the handler, as body parsing may run outside the context entered at onRequest.
  // The request's tenant (its /t/slug or host, decision 0059) is entered with it: every statement it runs is that
  // tenant's. Health and metrics are the install's own, answered even when the database is not.
  app.addHook("onRequest", (req, reply, done) => {
    reply.header("x-request-id", req.id);
    // The language first: a request refused here (an unknown tenant, the database away) is answered in it.
    const lang = (req.query as Record<string, unknown> | undefined)?.lang;
    req.locale = negotiateLocale(typeof lang === "string" ? lang : req.headers["accept-language"]);
    if (INSTALL_PATHS.test(req.url)) return runWithRequestId(req.id, done);
    tenantOfRequest(ctx.db, req).then(
      (tenant) => {
        req.tenant = tenant;
        runAsTenant(tenant.id, () => runWithRequestId(req.id, done));
      },
      (error: Error) => done(error),
    );
  });
  app.addHook("preHandler", (req, _reply, done) =>
    runAsTenant(req.tenant?.id ?? DEFAULT_TENANT, () => runWithRequestId(req.id, done)),
  );
  // A redirect to one of the application's own paths stays under the tenant's /t/<slug> prefix.
  app.addHook("onSend", async (req, reply, payload) => {
    const location = reply.getHeader("location");
    if (typeof location === "string") reply.header("location", keepTenantPathInRedirect(req, location));
    return payload;
  });
  recordRegisteredRoutes(app);
  await registerEdge(app);
  // Answers over 1 KiB go gzipped to clients that take it (district outlines, catalogue lists, open data): a phone on
  // a slow network gets a third of the bytes. Brotli is left out: compressing every dynamic answer at a useful
  // Brotli level costs more CPU than gzip for little gain over it. Hashed web assets are compressed once and sent
  // with their own Content-Encoding (web.ts), which this leaves alone; event streams are hijacked and never pass here.
  await app.register(compress, { global: true, threshold: 1024, encodings: ["gzip", "deflate"] });
  app.decorateRequest("locale", "pt-BR");
  app.decorateRequest("staff", undefined);
  app.decorateRequest("tenant", undefined);
  registerInputGuard(app);

  app.setErrorHandler((error: FastifyError | AppError, req, reply) => {
    const appError = toAppError(error);
    if (appError.status === 503) req.log.warn({ err: error }, "database unavailable");
    else if (appError.status >= 500) req.log.error(error);
    reply
      .status(appError.status)
      .headers(appError.headers)
      .type("application/problem+json; charset=utf-8")
      .send(renderProblem(appError, req.locale, req.url));
  });
  app.setNotFoundHandler((req, reply) => {
    const error = new AppError(404, "not_found", { what: req.url });
    reply
      .status(404)
      .type("application/problem+json; charset=utf-8")
      .send(renderProblem(error, req.locale, req.url));
  });

  // HTTP metrics cost a little on every request: recorded only when someone can read them.
  const metricsOn = ctx.config.metricsToken !== undefined || ctx.config.metricsPort !== undefined;
  app.decorate("metricsRegistries", [
    processRegistry(),
    databaseRegistry(ctx.db),
    ...(metricsOn ? [registerHttpMetrics(app)] : []),
  ]);
  registerHealthRoutes(app, options.roles ?? ["web"]);
  registerMetricsRoute(app, app.metricsRegistries);
  app.get("/openapi.json", async () => openApiDocument());

  await registerRoutes(app);
  return app;
}

function toAppError(error: FastifyError | AppError): AppError {
  if (error instanceof AppError) return error;
  switch (error.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new AppError(400, "invalid_json");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new AppError(415, "unsupported_media_type");
    case "FST_ERR_CTP_BODY_TOO_LARGE":
    case "FST_REQ_FILE_TOO_LARGE":
      return new AppError(413, "payload_too_large");
  }
  if (error instanceof SyntaxError) return new AppError(400, "invalid_json");
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError(error.statusCode, "invalid_input");
  }
  // The database restarting or out of reach: fail fast with a time to come back, never a 500 or a hung request.
  if (isDatabaseUnavailable(error)) return serviceUnavailable();
  return new AppError(500, "internal_error");
}

/**
 * A request URL fit for the log: the values of `secret` query parameters replaced, and the whole query of a
 * provider's webhook dropped (Kannel's carry the citizen's number and text, WhatsApp's handshake its token), and
 * the signature of a reply file's link (it opens the file).
 */
export function redactUrl(url: string): string {
  if (url.startsWith("/media/replies/"))
    return url.replace(/^(\/media\/replies\/[\d.]+)[^/?#]*/, "$1[redacted]");
  if (url.startsWith("/webhooks/") && url.includes("?"))
    return `${url.slice(0, url.indexOf("?"))}?[redacted]`;
  return url.replace(/([?&](?:secret|chave)=)[^&#]*/gi, "$1[redacted]");
}
