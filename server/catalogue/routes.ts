/** HTTP routes of the catalogue concept. */
import type { FastifyInstance } from "fastify";

/** Registers the catalogue routes. */
export async function registerCatalogueRoutes(_app: FastifyInstance): Promise<void> {}
