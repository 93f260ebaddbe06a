/** Input schemas of the demands concept; they validate requests and feed the OpenAPI document. */
import { z } from "zod";
import { DEMAND_CHANNELS, type DemandChannel } from "../../domain/channels.ts";

/** Channels a demand can arrive by (domain/channels.ts). */
export const CHANNELS = DEMAND_CHANNELS;
export type Channel = DemandChannel;

/** A point in WGS84. */
export const Point = z.object({
  /** Latitude in degrees, WGS84. */
  lat: z.number().min(-90).max(90),
  /** Longitude in degrees, WGS84. */
  lon: z.number().min(-180).max(180),
});

/** Who is asking, when the demand is not anonymous. */
export const CitizenInput = z.object({
  /** Full name. */
  name: z.string().trim().min(1).max(200).optional(),
  /** CPF, digits (dots and dash allowed). */
  document: z
    .string()
    .regex(/^[\d.\-\s]{11,14}$/)
    .optional(),
  /** E-mail to receive the protocol and the answer. */
  email: z.string().trim().email().max(254).optional(),
  /** Phone number, Brazilian format accepted: "(11) 98765-4321". */
  phone: z.string().trim().min(8).max(30).optional(),
  /** WhatsApp number. */
  whatsapp: z.string().trim().min(8).max(30).optional(),
  /** Telegram chat id or user name. */
  telegram: z.string().trim().min(2).max(64).optional(),
  /** Language for messages to this person. */
  locale: z.enum(["pt-BR", "en", "es"]).optional(),
  /**
   * The channel the person wants the answers on: email, sms (the phone), whatsapp (the WhatsApp number, else the
   * phone) or telegram; it must have its contact. Unset: the channel of the demand, then e-mail.
   */
  preferredChannel: z.enum(["email", "sms", "whatsapp", "telegram"]).optional(),
  /** The person agreed to the privacy notice of this version (LGPD art. 7/8). */
  consent: z.object({ policyVersion: z.string().min(1).max(40) }).optional(),
});

/** A new demand, from any channel. */
export const DemandInput = z.object({
  /** The service code from GET /api/v1/services. */
  service: z.string().min(1).max(64),
  /** What happened, in the citizen's words. */
  description: z.string().trim().min(1).max(10_000),
  /** identified (default), confidential (only the ombudsman team sees who asked), or anonymous. */
  identity: z.enum(["identified", "confidential", "anonymous"]).default("identified"),
  /** The person; required unless anonymous. */
  citizen: CitizenInput.optional(),
  /** The point on the map. */
  location: Point.optional(),
  /** The address as typed; kept as given even when it cannot be placed. */
  address: z.string().trim().max(500).optional(),
  /** District code, when the person picked the district instead of a point. */
  district: z.string().max(16).optional(),
  /** Answers to the service's extra fields, by attribute code. */
  attributes: z.record(z.string(), z.unknown()).default({}),
  /** The channel; citizens' own requests may say web or app; staff and adapters may say any. */
  channel: z.enum(CHANNELS).optional(),
});
export type DemandInput = z.infer<typeof DemandInput>;

/** Query of the demand view: the citizen's secret unlocks the full view. */
export const DemandViewQuery = z.object({
  /** The secret returned when the demand was created. */
  secret: z.string().max(100).optional(),
  /** Language of the texts. */
  lang: z.string().optional(),
});
