/** The JSON shapes of the message templates concept, and the preview with sample values. */
import { deadlineWords } from "../demands/deadline.ts";
import { LOCALES, type Locale, translate } from "../i18n.ts";
import { TEMPLATES } from "../notifications/schemas.ts";
import {
  defaultTemplateText,
  pickOverride,
  type Rendered,
  renderMessage,
  type TemplateOverride,
  trackUrlOf,
} from "../notifications/templates.ts";
import { allowedPlaceholders, checkOverride, requiredPlaceholders } from "./commands.ts";
import type { OverrideRow } from "./queries.ts";
import {
  BODY_MAX,
  type PreviewInput,
  SHORT_BODY_MAX,
  SHORT_CHANNELS,
  SUBJECT_MAX,
  TEMPLATE_CHANNELS,
  type TemplateChannel,
  type TemplateView,
} from "./schemas.ts";

/** Every template × language with its default, placeholders and overrides, plus the channels and limits. */
export function presentTemplates(rows: readonly OverrideRow[]) {
  const templates: TemplateView[] = [];
  for (const template of TEMPLATES) {
    for (const locale of LOCALES) {
      templates.push({
        template,
        locale,
        default: defaultTemplateText(template, locale),
        placeholders: allowedPlaceholders(template, locale),
        requiredPlaceholders: requiredPlaceholders(template, locale),
        overrides: rows
          .filter((r) => r.template === template && r.locale === locale)
          .map((r) => ({
            channel: r.channel as TemplateChannel,
            subject: r.subject,
            body: r.body,
            updatedBy:
              r.updated_by === null ? null : { id: Number(r.updated_by), name: r.updated_by_name ?? "" },
            updatedAt: new Date(r.updated_at).toISOString(),
          })),
      });
    }
  }
  return {
    channels: [...TEMPLATE_CHANNELS],
    limits: {
      subject: SUBJECT_MAX,
      body: BODY_MAX,
      shortBody: SHORT_BODY_MAX,
      shortChannels: [...SHORT_CHANNELS],
    },
    templates,
  };
}

/**
 * What a citizen would read, with sample values: the text given (checked like a saved override) or, without
 * one, the text the channel and language use now. Dates are said in the city's `timeZone`.
 */
export function previewMessage(
  input: PreviewInput,
  overrides: readonly TemplateOverride[],
  publicUrl: string,
  timeZone: string,
): Rendered {
  const locale: Locale = input.locale;
  const current = pickOverride(overrides, input.channel) ?? defaultTemplateText(input.template, locale);
  const text = { subject: input.subject ?? current.subject, body: input.body ?? current.body };
  if (input.subject !== undefined || input.body !== undefined) {
    checkOverride({ template: input.template, channel: input.channel, locale }, text);
  }
  const sample = (name: string) => translate(locale, `web.admin.messages.sample.${name}`);
  const protocol = "20260001234";
  const trackUrl = trackUrlOf(publicUrl, protocol, locale);
  return renderMessage(
    input.template,
    locale,
    {
      name: sample("name"),
      protocol,
      service: sample("service"),
      department: sample("department"),
      trackUrl,
      // A service's usual deadline and a date, in the words the receipt uses.
      ...deadlineWords(
        {
          deadline: { amount: 20, unit: "business_days" },
          dueAt: new Date("2026-03-12T21:00:00Z"),
          timeZone,
        },
        locale,
      ),
      data: {
        answer: sample("answer"),
        question: sample("question"),
        survivingProtocol: "20260000987",
        surveyUrl: trackUrl,
      },
    },
    text,
  );
}
