/**
 * HTTP routes of duplicates (decision 0026): the candidates a citizen sees while filing, support (+1) and follow
 * instead of filing again, and the staff's undo of a link.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { authenticateApiClient } from "../api-keys/auth.ts";
import { findServiceByCodeCached } from "../catalogue/queries.ts";
import { citizenOf } from "../citizen-access/queries.ts";
import { demandByProtocol, protocolParam } from "../demands/access.ts";
import { AppError, unprocessable } from "../errors.ts";
import { requireStaff } from "../http/auth.ts";
import { route, validate } from "../http/openapi.ts";
import { followDemand, supportDemand, unfollowDemand, unlinkDemand } from "./commands.ts";
import { findPublicCandidates } from "./queries.ts";
import { CandidateQuery, CandidateView, SupportView, UnlinkView } from "./schemas.ts";

/** Public routes count against the caller's rate limit: its client application's with a key, its address's without. */
async function countPublicRequest(req: FastifyRequest): Promise<void> {
  const header = req.headers["x-api-key"];
  await authenticateApiClient(req, typeof header === "string" ? header : undefined, { required: false });
}

/** Registers the duplicate routes. */
export async function registerDuplicatesRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/duplicate-candidates",
      summary:
        "Open demands of a service near a point, public facts only: shown before filing, so a citizen can follow or support one instead",
      tag: "duplicates",
      action: "public",
      query: CandidateQuery,
      responses: { 200: { description: "Nearest first", schema: z.array(CandidateView) } },
    },
    async (req) => {
      await countPublicRequest(req);
      const query = validate(CandidateQuery, req.query);
      const service = await findServiceByCodeCached(db, query.service);
      if (!service) throw unprocessable("unknown_service", "service", { code: query.service });
      const found = await findPublicCandidates(db, service, query, req.locale);
      return found.map(({ record, supporters }) => ({
        protocol: record.protocol,
        service: record.serviceName,
        status: record.status,
        openedAt: record.openedAt,
        street: record.street,
        districtName: record.districtName,
        lat: record.lat,
        lon: record.lon,
        supporters,
      }));
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/demands/:protocol/support",
      summary: "Support (+1) an open demand without an account: once per address, a few a day",
      tag: "duplicates",
      action: "public",
      responses: {
        200: { description: "Counted, or already counted", schema: SupportView },
        409: { description: "demand_not_open" },
        429: { description: "support_limit" },
      },
    },
    async (req) => {
      await countPublicRequest(req);
      const demand = await demandByProtocol(db, protocolParam(req));
      return supportDemand(db, demand.id, req.ip);
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/demands/:protocol/follow",
      summary: "The signed-in citizen follows an open demand: they are told what its citizen is told",
      tag: "duplicates",
      action: "citizen",
      responses: {
        204: { description: "Following" },
        401: { description: "Not signed in" },
        409: { description: "demand_not_open" },
      },
    },
    async (req, reply) => {
      const who = await citizenOf(db, req);
      if (!who) throw new AppError(401, "citizen_not_signed_in");
      const demand = await demandByProtocol(db, protocolParam(req));
      await followDemand(db, who.citizenId, demand.id);
      return reply.status(204).send();
    },
  );

  route(
    app,
    {
      method: "DELETE",
      path: "/api/v1/demands/:protocol/follow",
      summary: "The signed-in citizen stops following a demand they chose to follow",
      tag: "duplicates",
      action: "citizen",
      responses: { 204: { description: "Not following" }, 401: { description: "Not signed in" } },
    },
    async (req, reply) => {
      const who = await citizenOf(db, req);
      if (!who) throw new AppError(401, "citizen_not_signed_in");
      const demand = await demandByProtocol(db, protocolParam(req));
      await unfollowDemand(db, who.citizenId, demand.id);
      return reply.status(204).send();
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/demands/:protocol/unlink",
      summary:
        "Undo a merge or an automatic link that was wrong: the demand goes back to the triage queue on its own",
      tag: "duplicates",
      action: "triage.work",
      responses: {
        200: { description: "Unlinked", schema: UnlinkView },
        409: { description: "not_merged" },
      },
    },
    async (req) => {
      const staff = await requireStaff(req);
      const demand = await demandByProtocol(db, protocolParam(req));
      return unlinkDemand(db, staff, demand.id);
    },
  );
}
