/**
 * What the agent console keeps for working without the network (issue 16): the active catalogue with each
 * service's extra fields, in the agent's language, and the version it was read at. The console stores it in the
 * browser and reads it when a request fails for want of a link; it asks again when the version changes.
 */
import { z } from "zod";
import { presentServiceDetail } from "../catalogue/present.ts";
import { listServices } from "../catalogue/queries.ts";
import { ServiceDetailView } from "../catalogue/schemas.ts";
import type { Sql } from "../db/index.ts";
import type { Locale } from "../i18n.ts";
import { catalogueVersion } from "./queries.ts";

export const OfflineKitView = z.object({
  /** Changes whenever a service or group changes. */
  version: z.string(),
  language: z.string(),
  services: ServiceDetailView.array(),
});
export type OfflineKitView = z.infer<typeof OfflineKitView>;

/** The kit in `locale`. */
export async function offlineKit(sql: Sql, locale: Locale): Promise<OfflineKitView> {
  const [version, services] = await Promise.all([catalogueVersion(sql), listServices(sql, {})]);
  return { version, language: locale, services: services.map((s) => presentServiceDetail(s, locale)) };
}
