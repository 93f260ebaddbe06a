/**
 * Commands of the message templates concept: check an override's text against its default, save it, delete it
 * (back to the default). The text lives in one row per template, channel and language; rendering reads it in
 * server/notifications/commands.ts.
 */
import { type AuditActor, recordAudit } from "../audit/record.ts";
import { type Db, maybeOne } from "../db/index.ts";
import { AppError, type FieldProblem } from "../errors.ts";
import type { Locale } from "../i18n.ts";
import type { Template } from "../notifications/schemas.ts";
import { defaultTemplateText, placeholdersOf, type TemplateText } from "../notifications/templates.ts";
import {
  BODY_MAX,
  type OverrideParams,
  SHORT_BODY_MAX,
  SHORT_CHANNELS,
  type TemplateChannel,
} from "./schemas.ts";

// Placeholders that carry what the message is for: an override that drops one would lose the point of it.
const ESSENTIAL = ["answer", "question", "survivingProtocol", "surveyUrl"];

/** The placeholders an override of `template` in `locale` may use: those its default uses. */
export function allowedPlaceholders(template: Template, locale: Locale): string[] {
  const text = defaultTemplateText(template, locale);
  return placeholdersOf(`${text.subject}\n${text.body}`);
}

/** The placeholders an override's body must keep: the essential ones its default body uses. */
export function requiredPlaceholders(template: Template, locale: Locale): string[] {
  return placeholdersOf(defaultTemplateText(template, locale).body).filter((p) => ESSENTIAL.includes(p));
}

/** The longest body an override for `channel` may have. */
export function bodyLimitOf(channel: TemplateChannel): number {
  return SHORT_CHANNELS.includes(channel) ? SHORT_BODY_MAX : BODY_MAX;
}

/**
 * Checks an override's text: only the default's placeholders, the essential ones kept, the body within the
 * channel's limit. Throws one 422 problem listing every field that breaks a rule.
 */
export function checkOverride(key: OverrideParams, text: TemplateText): void {
  const allowed = allowedPlaceholders(key.template, key.locale);
  const problems: FieldProblem[] = [];
  for (const field of ["subject", "body"] as const) {
    for (const placeholder of placeholdersOf(text[field]).filter((p) => !allowed.includes(p))) {
      problems.push({
        field,
        code: "unknown_placeholder",
        params: { placeholder: `{${placeholder}}`, allowed: allowed.map((p) => `{${p}}`).join(", ") },
      });
    }
  }
  const used = placeholdersOf(text.body);
  for (const placeholder of requiredPlaceholders(key.template, key.locale).filter((p) => !used.includes(p))) {
    problems.push({
      field: "body",
      code: "missing_placeholder",
      params: { placeholder: `{${placeholder}}` },
    });
  }
  const max = bodyLimitOf(key.channel);
  if (text.body.length > max) {
    problems.push({ field: "body", code: "template_too_long", params: { max, length: text.body.length } });
  }
  const first = problems[0];
  if (first) throw new AppError(422, first.code, first.params ?? {}, problems);
}

/** Saves (creates or replaces) an override after checking it. */
export async function saveOverride(
  db: Db,
  key: OverrideParams,
  text: TemplateText,
  actor: AuditActor,
): Promise<void> {
  checkOverride(key, text);
  await db.transaction(async (tx) => {
    const before = await maybeOne<TemplateText>(
      tx,
      "SELECT subject, body FROM message_templates WHERE template = $1 AND channel = $2 AND locale = $3 FOR UPDATE",
      [key.template, key.channel, key.locale],
    );
    await tx.query(
      `INSERT INTO message_templates (template, channel, locale, subject, body, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id, template, channel, locale)
     DO UPDATE SET subject = EXCLUDED.subject, body = EXCLUDED.body, updated_by = EXCLUDED.updated_by,
                   updated_at = now()`,
      [key.template, key.channel, key.locale, text.subject, text.body, actor.staffId],
    );
    await recordAudit(tx, actor, {
      action: "message_template.saved",
      entityType: "message_template",
      entityId: `${key.template}/${key.channel}/${key.locale}`,
      before,
      after: { subject: text.subject, body: text.body },
    });
  });
}

/** Deletes an override: messages on that channel and language go back to the next override or the default. */
export async function deleteOverride(db: Db, key: OverrideParams, actor: AuditActor): Promise<void> {
  await db.transaction(async (tx) => {
    const row = await maybeOne<TemplateText>(
      tx,
      "DELETE FROM message_templates WHERE template = $1 AND channel = $2 AND locale = $3 RETURNING subject, body",
      [key.template, key.channel, key.locale],
    );
    if (!row) throw new AppError(404, "unknown_template_override", { ...key });
    await recordAudit(tx, actor, {
      action: "message_template.deleted",
      entityType: "message_template",
      entityId: `${key.template}/${key.channel}/${key.locale}`,
      before: { subject: row.subject, body: row.body },
    });
  });
}
