/** Reads of the message templates concept. */
import type { Sql } from "../db/index.ts";
import type { TemplateOverride } from "../notifications/templates.ts";

/** An override row with who saved it. */
export interface OverrideRow {
  template: string;
  channel: string;
  locale: string;
  subject: string;
  body: string;
  updated_by: number | null;
  updated_by_name: string | null;
  updated_at: Date | string;
}

/** Every override, by template, locale and channel. */
export function listOverrides(sql: Sql): Promise<OverrideRow[]> {
  return sql.query<OverrideRow>(
    `SELECT t.template, t.channel, t.locale, t.subject, t.body, t.updated_by, u.name AS updated_by_name,
            t.updated_at
       FROM message_templates t LEFT JOIN staff_users u ON u.id = t.updated_by
      ORDER BY t.template, t.locale, t.channel`,
  );
}

/** The overrides of one template in one language, for rendering (pick the channel's with `pickOverride`). */
export function findOverrides(sql: Sql, template: string, locale: string): Promise<TemplateOverride[]> {
  return sql.query<TemplateOverride>(
    "SELECT channel, subject, body FROM message_templates WHERE template = $1 AND locale = $2",
    [template, locale],
  );
}
