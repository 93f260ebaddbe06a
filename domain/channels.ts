/**
 * The channels, one list each for the server (database checks' mirror, zod enums), the adapters in channels/ and
 * the screens. Pure: no I/O. The lists differ on purpose: a demand arrives by more ways than a service is offered
 * on, and a message goes out on fewer.
 */

/** Channels a demand can arrive by (demands.channel). */
export const DEMAND_CHANNELS = [
  "phone",
  "web",
  "app",
  "whatsapp",
  "sms",
  "telegram",
  "chat",
  "email",
  "counter",
  "social",
  "open311",
  "import",
  "field", // opened by the city's own inspector on the field tablet (/campo)
] as const;
export type DemandChannel = (typeof DEMAND_CHANNELS)[number];

/** Channels a service can be requested on, as the service charter lists them (services.channels). */
export const SERVICE_CHANNELS = [
  "phone",
  "web",
  "app",
  "counter",
  "whatsapp",
  "sms",
  "email",
  "telegram",
] as const satisfies readonly DemandChannel[];
export type ServiceChannel = (typeof SERVICE_CHANNELS)[number];

/** The channels a new service is offered on unless it says otherwise. */
export const DEFAULT_SERVICE_CHANNELS: readonly ServiceChannel[] = ["phone", "web", "app", "counter"];

/** The channels a message to a citizen can go out on (each matches a contact channel). */
export const OUTBOUND_CHANNELS = ["email", "whatsapp", "telegram", "sms"] as const;
export type OutboundChannel = (typeof OUTBOUND_CHANNELS)[number];

/** The channels a citizen's contact can be held for (citizen_contacts.channel). */
export const CONTACT_CHANNELS = [
  "phone",
  "email",
  "whatsapp",
  "telegram",
  "sms",
] as const satisfies readonly DemandChannel[];
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

/** How an answer reached the citizen outside the system, when its message could not be delivered. */
export const DELIVERY_MEANS = ["phone", "counter", "letter", "visit"] as const;
export type DeliveryMeans = (typeof DELIVERY_MEANS)[number];
