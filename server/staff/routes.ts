/** HTTP routes of the staff concept. */
import type { FastifyInstance } from "fastify";

/** Registers the staff routes. */
export async function registerStaffRoutes(_app: FastifyInstance): Promise<void> {}
