/** HTTP routes of the areas concept. */
import type { FastifyInstance } from "fastify";

/** Registers the areas routes. */
export async function registerAreasRoutes(_app: FastifyInstance): Promise<void> {}
