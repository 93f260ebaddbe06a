/**
 * The HTTP edge: whose forwarded headers are believed (TRUST_PROXY), how long a client may take to send a request,
 * session cookies parsed by @fastify/cookie, security headers on every answer, and the guard of every change route:
 * no cross-site change riding on a session cookie (CSRF) and no body in a media type the route does not declare.
 */
import cookie from "@fastify/cookie";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Config } from "../config.ts";
import { AppError } from "../errors.ts";

/** The cookies that carry a session: a staff member's and a signed-in citizen's. */
export const SESSION_COOKIES = ["responsiva_session", "responsiva_citizen"] as const;

/** The Fastify options of the edge: proxy trust and the time-outs for receiving a request. */
export function edgeOptions(config: Config) {
  const hops = config.trustProxy;
  return {
    // A hop count trusts that many proxies nearest the server, whoever they are (Fastify itself refuses numbers):
    // safe only where the server cannot be reached but through them (docs/operations.md).
    trustProxy: typeof hops === "number" ? (_address: string, hop: number) => hop < hops : hops,
    requestTimeout: config.requestTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      // Node checks both time-outs on this period; its default (30 s) would add up to that much to each.
      connectionsCheckingInterval: Math.min(5000, config.headersTimeoutMs),
    },
  };
}

/**
 * The policy of answers that are not pages or the web shells (JSON, files): nothing loads, nothing frames them.
 * Web shells and pages set their own before this would.
 */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Registers cookie parsing, the stalled-request time-out and the security headers of every answer. */
export async function registerEdge(app: FastifyInstance): Promise<void> {
  // Malformed cookie values stay as they came (never a thrown URIError): a bad token finds no session, a 401.
  await app.register(cookie);
  const idleMs = app.ctx.config.requestIdleTimeoutMs;
  app.addHook("onRequest", async (req) => {
    if (!hasBody(req)) return;
    // While a body is arriving the socket may not go quiet for longer than this; once it has all arrived, the
    // handler (a slow export, an event stream) has all the time it needs.
    const socket = req.raw.socket;
    if (typeof socket?.setTimeout !== "function") return; // in-process inject: no socket to watch
    socket.setTimeout(idleMs);
    req.raw.once("end", () => socket.setTimeout(0));
  });
  app.addHook("onSend", async (_req, reply, payload) => {
    reply.header("x-content-type-options", "nosniff");
    if (!reply.hasHeader("x-frame-options")) reply.header("x-frame-options", "DENY");
    if (!reply.hasHeader("referrer-policy")) reply.header("referrer-policy", "same-origin");
    const type = String(reply.getHeader("content-type") ?? "");
    // A policy on a script would bind the worker it starts (the service worker must fetch): scripts get none.
    if (!reply.hasHeader("content-security-policy") && !type.includes("javascript")) {
      // HTML a route forgot to give its own policy gets the strictest: no script, no style, no frame.
      reply.header("content-security-policy", type.startsWith("text/html") ? PAGE_FALLBACK_CSP : API_CSP);
    }
    return payload;
  });
}

const PAGE_FALLBACK_CSP =
  "default-src 'none'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** True when a request announces a body (a length above zero, or a chunked one). */
function hasBody(req: FastifyRequest): boolean {
  if (req.headers["transfer-encoding"] !== undefined) return true;
  const length = Number(req.headers["content-length"] ?? 0);
  return Number.isFinite(length) && length > 0;
}

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The guard of a change route (POST, PUT, PATCH, DELETE): 403 `cross_site_request` when a session cookie is the
 * credential and the browser says the request comes from another origin; 415 when the body is in a media type the
 * route does not declare (JSON, plus `mediaTypes`). `cookies: false` marks routes that never act on a session
 * cookie (webhooks signed by their sender, Open311 posts with an api_key), which other sites may call.
 */
export function changeGuard(spec: { method: string; bodyMediaTypes?: string[]; cookies?: false }) {
  if (!UNSAFE_METHODS.has(spec.method)) return [];
  const accepted = new Set(["application/json", ...(spec.bodyMediaTypes ?? [])]);
  return [
    async (req: FastifyRequest) => {
      if (spec.cookies !== false && carriesSessionCookie(req) && isCrossOrigin(req))
        throw new AppError(403, "cross_site_request");
      if (hasBody(req) && !accepted.has(mediaTypeOf(req))) throw new AppError(415, "unsupported_media_type");
    },
  ];
}

// A bearer token is never sent by a browser on its own: such a request is not riding on ambient credentials.
function carriesSessionCookie(req: FastifyRequest): boolean {
  if (req.headers.authorization) return false;
  // A tenant under /t/<slug> has its session cookies suffixed with its slug (server/tenants/http.ts).
  return Object.entries(req.cookies).some(
    ([cookie, value]) =>
      Boolean(value) && SESSION_COOKIES.some((name) => cookie === name || cookie.startsWith(`${name}-`)),
  );
}

/**
 * Whether the browser says the request was made by a page of another origin: Sec-Fetch-Site when sent (sibling
 * hosts of the same site are "same-site", refused too), else Origin against this request's own origin and
 * PUBLIC_URL. A request with neither header is not from a browser page.
 */
function isCrossOrigin(req: FastifyRequest): boolean {
  const site = req.headers["sec-fetch-site"];
  if (typeof site === "string") return site !== "same-origin" && site !== "none";
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  const allowed = [`${req.protocol}://${req.host}`, req.server.ctx.config.publicUrl].map(originOf);
  const from = originOf(origin);
  return from === undefined || !allowed.includes(from);
}

// An origin in its normal form ("http://host:80" → "http://host"); undefined for "null" and other non-URLs.
function originOf(value: string): string | undefined {
  try {
    const origin = new URL(value).origin;
    return origin === "null" ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** The media type of a request's body without its parameters, in lower case ("" when it has none). */
function mediaTypeOf(req: FastifyRequest): string {
  return String(req.headers["content-type"] ?? "")
    .split(";")[0]!
    .trim()
    .toLowerCase();
}
