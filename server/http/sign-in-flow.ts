/**
 * The HTTP side of a sign-in through an OpenID provider (server/access/oidc.ts): the short-lived cookie that binds a
 * started flow to the browser that started it, and the callback's query string as the provider sent it.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { FLOW_COOKIE } from "../access/oidc.ts";
import { tenantCookie, tenantCookieValue } from "../tenants/http.ts";

/** Sets (or, with maxAgeSeconds 0, clears) the flow cookie: HttpOnly, SameSite=Lax, only under /api/v1/. */
export function setFlowCookie(
  req: FastifyRequest,
  reply: FastifyReply,
  state: string,
  maxAgeSeconds: number,
): void {
  const cookie = tenantCookie(req, FLOW_COOKIE, "/api/v1/");
  reply.setCookie(cookie.name, state, {
    path: cookie.path,
    httpOnly: true,
    // Lax: the provider's redirect back is a top-level navigation from another site, which Lax cookies go with.
    sameSite: "lax",
    maxAge: maxAgeSeconds,
    secure: req.protocol === "https",
  });
}

/** The state the browser holds for its flow, if any. */
export const flowStateOf = (req: FastifyRequest): string | undefined => tenantCookieValue(req, FLOW_COOKIE);

/** The query string of a request, exactly as the provider sent it back. */
export const queryOf = (req: FastifyRequest): string =>
  req.url.includes("?") ? req.url.slice(req.url.indexOf("?") + 1) : "";
