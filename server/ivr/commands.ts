/**
 * Changing the IVR's menu (admins and managers), audited. The menu is checked by its schema (domain/ivr.ts): one
 * option per key, a language option names its language, a message option has its text.
 */
import type { IvrMenu } from "../../domain/ivr.ts";
import { type AuditActor, recordAudit } from "../audit/record.ts";
import type { Db } from "../db/index.ts";
import { findIvrMenu, forgetIvrMenu } from "./queries.ts";

/** Stores the tenant's menu (created on first save) and answers it as stored. */
export async function saveIvrMenu(db: Db, menu: IvrMenu, actor: AuditActor) {
  const saved = await db.transaction(async (tx) => {
    const before = await findIvrMenu(tx);
    await tx.query(
      `INSERT INTO ivr_menus (enabled, agent_hours, options, texts, updated_at, updated_by)
       VALUES ($1, $2, $3::jsonb, $4::jsonb, now(), $5)
       ON CONFLICT (tenant_id) DO UPDATE
         SET enabled = $1, agent_hours = $2, options = $3::jsonb, texts = $4::jsonb, updated_at = now(),
             updated_by = $5`,
      [
        menu.enabled,
        menu.agentHours,
        JSON.stringify(menu.options),
        JSON.stringify(menu.texts),
        actor.staffId,
      ],
    );
    const after = (await findIvrMenu(tx))!;
    await recordAudit(tx, actor, {
      action: before ? "ivr_menu.updated" : "ivr_menu.created",
      entityType: "ivr_menu",
      entityId: "line",
      before,
      after,
    });
    return after;
  });
  forgetIvrMenu(db);
  return saved;
}
