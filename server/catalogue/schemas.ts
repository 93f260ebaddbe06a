/** Input and output schemas of the catalogue concept; they also feed the OpenAPI document. */
import { z } from "zod";
import { LocalizedText, ServiceAttribute } from "../../domain/attributes.ts";
import { DEFAULT_SERVICE_CHANNELS, SERVICE_CHANNELS } from "../../domain/channels.ts";
import { pageFields } from "../http/pagination.ts";

/** What a citizen files under a service; ombudsman types follow Lei 13.460/2017. */
export const DemandType = z.enum([
  "request",
  "complaint",
  "report",
  "compliment",
  "suggestion",
  "information",
]);
export type DemandType = z.infer<typeof DemandType>;

/** How a deadline is counted: business days and hours skip weekends and the city's holidays. */
export const DeadlineUnit = z.enum(["business_days", "business_hours", "calendar_days"]);
export type DeadlineUnit = z.infer<typeof DeadlineUnit>;

/** Where a service can be requested. */
export const Channel = z.enum(SERVICE_CHANNELS);
export type Channel = z.infer<typeof Channel>;

/** A service's deadline: an amount of a unit. */
export const Deadline = z.object({
  /** How many units the department has to answer, counted from the demand's creation. */
  amount: z.number().int().positive().max(10_000),
  /** The unit the amount is counted in. */
  unit: DeadlineUnit,
});
export type Deadline = z.infer<typeof Deadline>;

const ServiceCode = z
  .string()
  .trim()
  .regex(/^[A-Z0-9][A-Z0-9_-]{1,31}$/);

/** The query of GET /api/v1/services. */
export const ServiceListQuery = z.object({
  /** Code of a service group (a Tema or an Assunto): only its services. */
  group: z.string().trim().min(1).max(80).optional(),
  /** Words to look for in the service's keywords, accents and case ignored. */
  q: z.string().trim().max(200).optional(),
  /** Language of the names: pt-BR (default), en or es; Accept-Language also works. */
  lang: z.string().optional(),
  // The default page holds a whole catalogue: the portal's service picker reads one page.
  ...pageFields(500, 1000),
});
export type ServiceListQuery = z.infer<typeof ServiceListQuery>;

/** The body of POST /api/v1/services: a new service. */
export const ServiceInput = z.object({
  /** Stable public code (Open311 service_code): capitals, digits, "-" and "_". */
  code: ServiceCode,
  /** Code of the service group (normally an Assunto) it sits under. */
  group: z.string().trim().min(1).max(80),
  /** Name per locale; pt-BR required. */
  name: LocalizedText,
  /** Longer explanation per locale. */
  description: LocalizedText.optional(),
  /** Search words; derived from the names when absent. */
  keywords: z.array(z.string().trim().min(1).max(60)).max(60).optional(),
  /** What the citizen files under it. */
  demandType: DemandType.default("request"),
  /** True when a demand must carry a place. */
  locationRequired: z.boolean().default(false),
  /** True when a demand may be filed without identification. */
  anonymousAllowed: z.boolean().default(false),
  /** Extra fields asked of the citizen, Open311-style. */
  attributes: z.array(ServiceAttribute).max(30).default([]),
  /** Time the department has to answer. */
  deadline: Deadline.default({ amount: 20, unit: "business_days" }),
  /** 1 (most urgent) to 5. */
  priority: z.number().int().min(1).max(5).default(3),
  /** Charter text per locale: what the citizen must provide. */
  requirements: LocalizedText.optional(),
  /** Where it can be requested. */
  channels: z
    .array(Channel)
    .min(1)
    .default([...DEFAULT_SERVICE_CHANNELS]),
  /** false hides it from citizens; existing demands keep it. */
  active: z.boolean().default(true),
  /** true publishes its demands only at district level (no point, no street): violence, health, social care. */
  sensitive: z.boolean().default(false),
});
export type ServiceInput = z.infer<typeof ServiceInput>;

