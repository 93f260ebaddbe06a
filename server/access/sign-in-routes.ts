/**
 * A city's admin sets the OpenID providers its people sign in through (issue 16): gov.br for citizens and the city's
 * own provider for staff. The answer names the redirect URIs to register at each provider (the tenant's public
 * address, server/tenants/public-url.ts) and whether a secret is set, never the secret.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { auditActorOf, recordAudit } from "../audit/record.ts";
import { conflict, notFound, unprocessable } from "../errors.ts";
import { route, validate } from "../http/openapi.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";
import { CALLBACK_PATHS, GOVBR_POST_LOGOUT_PATH, type SignInProvider } from "./oidc.ts";
import { environmentSignIn, forgetStoredSignIn, GOVBR_API, storedSignIn } from "./sign-in-settings.ts";

const ProviderParams = z.object({ provider: z.enum(["govbr", "city"]) });

const httpUrl = z
  .string()
  .trim()
  .url()
  .max(300)
  .regex(/^https?:\/\//)
  .transform((u) => u.replace(/\/+$/, ""));

/** What PUT takes: the issuer, the client id and (required the first time) the secret; gov.br's API host. */
export const ProviderInput = z
  .object({
    issuer: httpUrl,
    clientId: z.string().trim().min(1).max(200),
    clientSecret: z.string().min(1).max(500).optional(),
    confidenceApi: httpUrl.optional(),
  })
  .strict();

const ProviderView = z.object({
  configured: z.boolean(),
  /** "environment": set by the install's variables (the default tenant), read-only here. */
  source: z.enum(["environment", "tenant"]).nullable(),
  issuer: z.string().nullable(),
  clientId: z.string().nullable(),
  clientSecretSet: z.boolean(),
  confidenceApi: z.string().nullable(),
  /** The redirect URI to register at the provider. */
  redirectUri: z.string(),
  /** gov.br's "URL de Log Out" to register. */
  postLogoutRedirectUri: z.string().optional(),
});
const ProvidersView = z.object({ govbr: ProviderView, city: ProviderView });

export async function registerSignInSettingsRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  const viewOf = async () => {
    const base = await tenantPublicUrl(app.ctx);
    const env = environmentSignIn(app.ctx);
    // Read anew: another process may have changed them within the cache's seconds.
    forgetStoredSignIn();
    const stored = await storedSignIn(db);
    const one = (provider: SignInProvider) => {
      const fromEnv = env[provider];
      const settings = fromEnv ?? stored[provider];
      return {
        configured: settings !== undefined,
        source: fromEnv ? ("environment" as const) : settings ? ("tenant" as const) : null,
        issuer: settings?.issuer ?? null,
        clientId: settings?.clientId ?? null,
        clientSecretSet: settings !== undefined,
        confidenceApi: settings && "confidenceApi" in settings ? settings.confidenceApi : null,
        redirectUri: `${base}${CALLBACK_PATHS[provider]}`,
        ...(provider === "govbr" ? { postLogoutRedirectUri: `${base}${GOVBR_POST_LOGOUT_PATH}` } : {}),
      };
    };
    return { govbr: one("govbr"), city: one("city") };
  };

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/sign-in-providers",
      summary:
        "The city's OpenID providers (gov.br, its own for staff) and the redirect URIs to register there",
      tag: "sign-in",
      action: "sign_in.manage",
      responses: { 200: { description: "The providers", schema: ProvidersView } },
    },
    async () => viewOf(),
  );

  route(
    app,
    {
      method: "PUT",
      path: "/api/v1/sign-in-providers/:provider",
      summary:
        "Set a provider: issuer, client id, client secret (kept, never shown; required the first time)",
      tag: "sign-in",
      action: "sign_in.manage",
      body: ProviderInput,
      responses: {
        200: { description: "The providers", schema: ProvidersView },
        409: { description: "sign_in_set_by_environment" },
        422: { description: "client_secret_required" },
      },
    },
    async (req) => {
      const { provider } = validate(ProviderParams, req.params);
      const input = validate(ProviderInput, req.body);
      if (environmentSignIn(app.ctx)[provider]) throw conflict("sign_in_set_by_environment", { provider });
      if (provider === "city" && input.confidenceApi !== undefined)
        throw unprocessable("confidence_api_govbr_only", "confidenceApi");
      await db.transaction(async (tx) => {
        const [before] = await tx.query<{ issuer: string; client_id: string }>(
          "SELECT issuer, client_id FROM sign_in_providers WHERE provider = $1 FOR UPDATE",
          [provider],
        );
        if (!before && input.clientSecret === undefined)
          throw unprocessable("client_secret_required", "clientSecret");
        const confidenceApi = provider === "govbr" ? (input.confidenceApi ?? GOVBR_API) : null;
        if (before) {
          await tx.query(
            `UPDATE sign_in_providers
                SET issuer = $2, client_id = $3, client_secret = coalesce($4, client_secret), confidence_api = $5,
                    updated_at = now()
              WHERE provider = $1`,
            [provider, input.issuer, input.clientId, input.clientSecret ?? null, confidenceApi],
          );
        } else {
          await tx.query(
            `INSERT INTO sign_in_providers (provider, issuer, client_id, client_secret, confidence_api)
             VALUES ($1, $2, $3, $4, $5)`,
            [provider, input.issuer, input.clientId, input.clientSecret, confidenceApi],
          );
        }
        await recordAudit(tx, auditActorOf(req), {
          action: "sign_in_provider.updated",
          entityType: "sign_in_provider",
          entityId: provider,
          before: before ? { issuer: before.issuer, clientId: before.client_id } : undefined,
          after: {
            issuer: input.issuer,
            clientId: input.clientId,
            secretChanged: input.clientSecret !== undefined,
          },
        });
      });
      forgetStoredSignIn();
      return viewOf();
    },
  );

  route(
    app,
    {
      method: "DELETE",
      path: "/api/v1/sign-in-providers/:provider",
      summary: "Turn a provider off (its sign-in button disappears)",
      tag: "sign-in",
      action: "sign_in.manage",
      responses: {
        200: { description: "The providers", schema: ProvidersView },
        404: { description: "not_found" },
        409: { description: "sign_in_set_by_environment" },
      },
    },
    async (req) => {
      const { provider } = validate(ProviderParams, req.params);
      if (environmentSignIn(app.ctx)[provider]) throw conflict("sign_in_set_by_environment", { provider });
      await db.transaction(async (tx) => {
        const gone = await tx.query("DELETE FROM sign_in_providers WHERE provider = $1 RETURNING provider", [
          provider,
        ]);
        if (gone.length === 0) throw notFound(`/api/v1/sign-in-providers/${provider}`);
        await recordAudit(tx, auditActorOf(req), {
          action: "sign_in_provider.removed",
          entityType: "sign_in_provider",
          entityId: provider,
        });
      });
      forgetStoredSignIn();
      return viewOf();
    },
  );
}
