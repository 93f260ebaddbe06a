/**
 * The inputs of citizen auditors (issue 18): an enrolment and its changes as the portal, an agent on the phone, the
 * IVR and the conversation engine give them, and the staff list's filters. They also feed the OpenAPI document.
 */
import { z } from "zod";
import { TIME_OF_DAY } from "../../domain/auditors.ts";
import { pageFields } from "../http/pagination.ts";

/** A positive database id, also when it comes as text in a path or query. */
const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** The id a path names. */
export const AuditorParams = z.object({ id: Id });

/** Where a call reaches the auditor: a voice call first, WhatsApp or SMS as alternatives. */
export const AUDITOR_CHANNELS = ["voice", "whatsapp", "sms"] as const;
export type AuditorChannel = (typeof AUDITOR_CHANNELS)[number];

/** The channel an enrolment, a change or a revocation came by (auditors.consent_channel, revoked_channel). */
export const AUDITOR_VIAS = ["portal", "phone", "whatsapp", "staff"] as const;
export type AuditorVia = (typeof AUDITOR_VIAS)[number];

/** One weekly window, in the city's wall time (domain/auditors.ts says the rules). */
export const WindowInput = z.object({
  /** 0 Sunday … 6 Saturday. */
  weekday: z.number().int().min(0).max(6),
  /** "HH:MM", from 08:00. */
  starts: z.string().regex(TIME_OF_DAY),
  /** "HH:MM", until 21:00, the end excluded; at least an hour after `starts`. */
  ends: z.string().regex(TIME_OF_DAY),
});
export type WindowInput = z.infer<typeof WindowInput>;

/** A point in WGS84 degrees. */
export const PointInput = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});

/** What an auditor chooses, on every channel; a change sends only what changes. */
const choices = {
  /** The number to call or write to (any format; Brazilian unless it has a country code). */
  phone: z.string().trim().min(8).max(30),
  channel: z.enum(AUDITOR_CHANNELS),
  language: z.enum(["pt-BR", "en", "es"]),
  /** The place: a point wins over the address, which is then kept as text only. */
  point: PointInput,
  /** An address in the city, geocoded when no point is given. */
  address: z.string().trim().min(3).max(300),
  /** The weekly windows; they replace the ones held. */
  windows: z.array(WindowInput).min(1).max(50),
  maxCallsPerWeek: z.number().int().min(1).max(7),
};

/** The consent a person gives: `consent: true` and the version of the text they were shown or read. */
const consent = {
  /** Must be true: the person agreed to be called as an auditor. */
  consent: z.boolean(),
  /** The version of the consent text shown (domain/auditors.ts AUDITOR_CONSENT_VERSION). */
  consentTextVersion: z.string().trim().min(1).max(40),
};

/** An enrolment: the place (point or address), the windows and the consent; the rest has defaults. */
export const AuditorInput = z.object({
  ...consent,
  phone: choices.phone.optional(),
  /** voice by default. */
  channel: choices.channel.default("voice"),
  /** The citizen's own language by default. */
  language: choices.language.optional(),
  point: choices.point.optional(),
  address: choices.address.optional(),
  windows: choices.windows,
  /** 2 by default. */
  maxCallsPerWeek: choices.maxCallsPerWeek.default(2),
});
export type AuditorInput = z.infer<typeof AuditorInput>;

/** A change of an enrolment: only what changes; `state` pauses or resumes the calls. */
export const AuditorChange = z.object({
  phone: choices.phone.optional(),
  channel: choices.channel.optional(),
  language: choices.language.optional(),
  point: choices.point.optional(),
  address: choices.address.optional(),
  windows: choices.windows.optional(),
  maxCallsPerWeek: choices.maxCallsPerWeek.optional(),
  /** paused: kept, not called, until set back to active. */
  state: z.enum(["active", "paused"]).optional(),
});
export type AuditorChange = z.infer<typeof AuditorChange>;

/** A staff change: what the person asked for on the phone, or a number that must never ring (doNotCall). */
export const StaffAuditorChange = AuditorChange.extend({
  /** Never call this enrolment whatever its windows say (a wrong number, a complaint). */
  doNotCall: z.boolean().optional(),
});
export type StaffAuditorChange = z.infer<typeof StaffAuditorChange>;

/**
 * The citizen's own PUT: enrols, or changes the live enrolment; either way the person confirms consent to the
 * text shown. The phone, when given, must be one they proved (by a sign-in code); their proven one by default.
 */
export const CitizenAuditorInput = AuditorInput.extend({
  channel: choices.channel.optional(),
  windows: choices.windows.optional(),
  maxCallsPerWeek: choices.maxCallsPerWeek.optional(),
  state: z.enum(["active", "paused"]).optional(),
});
export type CitizenAuditorInput = z.infer<typeof CitizenAuditorInput>;

/**
 * An agent enrols a caller on the phone (consent channel `phone`): the citizen's record when the screen pop found
 * it, else a new record holding the name and the number given.
 */
export const StaffAuditorInput = AuditorInput.extend({
  /** The caller's citizen record, when known. */
  citizenId: Id.optional(),
  /** The caller's name, for a new record. */
  name: z.string().trim().min(1).max(200).optional(),
  phone: choices.phone,
});
export type StaffAuditorInput = z.infer<typeof StaffAuditorInput>;

/** A revocation recorded by staff: how the person asked (phone by default), and why, in their words. */
export const RevocationInput = z.object({
  /** phone: the person asked on a call; staff: a decision of the city's (a wrong number, a complaint). */
  via: z.enum(["phone", "staff"]).default("phone"),
  reason: z.string().trim().min(1).max(500).optional(),
});

/** The citizen's own revocation (DELETE): an optional reason. */
export const CitizenRevocationQuery = z.object({
  reason: z.string().trim().min(1).max(500).optional(),
});

/** The staff list's filters. */
export const AuditorListQuery = z.object({
  state: z.enum(["active", "paused", "revoked"]).optional(),
  /** A district's code. */
  district: z.string().trim().min(1).max(20).optional(),
  /** A fiscal block's id. */
  block: Id.optional(),
  ...pageFields(50, 200),
});
export type AuditorListQuery = z.infer<typeof AuditorListQuery>;

/** A call planned by staff now, in the auditor's current window. */
export const CallPlanInput = z.object({
  /** The published questionnaire version to ask; absent: the newest one a call can ask. */
  versionId: z.number().int().positive().optional(),
  /** When to call, inside one of the auditor's windows, within the next 7 days; absent: now. */
  at: z.iso
    .datetime({ offset: true })
    .optional()
    .refine(
      (v) =>
        v === undefined ||
        (Date.parse(v) > Date.now() - 60_000 && Date.parse(v) < Date.now() + 7 * 86_400_000),
      {
        message: "out_of_range",
      },
    ),
});
export type CallPlanInput = z.infer<typeof CallPlanInput>;
