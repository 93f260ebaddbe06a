/** A service as the admin screens edit it: its source shape, its extra fields, a page of them, a localized name. */

/** The deadline units, as the API models them. */
export const DEADLINE_UNITS = ["business_hours", "business_days", "calendar_days"] as const;

/** A service as the staff edit it (GET /api/v1/catalogue/services/:code). */
export interface ServiceSource {
  code: string;
  group: string;
  name: { "pt-BR": string; en?: string; es?: string };
  description: { "pt-BR"?: string; en?: string; es?: string };
  keywords: string[];
  demandType: string;
  locationRequired: boolean;
  anonymousAllowed: boolean;
  attributes: Attribute[];
  deadline: { amount: number; unit: (typeof DEADLINE_UNITS)[number] };
  /** The acceptance stage's own deadline; null: the city's default (8 business hours). */
  acceptanceDeadline: { amount: number; unit: (typeof DEADLINE_UNITS)[number] } | null;
  /** Demands skip the triage queue and go to the matrix's department. */
  autoDispatch: boolean;
  priority: number;
  requirements: { "pt-BR"?: string; en?: string; es?: string };
  channels: string[];
  active: boolean;
  sensitive: boolean;
}

/** One extra field of a service, as stored. */
export interface Attribute {
  code: string;
  datatype: "string" | "number" | "datetime" | "text" | "singlevaluelist" | "multivaluelist";
  required: boolean;
  order: number;
  description: { "pt-BR": string; en?: string; es?: string };
  values: { key: string; name: { "pt-BR": string; en?: string; es?: string } }[];
}

/** One page of GET /api/v1/catalogue/services. */
export interface CataloguePage {
  items: ServiceSource[];
  total: number;
  page: number;
  limit: number;
}

/** The name of a localized text in the screen's language, pt-BR when it has no translation. */
export function localized(text: { "pt-BR"?: string; en?: string; es?: string }, locale: string): string {
  const own = (text as Record<string, string | undefined>)[locale];
  return own || text["pt-BR"] || "";
}
