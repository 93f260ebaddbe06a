/** HTTP routes of the citizens concept. */
import type { FastifyInstance } from "fastify";

/** Registers the citizens routes. */
export async function registerCitizensRoutes(_app: FastifyInstance): Promise<void> {}
