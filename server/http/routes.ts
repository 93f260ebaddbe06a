/** The explicit list of every concept's routes. A new concept adds one line here. */
import type { FastifyInstance } from "fastify";
import { registerApiKeysRoutes } from "../api-keys/routes.ts";
import { registerAreasRoutes } from "../areas/routes.ts";
import { registerAuditRoutes } from "../audit/routes.ts";
import { registerCalendarRoutes } from "../calendar/routes.ts";
import { registerCatalogueRoutes } from "../catalogue/routes.ts";
import { registerCitizenAccessRoutes } from "../citizen-access/routes.ts";
import { registerCitizensRoutes } from "../citizens/routes.ts";
import { registerClassificationRoutes } from "../classification/routes.ts";
import { registerDeadlinesRoutes } from "../deadlines/routes.ts";
import { registerDemandsRoutes } from "../demands/routes.ts";
import { registerDepartmentSystemsRoutes } from "../department-systems/routes.ts";
import { registerDuplicatesRoutes } from "../duplicates/routes.ts";
import { registerEventsRoutes } from "../events/routes.ts";
import { registerExportsRoutes } from "../exports/routes.ts";
import { registerMessageTemplatesRoutes } from "../message-templates/routes.ts";
import { registerNotificationsRoutes } from "../notifications/routes.ts";
import { registerOpen311Routes } from "../open311/routes.ts";
import { registerOrganisationRoutes } from "../organisation/routes.ts";
import { registerSatisfactionRoutes } from "../satisfaction/routes.ts";
import { registerStaffRoutes } from "../staff/routes.ts";
import { registerTelephonyRoutes } from "../telephony/routes.ts";
import { registerTriageRoutes } from "../triage/routes.ts";
import { registerWebhooksRoutes } from "../webhooks/routes.ts";
import { registerWorkOrdersRoutes } from "../work-orders/routes.ts";
import { registerWebRoutes } from "./web.ts";

/** Registers every concept's routes on the app. */
export async function registerRoutes(app: FastifyInstance): Promise<void> {
  await registerApiKeysRoutes(app);
  await registerStaffRoutes(app);
  await registerAreasRoutes(app);
  await registerCatalogueRoutes(app);
  await registerClassificationRoutes(app);
  await registerOrganisationRoutes(app);
  await registerCitizensRoutes(app);
  await registerCitizenAccessRoutes(app);
  await registerDemandsRoutes(app);
  await registerTriageRoutes(app);
  await registerDuplicatesRoutes(app);
  await registerWorkOrdersRoutes(app);
  await registerDeadlinesRoutes(app);
  await registerSatisfactionRoutes(app);
  await registerNotificationsRoutes(app);
  await registerMessageTemplatesRoutes(app);
  await registerCalendarRoutes(app);
  await registerEventsRoutes(app);
  await registerDepartmentSystemsRoutes(app);
  await registerExportsRoutes(app);
  await registerWebhooksRoutes(app);
  await registerOpen311Routes(app);
  await registerTelephonyRoutes(app);
  await registerAuditRoutes(app);
  registerWebRoutes(app);
}
