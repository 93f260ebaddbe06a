/** HTTP routes of the demands concept. */
import type { FastifyInstance } from "fastify";

/** Registers the demands routes. */
export async function registerDemandsRoutes(_app: FastifyInstance): Promise<void> {}
