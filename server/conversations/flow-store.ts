/**
 * Written flows in the database (conversation_flows): the one that applies to a service (its own, its Assunto's,
 * its Tema's), kept a few seconds per process like the services themselves, and the managers' writes.
 */
import type { Sql } from "../db/index.ts";
import { tenantKey } from "../tenants/current.ts";
import { FlowDefinition } from "./flow-definitions.ts";

const CACHE_MS = 30_000;
const cache = new Map<string, { definition: FlowDefinition | null; until: number }>();

/** The written flow that applies to the service `code`, or null (the default flow applies). */
export async function flowDefinitionFor(sql: Sql, code: string): Promise<FlowDefinition | null> {
  const key = tenantKey(code);
  const hit = cache.get(key);
  if (hit && hit.until > Date.now()) return hit.definition;
  const [row] = await sql.query<{ definition: unknown }>(
    `SELECT f.definition FROM services s
       JOIN service_groups g ON g.id = s.group_id
       JOIN conversation_flows f
         ON f.service_id = s.id OR f.service_group_id = g.id OR f.service_group_id = g.parent_id
      WHERE s.code = $1
      ORDER BY (f.service_id IS NOT NULL) DESC, (f.service_group_id IS NOT DISTINCT FROM g.id) DESC
      LIMIT 1`,
    [code],
  );
  // A row written by an older version that no longer parses is ignored rather than stopping conversations.
  const parsed = row ? FlowDefinition.safeParse(row.definition) : undefined;
  const definition = parsed?.success ? parsed.data : null;
  if (cache.size > 5_000) cache.clear();
  cache.set(key, { definition, until: Date.now() + CACHE_MS });
  return definition;
}

/** Forgets this process's cached flows (after a write commits). */
export function forgetFlows(): void {
  cache.clear();
}

/** Where a written flow is kept: on a service or on a service group, by id. */
export type FlowOwner = { service: number } | { group: number };

/** The written flow kept on `owner`, if any. */
export async function storedFlow(sql: Sql, owner: FlowOwner): Promise<FlowDefinition | null> {
  const [row] = await sql.query<{ definition: FlowDefinition }>(
    `SELECT definition FROM conversation_flows WHERE ${"service" in owner ? "service_id" : "service_group_id"} = $1`,
    ["service" in owner ? owner.service : owner.group],
  );
  return row?.definition ?? null;
}

/** Writes (or replaces) the flow of `owner` (this process's cache is emptied; others' within 30 s). */
export async function saveFlow(
  db: Sql,
  owner: FlowOwner,
  definition: FlowDefinition,
  staffId: number,
): Promise<void> {
  const column = "service" in owner ? "service_id" : "service_group_id";
  await db.query(
    `INSERT INTO conversation_flows (${column}, definition, updated_by) VALUES ($1, $2, $3)
     ON CONFLICT (${column}) DO UPDATE
       SET definition = EXCLUDED.definition, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    ["service" in owner ? owner.service : owner.group, JSON.stringify(definition), staffId],
  );
  cache.clear();
}

/** Removes the flow of `owner` (the next one up, or the default, applies); false when there was none. */
export async function removeFlow(db: Sql, owner: FlowOwner): Promise<boolean> {
  const rows = await db.query(
    `DELETE FROM conversation_flows WHERE ${"service" in owner ? "service_id" : "service_group_id"} = $1 RETURNING id`,
    ["service" in owner ? owner.service : owner.group],
  );
  cache.clear();
  return rows.length > 0;
}
