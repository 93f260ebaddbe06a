/**
 * The IVR's menu as stored (one row per tenant, migration 0072) and the steps callers took in it.
 */
import { DEFAULT_IVR_MENU, type IvrMenu } from "../../domain/ivr.ts";
import { revokeAuditor } from "../auditors/commands.ts";
import { perPoolCache } from "../db/cache.ts";
import { type Db, maybeOne, type Sql } from "../db/index.ts";

interface MenuRow {
  enabled: boolean;
  agent_hours: IvrMenu["agentHours"];
  options: IvrMenu["options"];
  texts: IvrMenu["texts"];
  updated_at: Date;
}

/** The tenant's menu as stored, or undefined when the city has not set one (the line then goes to the agents). */
export async function findIvrMenu(sql: Sql): Promise<(IvrMenu & { updatedAt: string }) | undefined> {
  const row = await maybeOne<MenuRow>(
    sql,
    "SELECT enabled, agent_hours, options, texts, updated_at FROM ivr_menus",
  );
  if (!row) return undefined;
  return {
    enabled: row.enabled,
    agentHours: row.agent_hours,
    options: row.options,
    texts: row.texts ?? {},
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * How long a process reuses the menu it read (every call's every step reads it): a change made on another process
 * applies within this, on the process that made it at once.
 */
export const MENU_CACHE_MS = 10_000;

const menus = perPoolCache(MENU_CACHE_MS, findIvrMenu);

/** The tenant's menu, read at most once per MENU_CACHE_MS per process. */
export function loadIvrMenu(db: Sql, now = Date.now()) {
  return menus.get(db, now);
}

/** Drops this process's cached menu of `db`, after a change to it. */
export function forgetIvrMenu(db: Sql): void {
  menus.forget(db);
}

/** The menu the admin screen starts from: the stored one, else the default (not enabled until saved). */
export async function menuForEditing(sql: Sql): Promise<IvrMenu & { updatedAt: string | null }> {
  return (await findIvrMenu(sql)) ?? { ...DEFAULT_IVR_MENU, enabled: false, updatedAt: null };
}

/** One step a caller took in the IVR, kept for the call centre's reports. */
export async function recordIvrStep(
  sql: Sql,
  callId: number,
  step: string,
  input: string | null,
  outcome: string,
): Promise<void> {
  await sql.query("INSERT INTO call_ivr_steps (call_id, step, input, outcome) VALUES ($1, $2, $3, $4)", [
    callId,
    step,
    input,
    outcome,
  ]);
}

/**
 * Revokes, by phone, the live citizen-auditor enrolments whose number is the call's caller (a withheld number
 * matches none): how many were revoked. In one transaction, each as `revokeAuditor` does (consent withdrawn,
 * do-not-call, planned calls cancelled).
 */
export async function optOutAuditorsOfCall(db: Db, callId: number): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ id: number }>(
      `SELECT a.id FROM auditors a JOIN calls c ON c.id = $1
        WHERE c.from_number IS NOT NULL AND a.phone = c.from_number AND a.state <> 'revoked'
        ORDER BY a.id FOR UPDATE OF a`,
      [callId],
    );
    for (const row of rows) await revokeAuditor(tx, Number(row.id), "phone", "opted out on the 156 line");
    return rows.length;
  });
}
