/** The explicit list of every concept's routes. A new concept adds one line here. */
import type { FastifyInstance } from "fastify";
import { registerAreasRoutes } from "../areas/routes.ts";
import { registerCatalogueRoutes } from "../catalogue/routes.ts";
import { registerCitizensRoutes } from "../citizens/routes.ts";
import { registerDemandsRoutes } from "../demands/routes.ts";
import { registerOrganisationRoutes } from "../organisation/routes.ts";
import { registerStaffRoutes } from "../staff/routes.ts";

/** Registers every concept's routes on the app. */
export async function registerRoutes(app: FastifyInstance): Promise<void> {
  await registerStaffRoutes(app);
  await registerAreasRoutes(app);
  await registerCatalogueRoutes(app);
  await registerOrganisationRoutes(app);
  await registerCitizensRoutes(app);
  await registerDemandsRoutes(app);
}
