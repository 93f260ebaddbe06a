/**
 * How a connection carries the tenant (decision 0059): it runs as the role `responsiva_app`, which row-level security
 * binds, with the session setting `responsiva.tenant` naming the tenant of the statement it runs. The setting is sent
 * only when the connection's last tenant differs, so a single-city install pays nothing per statement. Work across
 * tenants (migrations, the job claimer, the platform operator) runs in a transaction under `SET LOCAL ROLE NONE`: the
 * login role, which owns the tables, and which row-level security does not bind.
 */
import { ACROSS_TENANTS } from "../tenants/current.ts";
import type { Sql } from "./index.ts";

/** The role the application runs as (migration 0064). */
export const TENANT_ROLE = "responsiva_app";

/** True once the database has the tenants and the role (migration 0064 applied). */
export const TENANCY_READY_SQL = `SELECT to_regclass('public.tenants') IS NOT NULL
  AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${TENANT_ROLE}') AS ready`;

/**
 * The statements that lift row-level security for one transaction (work across tenants). The tenant setting is
 * emptied for it, so a row inserted across tenants must name its tenant (the column's default is NULL then).
 */
export const ACROSS_SQL = "SET LOCAL ROLE NONE; SELECT set_config('responsiva.tenant', '', true)";

/**
 * The preamble of a lone script (`Db.exec`: fixtures, VACUUM, CHECKPOINT): the install's own, run as the owner, with
 * the tenant setting of the work under way so the rows it inserts take that tenant by default. No production path
 * runs a lone script but the backup's checkpoint; requests and jobs run statements and transactions.
 */
export function ownerPreamble(tenant: number): string {
  return `SET ROLE NONE; SELECT set_config('responsiva.tenant', '${tenant === ACROSS_TENANTS ? "" : tenant}', false)`;
}

/** What one connection has been told: its role, and the tenant of its session setting. */
export interface SessionState {
  role: boolean;
  tenant: number | undefined;
}

/** A fresh connection's state: nothing said yet. */
export const freshSession = (): SessionState => ({ role: false, tenant: undefined });

/**
 * The statements (a simple-query script, no parameters) a connection needs before running a statement of `tenant`,
 * or undefined when it needs none. `tenant` is a safe integer (tenants/current.ts), written into the text.
 */
export function sessionPreamble(state: SessionState, tenant: number): string | undefined {
  const parts: string[] = [];
  // row_security on as well: a restored dump's script turns it off for its session (pg_dump writes that), and off
  // would make every statement of the bound role fail rather than be filtered.
  if (!state.role) parts.push(`SET ROLE ${TENANT_ROLE}; SET row_security = on`);
  if (tenant !== ACROSS_TENANTS && state.tenant !== tenant) {
    parts.push(`SELECT set_config('responsiva.tenant', '${tenant}', false)`);
  }
  return parts.length > 0 ? parts.join("; ") : undefined;
}

/** Records that the preamble for `tenant` ran. */
export function sessionEntered(state: SessionState, tenant: number): void {
  state.role = true;
  if (tenant !== ACROSS_TENANTS) state.tenant = tenant;
}

/** Forgets what a connection was told (a rolled-back transaction undoes the settings made inside it). */
export function sessionForgotten(state: SessionState): void {
  state.role = false;
  state.tenant = undefined;
}

const readiness = new WeakMap<object, () => void>();

/** Registers how `db` starts using tenancy once its migrations made it ready. */
export function onTenancyReady(db: object, start: () => void): void {
  readiness.set(db, start);
}

/** Called by `migrate` after the migrations: from now on `db`'s connections carry the tenant. */
export function tenancyIsReady(db: object): void {
  readiness.get(db)?.();
}

/**
 * Runs a DDL script (dropping and remaking indexes for a bulk load) as the tables' owner inside the caller's
 * transaction, then returns to the role the transaction had: the rows it writes stay the tenant's.
 */
export async function execAsOwner(tx: Sql, script: string): Promise<void> {
  const [row] = await tx.query<{ who: string }>("SELECT quote_ident(current_user) AS who");
  await tx.exec(`SET LOCAL ROLE NONE;\n${script};\nSET LOCAL ROLE ${row!.who}`);
}
