/**
 * A city's admin sets or removes one of its messaging providers (issue 16). Each change is one transaction of the
 * tenant's own (row-level security) holding its audit entry, which names the shown fields and which secrets changed,
 * never a secret. A provider the environment configures for the default tenant is the install's: refused (409).
 */
import { type AuditActor, recordAudit } from "../audit/record.ts";
import type { AppContext } from "../context.ts";
import { conflict, notFound, unprocessable } from "../errors.ts";
import { type MessagingProvider, PROVIDER_SCHEMAS } from "./schemas.ts";
import { environmentMessaging, forgetStoredMessaging, isSetByEnvironment } from "./settings.ts";

type Ctx = Pick<AppContext, "config" | "db">;

/** Refuses a change to a provider the install's environment keeps for this tenant (the default tenant's). */
function refuseEnvironment(ctx: Ctx, provider: MessagingProvider): void {
  if (isSetByEnvironment(environmentMessaging(ctx), provider))
    throw conflict("messaging_set_by_environment", { provider });
}

const pick = (value: Record<string, unknown>, keys: readonly string[]) =>
  Object.fromEntries(keys.filter((k) => value[k] !== undefined).map((k) => [k, value[k]]));

/**
 * Stores the tenant's account of `provider` from a body checked by `providerInput(provider)`: its shown fields as
 * given, its secrets as given or else as stored (each is required the first time: 422 `secret_required`).
 */
export async function setMessagingProvider(
  ctx: Ctx,
  provider: MessagingProvider,
  input: Record<string, unknown>,
  actor: AuditActor,
): Promise<void> {
  refuseEnvironment(ctx, provider);
  const schemas = PROVIDER_SCHEMAS[provider];
  const settings = pick(input, Object.keys(schemas.settings.shape));
  const given = pick(input, Object.keys(schemas.secrets.shape));
  if (provider === "twilio" && !settings.smsFrom && !settings.whatsappFrom)
    throw unprocessable("sender_required", "smsFrom");
  await ctx.db.transaction(async (tx) => {
    const [before] = await tx.query<{ settings: Record<string, unknown>; secrets: Record<string, unknown> }>(
      "SELECT settings, secrets FROM messaging_providers WHERE provider = $1 FOR UPDATE",
      [provider],
    );
    const secrets = schemas.secrets.safeParse({ ...before?.secrets, ...given });
    if (!secrets.success) {
      const missing = Object.keys(schemas.secrets.shape).find((k) => !(k in given) && !before?.secrets[k]);
      throw unprocessable("secret_required", missing ?? String(secrets.error.issues[0]?.path[0] ?? ""));
    }
    await tx.query(
      `INSERT INTO messaging_providers (provider, settings, secrets) VALUES ($1, $2::jsonb, $3::jsonb)
       ON CONFLICT (tenant_id, provider)
       DO UPDATE SET settings = EXCLUDED.settings, secrets = EXCLUDED.secrets, updated_at = now()`,
      [provider, JSON.stringify(settings), JSON.stringify(secrets.data)],
    );
    await recordAudit(tx, actor, {
      action: "messaging_provider.updated",
      entityType: "messaging_provider",
      entityId: provider,
      before: before?.settings,
      after: { ...settings, secretsChanged: Object.keys(given).sort() },
    });
  });
  forgetStoredMessaging();
}

/** Removes the tenant's account of `provider`: its messages go out by the install's again, if it has one. */
export async function removeMessagingProvider(
  ctx: Ctx,
  provider: MessagingProvider,
  actor: AuditActor,
): Promise<void> {
  refuseEnvironment(ctx, provider);
  await ctx.db.transaction(async (tx) => {
    const gone = await tx.query<{ settings: Record<string, unknown> }>(
      "DELETE FROM messaging_providers WHERE provider = $1 RETURNING settings",
      [provider],
    );
    if (gone.length === 0) throw notFound(`/api/v1/messaging-providers/${provider}`);
    await recordAudit(tx, actor, {
      action: "messaging_provider.removed",
      entityType: "messaging_provider",
      entityId: provider,
      before: gone[0]!.settings,
    });
  });
  forgetStoredMessaging();
}