/** The body of PATCH /api/v1/services/:code: only the fields given change (the code never does). */
export const ServicePatch = z.object({
  /** Code of the new service group. */
  group: z.string().trim().min(1).max(80).optional(),
  /** New name per locale. */
  name: LocalizedText.optional(),
  /** New description per locale. */
  description: LocalizedText.optional(),
  /** New search words. */
  keywords: z.array(z.string().trim().min(1).max(60)).max(60).optional(),
  /** New demand type. */
  demandType: DemandType.optional(),
  /** Whether a place is required. */
  locationRequired: z.boolean().optional(),
  /** Whether anonymous demands are allowed. */
  anonymousAllowed: z.boolean().optional(),
  /** The full new list of extra fields. */
  attributes: z.array(ServiceAttribute).max(30).optional(),
  /** New deadline. */
  deadline: Deadline.optional(),
  /** New priority, 1 to 5. */
  priority: z.number().int().min(1).max(5).optional(),
  /** New charter text per locale. */
  requirements: LocalizedText.optional(),
  /** New channels. */
  channels: z.array(Channel).min(1).optional(),
  /** Switch the service on or off. */
  active: z.boolean().optional(),
  /** Publish its demands only at district level, or not. */
  sensitive: z.boolean().optional(),
  /** Time the department has to take an order on (acceptance stage); null: the city's default (8 business hours). */
  acceptanceDeadline: Deadline.nullable().optional(),
  /** true sends its demands straight to the matrix's department; false puts each in the triage queue first. */
  autoDispatch: z.boolean().optional(),
});
export type ServicePatch = z.infer<typeof ServicePatch>;

/** The path of the routes about one service. */
export const ServiceParams = z.object({
  /** The service's public code. */
  code: z.string().min(1).max(40),
});

/** A service as the public API shows it, texts in the caller's language. */
export const ServiceView = z.object({
  code: z.string(),
  group: z.string(),
  rootGroup: z.string().nullable(),
  /** The name in the reader's language, or in pt-BR when the service has none in it. */
  name: z.string(),
  /** The language `name` is in: the reader's, or "pt-BR" when it fell back (screens then say so). */
  nameLanguage: z.enum(["pt-BR", "en", "es"]),
  /** Names the service had before ("formerly …"); typing one finds it. */
  formerNames: z.array(z.string()),
  description: z.string(),
  keywords: z.array(z.string()),
  demandType: DemandType,
  locationRequired: z.boolean(),
  anonymousAllowed: z.boolean(),
  deadline: Deadline,
  priority: z.number().int(),
  requirements: z.string(),
  channels: z.array(z.string()),
  active: z.boolean(),
  /** Its demands are published only at district level (docs/open-data.md). */
  sensitive: z.boolean(),
});
export type ServiceView = z.infer<typeof ServiceView>;

/** A service with its extra fields (GET /api/v1/services/:code and the staff routes). */
export const ServiceDetailView = ServiceView.extend({
  attributes: z.array(
    z.object({
      code: z.string(),
      datatype: z.string(),
      required: z.boolean(),
      order: z.number().int(),
      description: z.string(),
      values: z.array(z.object({ key: z.string(), name: z.string() })),
    }),
  ),
});
export type ServiceDetailView = z.infer<typeof ServiceDetailView>;

/** A service group, in the caller's language. */
export const ServiceGroupView = z.object({
  code: z.string(),
  parent: z.string().nullable(),
  name: z.string(),
  position: z.number().int(),
});
export type ServiceGroupView = z.infer<typeof ServiceGroupView>;

/** The Carta de Serviços: root groups → groups → services. */
export const CharterView = z.object({
  groups: z.array(
    ServiceGroupView.extend({
      groups: z.array(ServiceGroupView.extend({ services: z.array(ServiceView) })),
    }),
  ),
});
export type CharterView = z.infer<typeof CharterView>;

/** The query of GET /api/v1/catalogue/services: the staff's paged search over every service, inactive too. */
export const CatalogueListQuery = z.object({
  /** Words to look for in the service's keywords, accents and case ignored; or a service code. */
  q: z.string().trim().max(200).optional(),
  /** Code of a service group (a Tema or an Assunto): only its services. */
  group: z.string().trim().min(1).max(80).optional(),
  ...pageFields(25, 100),
});
export type CatalogueListQuery = z.infer<typeof CatalogueListQuery>;

/** A service as the staff edit it: every language of each text and the extra fields as stored (the PATCH shape). */
export const ServiceSourceView = z.object({
  code: z.string(),
  group: z.string(),
  name: LocalizedText,
  description: LocalizedText.partial(),
  keywords: z.array(z.string()),
  demandType: DemandType,
  locationRequired: z.boolean(),
  anonymousAllowed: z.boolean(),
  attributes: z.array(ServiceAttribute),
  deadline: Deadline,
  /** The acceptance stage's own deadline; null: the city's default (8 business hours). */
  acceptanceDeadline: Deadline.nullable(),
  /** Whether its demands skip the triage queue. */
  autoDispatch: z.boolean(),
  priority: z.number().int(),
  requirements: LocalizedText.partial(),
  channels: z.array(Channel),
  active: z.boolean(),
  sensitive: z.boolean(),
});
export type ServiceSourceView = z.infer<typeof ServiceSourceView>;
