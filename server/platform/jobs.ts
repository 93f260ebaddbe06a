/** The job that loads a new tenant's template, queued by the platform operator's creation of it. */
import { SharedDataMissing, UnknownSubprefeitura } from "../cli/seed.ts";
import { JOB_PAYLOADS } from "../jobs/payloads.ts";
import { type Job, PermanentError } from "../jobs/runner.ts";
import { logger } from "../observability/log.ts";
import { currentTenant } from "../tenants/current.ts";
import { contentOfTemplate } from "../tenants/templates.ts";
import { failProvisioning, finishProvisioning } from "./commands.ts";

const log = logger("platform");

/** Attempts before a tenant whose template keeps failing is suspended with the last error. */
const ATTEMPTS = 3;

/** Errors that another attempt cannot mend: the template or its open data is not there. */
const isLasting = (error: unknown) =>
  error instanceof PermanentError ||
  error instanceof SharedDataMissing ||
  error instanceof UnknownSubprefeitura;

/**
 * Loads a tenant's starting rows and template as the tenant of its outbox row (row-level security checks every
 * write), then makes it active. Every step of a template is idempotent, so a failed attempt is simply tried again;
 * the last one, or one that cannot be mended, leaves the tenant suspended with the reason for the operator.
 */
export const provisionTenantJob: Job<(typeof JOB_PAYLOADS)["provision-tenant"]> = {
  name: "provision-tenant",
  payload: JOB_PAYLOADS["provision-tenant"],
  maxAttempts: ATTEMPTS,
  async run(ctx, payload, claim) {
    const tenant = currentTenant();
    try {
      const content = contentOfTemplate(payload.template, ctx.config.sharedDataDir, (line) =>
        log.info({ tenant }, line),
      );
      if (!content) throw new PermanentError(`unknown template ${payload.template}`);
      await ctx.db.query("SELECT responsiva_tenant_starting_rows()");
      await content(ctx.db, tenant);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Called directly (no claim), a failure is the last word too.
      if (isLasting(error) || (claim?.attempts ?? ATTEMPTS) >= ATTEMPTS) {
        await failProvisioning(ctx.db, tenant, `content failed: ${message}`, payload.requestedBy);
        throw new PermanentError(message);
      }
      throw error;
    }
    await finishProvisioning(ctx.db, tenant, claim, payload.requestedBy);
  },
};
