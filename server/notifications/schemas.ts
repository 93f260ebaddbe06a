/** Schemas of the notifications concept: the `send-message` payload, route inputs and the views that leave. */
import { z } from "zod";
import { pageFields } from "../http/pagination.ts";

/** Every message template; each has a subject and a body under `messages` in locales/. */
export const TEMPLATES = [
  "demand.received",
  "demand.dispatched",
  "demand.complement_requested",
  "demand.answered",
  "demand.closed",
  "demand.reopened",
  "demand.merged",
  "demand.linked",
  "demand.unlinked",
  "demand.cancelled",
  "survey.requested",
  "survey.reminder",
] as const;
export const Template = z.enum(TEMPLATES);
export type Template = z.infer<typeof Template>;

/** Variables a command hands to a template; unknown keys are kept (and ignored) so writers may add context. */
export const MessageData = z.looseObject({
  /** The department's answer to the citizen (demand.answered). */
  answer: z.string().trim().min(1).max(100_000).optional(),
  /** What the department asks the citizen to add (demand.complement_requested). */
  question: z.string().trim().min(1).max(5_000).optional(),
  /** The protocol of the demand this one was merged into, linked to or unlinked from (demand.merged, .linked, .unlinked). */
  survivingProtocol: z
    .string()
    .regex(/^\d{6,20}$/)
    .optional(),
  /** The department the demand was sent to (demand.dispatched); default: the demand's department. */
  department: z.string().max(300).optional(),
  /** Where the citizen rates the service 1–5 and says whether it was solved (survey.*); default: the track page. */
  surveyUrl: z.url().max(2_000).optional(),
});
export type MessageData = z.infer<typeof MessageData>;

/** Which data field each template cannot do without. */
const REQUIRED: Partial<Record<Template, keyof MessageData>> = {
  "demand.answered": "answer",
  "demand.complement_requested": "question",
  "demand.merged": "survivingProtocol",
  "demand.linked": "survivingProtocol",
  "demand.unlinked": "survivingProtocol",
};

/** The payload of a `send-message` outbox row. */
export const SendMessagePayload = z
  .object({
    /** The demand the message is about. */
    demandId: z.number().int().positive(),
    /** Who to tell; default: the demand's citizen. */
    citizenId: z.number().int().positive().nullish(),
    /** Which message. */
    template: Template,
    /** The channel the demand came in on (demands.channel): tried first when the citizen has a contact there. */
    channel: z.string().max(20).optional(),
    /** Template variables. */
    data: MessageData.optional(),
  })
  .superRefine((p, ctx) => {
    const field = REQUIRED[p.template];
    if (field && p.data?.[field] === undefined) {
      ctx.addIssue({ code: "custom", path: ["data", field], message: `${p.template} needs data.${field}` });
    }
  });
export type SendMessagePayload = z.infer<typeof SendMessagePayload>;

/** The query of GET /api/v1/dead-letters. */
export const DeadLetterQuery = z.object({
  /** Only rows of this job (send-message, route-demand …). */
  job: z.string().max(60).optional(),
  ...pageFields(50, 200),
});
export type DeadLetterQuery = z.infer<typeof DeadLetterQuery>;

/** The path parameters of /api/v1/dead-letters/:id/retry. */
export const DeadLetterParams = z.object({
  /** Outbox row id. */
  id: z.coerce.number().int().positive(),
});
export type DeadLetterParams = z.infer<typeof DeadLetterParams>;

/** One dead outbox row, as supervisors see it. */
export const DeadLetterView = z.object({
  /** Outbox row id (what the retry route takes). */
  id: z.number(),
  /** The job that failed. */
  job: z.string(),
  /** How many attempts were made. */
  attempts: z.number(),
  /** Why it was not delivered, for people: unreachable (no channel of the citizen's), refused, erased, failed. */
  reason: z.enum(["unreachable", "refused", "erased", "failed"]).nullable(),
  /** The last error, with addresses removed (technical, in English: the provider's own words). */
  lastError: z.string().nullable(),
  /** When the work was written (ISO 8601). */
  createdAt: z.string(),
  /** The demand's protocol, when the work is about one. */
  protocol: z.string().nullable(),
  /** For messages: template, channel tried last, state. */
  message: z
    .object({ id: z.number(), template: z.string(), channel: z.string().nullable(), state: z.string() })
    .nullable(),
});
export type DeadLetterView = z.infer<typeof DeadLetterView>;

/** One message to the citizen about a demand, as staff see it (never the address). */
export const MessageView = z.object({
  /** Message id. */
  id: z.number(),
  /** Template (demand.received, demand.answered …). */
  template: z.string(),
  /** Language it was written in. */
  locale: z.string(),
  /** Channel of the last attempt, or null before any. */
  channel: z.string().nullable(),
  /** queued, sending, sent, failed or skipped. */
  state: z.string(),
  /** Attempts made. */
  attempts: z.number(),
  /** Last error, with addresses removed. */
  lastError: z.string().nullable(),
  /** The provider's reply when it took the message. */
  providerId: z.string().nullable(),
  /** When it was queued and sent (ISO 8601). */
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  /** Outbox row behind it (what the dead-letter retry takes). */
  outboxId: z.number(),
});
export type MessageView = z.infer<typeof MessageView>;
