/**
 * The platform operator's changes to tenants over HTTP (docs/tenants.md, "The platform operator"): create one from a
 * template, suspend, resume, give or take a host name. Each is one transaction across tenants (the tenants table is
 * the install's own) holding its audit entry, written as the home tenant's, where the operator works; a new tenant's
 * template is loaded afterwards by the `provision-tenant` job, queued in that same transaction as the new tenant's.
 */
import { type AuditActor, type AuditEntry, recordAudit } from "../audit/record.ts";
import { type Db, isUniqueViolation, maybeOne, one, type Sql } from "../db/index.ts";
import { AppError, unprocessable } from "../errors.ts";
import { enqueue } from "../jobs/enqueue.ts";
import { type Claim, finishIn } from "../jobs/runner.ts";
import { DEFAULT_TENANT, runAcrossTenants } from "../tenants/current.ts";
import { forgetTenants, type TenantStatus } from "../tenants/queries.ts";
import { contentOfTemplate } from "../tenants/templates.ts";
import { subprefeiturasAvailable } from "./queries.ts";
import type { ProvisionPayload, TenantInput } from "./schemas.ts";

/**
 * Inside a transaction across tenants, the tenant that the rows it writes next belong to (the column's default reads
 * the setting). Local to the transaction: it ends with it, and the connection's own setting is left as it was.
 */
async function writeAs(tx: Sql, tenant: number): Promise<void> {
  await tx.query("SELECT set_config('responsiva.tenant', $1, true)", [String(tenant)]);
}

/** Runs `change` across tenants and records the audit entry it answers as the home tenant's, in one transaction. */
async function operatorChange<T>(
  db: Db,
  actor: AuditActor,
  change: (tx: Sql) => Promise<{ value: T; audit: AuditEntry }>,
): Promise<T> {
  const value = await runAcrossTenants(() =>
    db.transaction(async (tx) => {
      const done = await change(tx);
      await writeAs(tx, DEFAULT_TENANT);
      await recordAudit(tx, actor, done.audit);
      return done.value;
    }),
  );
  // This process sees the change at once; the others within the directory's few seconds.
  forgetTenants(db);
  return value;
}

const tenantNotFound = (slug: string) => new AppError(404, "tenant_not_found", { what: slug });

/** The tenant with `slug`, locked for the change; 404 when there is none. */
async function lockTenant(tx: Sql, slug: string): Promise<{ id: number; status: TenantStatus }> {
  const row = await maybeOne<{ id: number; status: TenantStatus }>(
    tx,
    "SELECT id, status FROM tenants WHERE slug = $1 FOR UPDATE",
    [slug],
  );
  if (!row) throw tenantNotFound(slug);
  return row;
}

/** 409 naming the field whose value another tenant holds (checked after the unique key refused it). */
async function takenBy(db: Db, input: { slug: string; hosts: string[]; jurisdictionId?: string | null }) {
  const [row] = await runAcrossTenants(() =>
    db.query<{ field: string; value: string }>(
      `SELECT 'slug' AS field, slug AS value FROM tenants WHERE slug = $1
       UNION ALL SELECT 'hosts', host FROM tenant_hosts WHERE host = ANY($2::text[])
       UNION ALL SELECT 'jurisdictionId', jurisdiction_id FROM tenants WHERE jurisdiction_id = $3
       LIMIT 1`,
      [input.slug, input.hosts, input.jurisdictionId ?? null],
    ),
  );
  const field = row?.field ?? "slug";
  return new AppError(409, "tenant_taken", { slug: row?.value ?? input.slug }, [
    { field, code: "tenant_taken" },
  ]);
}

/**
 * Refuses, before anything is written, a template that does not exist (422 unknown_template) or a subprefeitura the
 * shared data does not have (422 unknown_subprefeitura): never a tenant half made.
 */
