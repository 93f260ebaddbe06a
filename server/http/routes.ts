/** The explicit list of every concept's routes. A new concept adds one line here. */
import type { FastifyInstance } from "fastify";

/** Registers every concept's routes on the app. */
export async function registerRoutes(_app: FastifyInstance): Promise<void> {}
