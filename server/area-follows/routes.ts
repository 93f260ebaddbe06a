/**
 * Routes of following an area: start a follow (anyone, rate-limited per caller address), the signed-in citizen's
 * list and stop, and the signed links of the e-mails: confirm, stop, and the RFC 8058 one-click unsubscribe.
 */
import formbody from "@fastify/formbody";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { rateLimited } from "../api-keys/auth.ts";
import { ipBucket } from "../api-keys/limiter.ts";
import { citizenOf } from "../citizen-access/queries.ts";
import { AppError } from "../errors.ts";
import { route, validate } from "../http/openapi.ts";
import {
  confirmAreaFollow,
  type Follower,
  followArea,
  stopAreaFollowByToken,
  stopCitizenAreaFollow,
} from "./commands.ts";
import { presentAreaFollow } from "./present.ts";
import { citizenAreaFollows } from "./queries.ts";
import {
  AreaFollowCreated,
  AreaFollowInput,
  AreaFollowList,
  AreaFollowParams,
  AreaFollowToken,
  AreaFollowTokenQuery,
  AreaFollowView,
} from "./schemas.ts";

/** Follows asked for per caller address per minute (each may send a confirmation e-mail). */
export const FOLLOW_REQUESTS_PER_MINUTE = 10;

export async function registerAreaFollowsRoutes(app: FastifyInstance): Promise<void> {
  const db = app.ctx.db;

  const signedIn = async (req: FastifyRequest): Promise<Follower> => {
    const who = await citizenOf(db, req);
    if (!who) throw new AppError(401, "citizen_not_signed_in");
    return { citizenId: who.citizenId, email: who.email };
  };

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/area-follows",
      summary:
        "Follow a district or a point with a radius: at most one e-mail an hour with the demands opened, answered and closed there (an address other than the signed-in citizen's proven one confirms by e-mail first)",
      tag: "area-follows",
      action: "public",
      body: AreaFollowInput,
      responses: {
        201: {
          description: "Following (or waiting for the confirmation e-mail's link)",
          schema: AreaFollowCreated,
        },
        400: { description: "area_required, email required" },
        422: { description: "unknown_area, point_outside_city, area_follow_limit" },
        429: { description: "rate_limited" },
      },
    },
    async (req, reply) => {
      const verdict = app.apiLimiter.take(`area-follow:${ipBucket(req.ip)}`, FOLLOW_REQUESTS_PER_MINUTE);
      if (!verdict.ok) throw rateLimited(verdict.retryAfterSeconds);
      const input = validate(AreaFollowInput, req.body);
      const who = await citizenOf(db, req);
      const follower = who ? { citizenId: who.citizenId, email: who.email } : undefined;
      const { follow, confirmationSent } = await followArea(db, input, follower, req.locale);
      reply.header("cache-control", "private, no-store");
      return reply.status(201).send({ ...presentAreaFollow(follow), confirmationSent });
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/area-follows",
      summary: "The signed-in citizen's follows of areas (active and waiting for confirmation), newest first",
      tag: "area-follows",
      action: "citizen",
      responses: {
        200: { description: "The list", schema: AreaFollowList },
        401: { description: "Not signed in" },
      },
    },
    async (req, reply) => {
      const who = await signedIn(req);
      reply.header("cache-control", "private, no-store");
      const rows = await citizenAreaFollows(db, who.citizenId, who.email);
      return { email: who.email, follows: rows.map(presentAreaFollow) };
    },
  );

  route(
    app,
    {
      method: "DELETE",
      path: "/api/v1/area-follows/:id",
      summary: "Stop one of the signed-in citizen's follows",
      tag: "area-follows",
      action: "citizen",
      responses: {
        200: { description: "Stopped", schema: AreaFollowView },
        401: { description: "Not signed in" },
        404: { description: "Not a follow of theirs" },
      },
    },
    async (req) => {
      const who = await signedIn(req);
      const { id } = validate(AreaFollowParams, req.params);
      return presentAreaFollow(await stopCitizenAreaFollow(db, who, id));
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/area-follows/confirm",
      summary: "Confirm a follow with the token of its confirmation e-mail's link (the double opt-in)",
      tag: "area-follows",
      action: "public",
      body: AreaFollowToken,
      responses: {
        200: { description: "Following", schema: AreaFollowView },
        400: { description: "invalid_area_follow_link" },
        410: { description: "area_follow_expired" },
      },
    },
    async (req) => presentAreaFollow(await confirmAreaFollow(db, validate(AreaFollowToken, req.body).token)),
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/area-follows/stop",
      summary:
        "Stop a follow with the token of the link in its e-mails (no sign-in); its address is forgotten",
      tag: "area-follows",
      action: "public",
      body: AreaFollowToken,
      responses: {
        200: { description: "Stopped", schema: AreaFollowView },
        400: { description: "invalid_area_follow_link" },
      },
    },
    async (req) =>
      presentAreaFollow(await stopAreaFollowByToken(db, validate(AreaFollowToken, req.body).token)),
  );

  await app.register(async (scope) => {
    if (!scope.hasContentTypeParser("application/x-www-form-urlencoded")) await scope.register(formbody);
    route(
      scope,
      {
        method: "POST",
        path: "/api/v1/area-follows/unsubscribe",
        summary:
          "RFC 8058 one-click unsubscribe of a digest (List-Unsubscribe-Post): the token in the address, the body List-Unsubscribe=One-Click",
        tag: "area-follows",
        action: "public",
        cookies: false, // a mail client's POST: authenticated by the signed token, never by a session
        query: AreaFollowTokenQuery,
        bodyMediaTypes: ["application/x-www-form-urlencoded"],
        responses: {
          200: { description: "Stopped", schema: AreaFollowView },
          400: { description: "invalid_area_follow_link" },
        },
      },
      async (req) =>
        presentAreaFollow(await stopAreaFollowByToken(db, validate(AreaFollowTokenQuery, req.query).token)),
    );
  });
}
