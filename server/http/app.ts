/**
 * The HTTP application: locale negotiation, problem+json errors, and the explicit list of every concept's routes.
 */
import compress from "@fastify/compress";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { isDatabaseUnavailable } from "../db/index.ts";
import { AppError, renderProblem, serviceUnavailable } from "../errors.ts";
import { type Locale, negotiateLocale, translate } from "../i18n.ts";
import type { Staff } from "./auth.ts";
import { edgeOptions, registerEdge } from "./edge.ts";
import { registerInputGuard } from "./input-guard.ts";
import { openApiDocument, recordRegisteredRoutes, route } from "./openapi.ts";
import { registerRoutes } from "./routes.ts";

declare module "fastify" {
  interface FastifyInstance {
    ctx: AppContext;
  }
  interface FastifyRequest {
    locale: Locale;
    /** undefined: not looked up yet; null: looked up, nobody signed in. */
    staff: Staff | null | undefined;
  }
}

/** Builds the Fastify app over a context; `listen` or `inject` it. */
export async function buildApp(
  ctx: AppContext,
  options: { logger?: boolean } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger
      ? {
          level: ctx.config.logLevel,
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
  recordRegisteredRoutes(app);
  await registerEdge(app);
  // Answers over 1 KiB go gzipped to clients that take it (district outlines, catalogue lists, open data): a phone on
  // a slow network gets a third of the bytes. Brotli is left out: compressing every dynamic answer at a useful
  // Brotli level costs more CPU than gzip for little gain over it. Hashed web assets are compressed once and sent
  // with their own Content-Encoding (web.ts), which this leaves alone; event streams are hijacked and never pass here.
  await app.register(compress, { global: true, threshold: 1024, encodings: ["gzip", "deflate"] });
  app.decorateRequest("locale", "pt-BR");
  app.decorateRequest("staff", undefined);
  registerInputGuard(app);
  app.addHook("onRequest", async (req) => {
    const lang = (req.query as Record<string, unknown> | undefined)?.lang;
    req.locale = negotiateLocale(typeof lang === "string" ? lang : req.headers["accept-language"]);
  });

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

  route(
    app,
    {
      method: "GET",
      path: "/health",
      summary: "Liveness and database check",
      tag: "system",
      action: "public",
    },
    async (req) => {
      await ctx.db.query("SELECT 1");
      return { status: "ok", message: translate(req.locale, "health.ok"), database: ctx.db.kind };
    },
  );
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

/** A request URL fit for the log: the values of `secret` query parameters replaced. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:secret|chave)=)[^&#]*/gi, "$1[redacted]");
}
