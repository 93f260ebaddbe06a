/** Admin routes of client applications' API keys, and the process's shared rate limiter. */
import type { FastifyInstance } from "fastify";
import { auditActorOf } from "../audit/record.ts";
import { route, validate } from "../http/openapi.ts";
import { createApiClient, revokeApiClient, updateApiClient } from "./commands.ts";
import { type RateLimiter, startRateLimiter } from "./limiter.ts";
import { presentApiClient } from "./present.ts";
import { listApiClients } from "./queries.ts";
import { ApiClientInput, ApiClientParams, ApiClientPatch, ApiClientView, IssuedKeyView } from "./schemas.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** This web process's share of the public APIs' rate limits. */
    apiLimiter: RateLimiter;
  }
}

/** Starts the limiter and registers the API client routes. */
export async function registerApiKeysRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;
  const limiter = startRateLimiter(db);
  app.decorate("apiLimiter", limiter);
  app.addHook("onClose", async () => limiter.stop());

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/api-clients",
      summary: "Register a client application of the public APIs; its key is shown in this answer only",
      tag: "api-clients",
      action: "api_clients.manage",
      body: ApiClientInput,
      responses: { 201: { description: "Created, with the key", schema: IssuedKeyView } },
    },
    async (req, reply) => {
      const input = validate(ApiClientInput, req.body);
      const issued = await createApiClient(db, input, auditActorOf(req));
      reply.code(201);
      return { client: presentApiClient(issued.row), key: issued.key };
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/api-clients",
      summary: "List client applications, with their key prefixes, limits and last use",
      tag: "api-clients",
      action: "api_clients.manage",
      responses: { 200: { description: "The clients", schema: ApiClientView.array() } },
    },
    async () => (await listApiClients(db)).map(presentApiClient),
  );

  route(
    app,
    {
      method: "PATCH",
      path: "/api/v1/api-clients/:id",
      summary: "Change a client application's name, contact or rate limit",
      tag: "api-clients",
      action: "api_clients.manage",
      body: ApiClientPatch,
      responses: {
        200: { description: "Updated", schema: ApiClientView },
        404: { description: "not_found" },
      },
    },
    async (req) => {
      const { id } = validate(ApiClientParams, req.params);
      return presentApiClient(
        await updateApiClient(db, id, validate(ApiClientPatch, req.body), auditActorOf(req)),
      );
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/api-clients/:id/revoke",
      summary: "Revoke a client application's key for good",
      tag: "api-clients",
      action: "api_clients.manage",
      responses: {
        200: { description: "Revoked", schema: ApiClientView },
        404: { description: "not_found" },
      },
    },
    async (req) => {
      const { id } = validate(ApiClientParams, req.params);
      return presentApiClient(await revokeApiClient(db, id, auditActorOf(req)));
    },
  );
}
