/**
 * What the agent console keeps for working without the network (issue 16): the active catalogue with each
 * service's extra fields, in the agent's language, the suggester's inputs (the services' documents, the families of
 * close services and the managers' rules, from which the browser builds the very index the server suggests with:
 * domain/classification/) and the version it was read at. The console stores it in the browser and reads it when a
 * request fails for want of a link; it asks again when the version changes.
 */
import { z } from "zod";
import { presentServiceDetail } from "../catalogue/present.ts";
import { listServices } from "../catalogue/queries.ts";
import { ServiceDetailView } from "../catalogue/schemas.ts";
import type { Sql } from "../db/index.ts";
import type { Locale } from "../i18n.ts";
import { catalogueVersion, suggesterInputs } from "./queries.ts";

const Language = z.enum(["pt-BR", "en", "es"]);
/** A pattern as JSON carries it: its source and flags (new RegExp(source, flags)). */
const Pattern = z.tuple([z.string(), z.string()]);

/** The suggester's inputs (server/classification/queries.ts suggesterInputs). */
const SuggesterInputsView = z.object({
  /** One per active service, in code order: the texts the index reads about it with their weights. */
  documents: z
    .object({
      code: z.string(),
      name: z.string(),
      nameLanguage: Language,
      texts: z.object({ text: z.string(), weight: z.number() }).array(),
      volume: z.number(),
      group: z.string().optional(),
    })
    .array(),
  /** Families of close services and the cues that tell them apart (server/classification/cues.ts). */
  families: z
    .object({
      name: z.string(),
      members: z.string().array(),
      needCue: z.string().array(),
      cues: z.object({ code: z.string(), when: Pattern, unless: Pattern.optional() }).array(),
    })
    .array(),
  /** The managers' active rules (GET /api/v1/classification-rules, the active ones of active services). */
  rules: z
    .object({
      id: z.number().int(),
      serviceCode: z.string(),
      serviceName: z.string(),
      phrases: z.string().array(),
      channels: z.string().array(),
      areaCodes: z.string().array(),
      effect: z.enum(["boost", "override"]),
      weight: z.number(),
    })
    .array(),
});

export const OfflineKitView = z.object({
  /** Changes whenever a service, group or classification rule changes. */
  version: z.string(),
  language: z.string(),
  services: ServiceDetailView.array(),
  suggester: SuggesterInputsView,
});
export type OfflineKitView = z.infer<typeof OfflineKitView>;

/** The kit in `locale`. */
export async function offlineKit(sql: Sql, locale: Locale): Promise<OfflineKitView> {
  const [version, services, suggester] = await Promise.all([
    catalogueVersion(sql),
    listServices(sql, {}),
    suggesterInputs(sql, locale),
  ]);
  return {
    version,
    language: locale,
    services: services.map((s) => presentServiceDetail(s, locale)),
    suggester,
  };
}