export function checkTemplate(template: string, sharedDataDir: string): void {
  const code = /^subprefeitura:(.*)$/.exec(template)?.[1];
  if (code !== undefined && !subprefeiturasAvailable(sharedDataDir).has(code))
    throw unprocessable("unknown_subprefeitura", "template", { code });
  if (contentOfTemplate(template, sharedDataDir) === undefined)
    throw unprocessable("unknown_template", "template", { template });
}

/**
 * Creates a tenant at once, `provisioning`, with its hosts and jurisdiction, and queues the job that loads its
 * template as the tenant itself (São Paulo takes minutes); the job makes it active, or suspended with the reason.
 * 409 when the slug, a host or the jurisdiction is another tenant's. Answers the new tenant's id.
 */
export async function requestTenant(
  db: Db,
  input: TenantInput,
  sharedDataDir: string,
  actor: AuditActor,
): Promise<number> {
  checkTemplate(input.template, sharedDataDir);
  try {
    return await operatorChange(db, actor, async (tx) => {
      const { id } = await one<{ id: number }>(
        tx,
        `INSERT INTO tenants (slug, name, jurisdiction_id, status) VALUES ($1, $2, $3, 'provisioning')
         RETURNING id`,
        [input.slug, input.name, input.jurisdictionId ?? null],
      );
      if (input.hosts.length > 0) {
        await tx.query("INSERT INTO tenant_hosts (host, tenant_id) SELECT unnest($1::text[]), $2", [
          input.hosts,
          id,
        ]);
      }
      // The job is the new tenant's: the worker runs it as that tenant, so row-level security checks its writes.
      await writeAs(tx, id);
      await enqueue(tx, "provision-tenant", {
        template: input.template,
        requestedBy: { staffId: actor.staffId, staffName: actor.staffName },
      });
      return {
        value: id,
        audit: {
          action: "tenant.created",
          entityType: "tenant",
          entityId: input.slug,
          after: { id, ...input },
        },
      };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw await takenBy(db, input);
    throw error;
  }
}

/**
 * Suspends a tenant with a reason: its requests answer 503 and its periodic work waits. The home tenant, where the
 * operator works, cannot be (422 home_tenant).
 */
export async function suspendTenant(db: Db, slug: string, reason: string, actor: AuditActor): Promise<void> {
  await operatorChange(db, actor, async (tx) => {
    const tenant = await lockTenant(tx, slug);
    if (tenant.id === DEFAULT_TENANT) throw unprocessable("home_tenant", undefined, { slug });
    await tx.query(
      "UPDATE tenants SET status = 'suspended', suspended_at = now(), suspended_reason = $2 WHERE id = $1",
      [tenant.id, reason],
    );
    return {
      value: undefined,
      audit: {
        action: "tenant.suspended",
        entityType: "tenant",
        entityId: slug,
        before: { status: tenant.status },
        after: { status: "suspended", reason },
      },
    };
  });
}

/** Makes a suspended tenant active again; one being prepared cannot be (409 tenant_provisioning). */
export async function resumeTenant(db: Db, slug: string, actor: AuditActor): Promise<void> {
  await operatorChange(db, actor, async (tx) => {
    const tenant = await lockTenant(tx, slug);
    if (tenant.status === "provisioning") throw new AppError(409, "tenant_provisioning", { slug });
    await tx.query(
      "UPDATE tenants SET status = 'active', suspended_at = NULL, suspended_reason = NULL WHERE id = $1",
      [tenant.id],
    );
    return {
      value: undefined,
      audit: {
        action: "tenant.resumed",
        entityType: "tenant",
        entityId: slug,
        before: { status: tenant.status },
        after: { status: "active" },
      },
    };
  });
}

/** Gives a tenant another host name (409 when another tenant, or this one, has it already). */
export async function addHost(db: Db, slug: string, host: string, actor: AuditActor): Promise<void> {
  try {
    await operatorChange(db, actor, async (tx) => {
      const tenant = await lockTenant(tx, slug);
      await tx.query("INSERT INTO tenant_hosts (host, tenant_id) VALUES ($1, $2)", [host, tenant.id]);
      return {
        value: undefined,
        audit: { action: "tenant.host_added", entityType: "tenant", entityId: slug, after: { host } },
      };
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AppError(409, "tenant_taken", { slug: host }, [{ field: "host", code: "tenant_taken" }]);
    throw error;
  }
}

/** Takes a host name away from a tenant (404 when the tenant does not have it). */
export async function removeHost(db: Db, slug: string, host: string, actor: AuditActor): Promise<void> {
  await operatorChange(db, actor, async (tx) => {
    const tenant = await lockTenant(tx, slug);
    const gone = await tx.query(
      "DELETE FROM tenant_hosts WHERE host = $1 AND tenant_id = $2 RETURNING host",
      [host, tenant.id],
    );
    if (gone.length === 0) throw new AppError(404, "not_found", { what: host });
    return {
      value: undefined,
      audit: { action: "tenant.host_removed", entityType: "tenant", entityId: slug, before: { host } },
    };
  });
}

/** The audit actor of a provisioning job's outcome: the operator who asked for the tenant, from no address. */
function jobActor(requestedBy: ProvisionPayload["requestedBy"]): AuditActor | undefined {
  return requestedBy && { ...requestedBy, ip: null, userAgent: "provision-tenant job" };
}

/** Records a provisioning job's outcome in the home tenant's audit log, where the operator's other changes are. */
async function auditOutcome(
  tx: Sql,
  tenantId: number,
  requestedBy: ProvisionPayload["requestedBy"],
  action: string,
): Promise<void> {
  const actor = jobActor(requestedBy);
  if (!actor) return;
  const tenant = await one<{ slug: string; status: TenantStatus; suspended_reason: string | null }>(
    tx,
    "SELECT slug, status, suspended_reason FROM tenants WHERE id = $1",
    [tenantId],
  );
  await writeAs(tx, DEFAULT_TENANT);
  await recordAudit(tx, actor, {
    action,
    entityType: "tenant",
    entityId: tenant.slug,
    after: { status: tenant.status, ...(tenant.suspended_reason ? { reason: tenant.suspended_reason } : {}) },
  });
}

/**
 * The end of a tenant's provisioning: active, unless the operator suspended it meanwhile. Ends the job's outbox row
 * in the same commit (`claim`), so a crash never leaves the tenant active with its job to run again; the outcome is
 * in the home tenant's audit log, by the operator who asked for the tenant.
 */
export async function finishProvisioning(
  db: Db,
  tenantId: number,
  claim?: Claim,
  requestedBy?: ProvisionPayload["requestedBy"],
): Promise<void> {
  await runAcrossTenants(() =>
    db.transaction(async (tx) => {
      await tx.query("UPDATE tenants SET status = 'active' WHERE id = $1 AND status = 'provisioning'", [
        tenantId,
      ]);
      await finishIn(tx, claim);
      // Last: the entry is written as the home tenant's (writeAs), which the job's outbox row is not.
      await auditOutcome(tx, tenantId, requestedBy, "tenant.provisioned");
    }),
  );
  forgetTenants(db);
}

/** A tenant whose template could not be loaded: suspended, with the reason, for the operator to see and act on. */
export async function failProvisioning(
  db: Db,
  tenantId: number,
  reason: string,
  requestedBy?: ProvisionPayload["requestedBy"],
): Promise<void> {
  await runAcrossTenants(() =>
    db.transaction(async (tx) => {
      await tx.query(
        `UPDATE tenants SET status = 'suspended', suspended_at = now(), suspended_reason = $2
          WHERE id = $1 AND status <> 'active'`,
        [tenantId, reason.slice(0, 500)],
      );
      await auditOutcome(tx, tenantId, requestedBy, "tenant.provisioning_failed");
    }),
  );
  forgetTenants(db);
}
