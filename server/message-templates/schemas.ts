/** Schemas of the message templates concept: which override a route is about, its text, the preview, the views. */
import { z } from "zod";
import { OUTBOUND_CHANNELS } from "../../channels/index.ts";
import { LOCALES } from "../i18n.ts";
import { Template } from "../notifications/schemas.ts";

/** The channels an override may be for: each citizen channel, or "*" for any channel. */
export const TEMPLATE_CHANNELS = ["*", ...OUTBOUND_CHANNELS] as const;
export const TemplateChannel = z.enum(TEMPLATE_CHANNELS);
export type TemplateChannel = z.infer<typeof TemplateChannel>;

/** Longest body of an override. */
export const BODY_MAX = 5_000;
/** Longest body on channels that cut long texts (an SMS of up to ten parts; WhatsApp business messages). */
export const SHORT_BODY_MAX = 1_600;
/** The channels whose bodies are held to SHORT_BODY_MAX. */
export const SHORT_CHANNELS: readonly TemplateChannel[] = ["sms", "whatsapp"];
/** Longest subject. */
export const SUBJECT_MAX = 200;

/** The path of PUT and DELETE /api/v1/message-templates/:template/:channel/:locale. */
export const OverrideParams = z.object({
  /** The template (demand.received …). */
  template: Template,
  /** The channel, or "*" for any channel. */
  channel: TemplateChannel,
  /** The language. */
  locale: z.enum(LOCALES),
});
export type OverrideParams = z.infer<typeof OverrideParams>;

/** The body of PUT /api/v1/message-templates/:template/:channel/:locale. */
export const OverrideInput = z.object({
  /** E-mail subject, with the placeholders the default uses ({protocol} …). */
  subject: z.string().trim().min(1).max(SUBJECT_MAX),
  /** The body between the greeting and the footer; at most 5,000 characters (1,600 on SMS and WhatsApp). */
  body: z.string().trim().min(1).max(BODY_MAX),
});
export type OverrideInput = z.infer<typeof OverrideInput>;

/** The body of POST /api/v1/message-templates/preview. */
export const PreviewInput = z.object({
  /** The template. */
  template: Template,
  /** The channel the text is for ("*": any). */
  channel: TemplateChannel.default("*"),
  /** The language. */
  locale: z.enum(LOCALES),
  /** A text to try; absent: the text the channel and language use now (override or default). */
  subject: z.string().max(SUBJECT_MAX).optional(),
  /** A body to try; absent: the body in use now. */
  body: z.string().max(BODY_MAX).optional(),
});
export type PreviewInput = z.infer<typeof PreviewInput>;

/** One override as the administration sees it. */
export const OverrideView = z.object({
  channel: TemplateChannel,
  subject: z.string(),
  body: z.string(),
  /** Who last saved it, or null when unknown. */
  updatedBy: z.object({ id: z.number(), name: z.string() }).nullable(),
  updatedAt: z.string(),
});
export type OverrideView = z.infer<typeof OverrideView>;

/** A template in one language: its default text, the placeholders it may use and the overrides per channel. */
export const TemplateView = z.object({
  template: Template,
  locale: z.enum(LOCALES),
  default: z.object({ subject: z.string(), body: z.string() }),
  /** The placeholders the default uses: the only ones an override may use. */
  placeholders: z.array(z.string()),
  /** Placeholders an override's body must keep (the answer, the question …). */
  requiredPlaceholders: z.array(z.string()),
  overrides: z.array(OverrideView),
});
export type TemplateView = z.infer<typeof TemplateView>;

/** The answer of GET /api/v1/message-templates. */
export const TemplateListView = z.object({
  channels: z.array(TemplateChannel),
  /** Body limits: every channel, and the short channels. */
  limits: z.object({
    subject: z.number(),
    body: z.number(),
    shortBody: z.number(),
    shortChannels: z.array(TemplateChannel),
  }),
  templates: z.array(TemplateView),
});

/** A rendered preview: what the citizen would receive with sample values. */
export const PreviewView = z.object({ subject: z.string(), text: z.string() });
