/** HTTP routes of the organisation concept. */
import type { FastifyInstance } from "fastify";

/** Registers the organisation routes. */
export async function registerOrganisationRoutes(_app: FastifyInstance): Promise<void> {}
