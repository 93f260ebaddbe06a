/**
 * Sign-in through an OpenID Connect provider, the part the citizens' gov.br flow and the staff's city provider share
 * (decision 0057): the authorization code flow with PKCE (S256), `state` and `nonce`, a confidential client
 * authenticated with HTTP Basic (client_secret_basic, as gov.br asks), and the ID token checked by openid-client
 * (issuer, audience, nonce, expiry, signature against the provider's JWKS). A started flow is a `sign_in_flows` row,
 * found by the hash of its `state`, which the browser also carries in a short-lived HttpOnly cookie; the callback
 * deletes the row, so a flow is finished at most once, and only within 10 minutes, in the browser that started it.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import * as client from "openid-client";
import type { OidcClientSettings } from "../config-sign-in.ts";
import type { AppContext } from "../context.ts";
import type { Db } from "../db/index.ts";
import { maybeOne } from "../db/index.ts";
import type { Locale } from "../i18n.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";
import { tenantSignIn } from "./sign-in-settings.ts";

/** The providers a flow goes through (sign_in_flows.provider). */
export type SignInProvider = "govbr" | "city";

/** Minutes a started flow may take to come back. */
export const FLOW_MINUTES = 10;

/** The cookie that binds a started flow to the browser that started it (HttpOnly, SameSite=Lax, 10 minutes). */
export const FLOW_COOKIE = "responsiva_sign_in";

/** gov.br's scopes, as its integration guide asks for them: the person, their e-mail and their confidence levels. */
export const GOVBR_SCOPE = "openid email profile govbr_confiabilidades";

/** Where each provider sends the person back: the redirect URI registered there is PUBLIC_URL followed by it. */
export const CALLBACK_PATHS: Record<SignInProvider, string> = {
  govbr: "/api/v1/citizen/govbr/callback",
  city: "/api/v1/auth/oidc/callback",
};

/**
 * Where gov.br sends the browser after ending its own session (its "URL de Log Out"): the address registered at
 * gov.br is PUBLIC_URL followed by it, "my requests", where the citizen lands signed out.
 */
export const GOVBR_POST_LOGOUT_PATH = "/minhas-solicitacoes";

/** A configured provider as a flow uses it. */
export interface ProviderSettings extends OidcClientSettings {
  provider: SignInProvider;
  redirectUri: string;
  scope: string;
}

/** The configured providers; each absent one is off. */
export interface SignInProviders {
  govbr?: ProviderSettings & { confidenceApi: string; postLogoutRedirectUri: string };
  city?: ProviderSettings;
}

/**
 * The one place the providers' settings are read: the tenant's (server/access/sign-in-settings.ts: the environment
 * for the default tenant, else what the city's admin stored), with the redirect URIs at the tenant's public address
 * (server/tenants/public-url.ts), which are the ones the city registers at the providers.
 */
export async function signInProviders(ctx: Pick<AppContext, "config" | "db">): Promise<SignInProviders> {
  const { govbr, city } = await tenantSignIn(ctx);
  const base = await tenantPublicUrl(ctx);
  return {
    ...(govbr
      ? {
          govbr: {
            ...govbr,
            provider: "govbr" as const,
            redirectUri: `${base}${CALLBACK_PATHS.govbr}`,
            postLogoutRedirectUri: `${base}${GOVBR_POST_LOGOUT_PATH}`,
            scope: GOVBR_SCOPE,
          },
        }
      : {}),
    ...(city
      ? {
          city: {
            ...city,
            provider: "city" as const,
            redirectUri: `${base}${CALLBACK_PATHS.city}`,
            scope: "openid email profile",
          },
        }
      : {}),
  };
}

/**
 * gov.br's logout, where the browser goes when a session gov.br opened ends (its integration guide asks a client to
 * end the gov.br session too): `{issuer}/logout?post_logout_redirect_uri={the registered URI}`. gov.br ends its
 * session and sends the browser back to that URI; it is the guide's address, not discovery's end_session_endpoint.
 */
export function govbrLogoutUrl(settings: { issuer: string; postLogoutRedirectUri: string }): string {
  const url = new URL(`${settings.issuer.replace(/\/+$/, "")}/logout`);
  url.searchParams.set("post_logout_redirect_uri", settings.postLogoutRedirectUri);
  return url.href;
}

/** Why a flow ended without a session; the code picks the message the person reads. */
export type SignInFailureCode =
  | "state_invalid" // no such flow, used already, expired, or started in another browser
  | "access_denied" // the person cancelled at the provider
  | "provider_error" // the provider answered the authorization with another error
  | "token_failed" // the code exchange or the ID token failed its checks
  | "unavailable" // the provider could not be reached
  | "unknown_staff"; // staff: no active account has the provider's verified e-mail

/** A flow that ended without a session, with the language it was started in and where it was to go, when known. */
export class SignInFailure extends Error {
  constructor(
    readonly code: SignInFailureCode,
    readonly locale?: Locale,
    readonly returnTo?: string | null,
  ) {
    super(code);
  }
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const DISCOVERY_TTL_MS = 60 * 60 * 1000;
const discovered = new Map<string, { config: client.Configuration; at: number }>();

/**
 * The provider's metadata and keys (OpenID discovery), kept an hour per issuer and client. Plain HTTP is allowed only
 * for a provider on loopback (the tests' and a developer's local provider).
 */
async function configurationOf(settings: ProviderSettings): Promise<client.Configuration> {
  const key = `${settings.issuer}\n${settings.clientId}\n${settings.clientSecret}`;
  const hit = discovered.get(key);
  if (hit && Date.now() - hit.at < DISCOVERY_TTL_MS) return hit.config;
  const issuer = new URL(settings.issuer);
  const insecure = issuer.protocol === "http:" && LOOPBACK.has(issuer.hostname);
  try {
    const config = await client.discovery(
      issuer,
      settings.clientId,
      { client_secret: settings.clientSecret },
      client.ClientSecretBasic(settings.clientSecret),
      { timeout: 10, ...(insecure ? { execute: [client.allowInsecureRequests] } : {}) },
    );
    discovered.set(key, { config, at: Date.now() });
    return config;
  } catch {
    throw new SignInFailure("unavailable");
  }
}

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

/**
 * Starts a flow: records it and answers the provider's authorization URL (PKCE S256, state, nonce, the provider's
 * scopes) and the state, which the caller also puts in the flow cookie.
 */
export async function beginSignIn(
  db: Db,
  settings: ProviderSettings,
  locale: Locale,
  returnTo: string | null = null,
): Promise<{ url: string; state: string }> {
  const config = await configurationOf(settings);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  // Flows nobody finished are removed as new ones start (the index on expires_at keeps this cheap).
  await db.query("DELETE FROM sign_in_flows WHERE expires_at < now()");
  await db.query(
    `INSERT INTO sign_in_flows (state_hash, provider, code_verifier, nonce, locale, return_to, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(mins => $7))`,
    [sha256(state), settings.provider, verifier, nonce, locale, returnTo, FLOW_MINUTES],
  );
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: settings.redirectUri,
    scope: settings.scope,
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  });
  return { url: url.href, state };
}

/** What a finished flow hands its caller: the ID token's claims, the access token, and where the person goes. */
export interface FinishedSignIn {
  claims: client.IDToken;
  accessToken: string;
  locale: Locale;
  returnTo: string | null;
}

function sameState(a: string, b: string): boolean {
  const x = Buffer.from(sha256(a));
  const y = Buffer.from(sha256(b));
  return timingSafeEqual(x, y);
}

/**
 * Finishes a flow at its callback (`query` is the callback's query string): the state must be the browser's and an
 * unused, unexpired flow's, which is consumed here whatever happens next; then the provider's error or the code,
 * exchanged for tokens with the PKCE verifier and the ID token checked against the flow's nonce.
 */
export async function finishSignIn(
  db: Db,
  settings: ProviderSettings,
  query: string,
  cookieState: string | undefined,
): Promise<FinishedSignIn> {
  const callback = new URL(settings.redirectUri);
  callback.search = query;
  const state = callback.searchParams.get("state");
  if (!state || !cookieState || !sameState(state, cookieState)) throw new SignInFailure("state_invalid");
  const flow = await maybeOne<{
    code_verifier: string;
    nonce: string;
    locale: Locale;
    return_to: string | null;
  }>(
    db,
    `DELETE FROM sign_in_flows WHERE state_hash = $1 AND provider = $2 AND expires_at > now()
     RETURNING code_verifier, nonce, locale, return_to`,
    [sha256(state), settings.provider],
  );
  if (!flow) throw new SignInFailure("state_invalid");
  const error = callback.searchParams.get("error");
  if (error)
    throw new SignInFailure(
      error === "access_denied" ? "access_denied" : "provider_error",
      flow.locale,
      flow.return_to,
    );
  let config: client.Configuration;
  try {
    config = await configurationOf(settings);
  } catch {
    throw new SignInFailure("unavailable", flow.locale, flow.return_to);
  }
  try {
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: flow.code_verifier,
      expectedState: state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new SignInFailure("token_failed", flow.locale, flow.return_to);
    return { claims, accessToken: tokens.access_token, locale: flow.locale, returnTo: flow.return_to };
  } catch (e) {
    if (e instanceof SignInFailure) throw e;
    throw new SignInFailure(isUnreachable(e) ? "unavailable" : "token_failed", flow.locale, flow.return_to);
  }
}

/** True for a failure to reach the provider (refused, timed out, a 5xx), as opposed to an answer refusing the code. */
function isUnreachable(e: unknown): boolean {
  if (e instanceof client.ResponseBodyError) return e.status >= 500;
  if (!(e instanceof Error)) return false;
  if (e.name === "TimeoutError" || e.name === "AbortError") return true;
  if (e instanceof TypeError && /fetch failed/i.test(e.message)) return true;
  return e.cause instanceof Error && isUnreachable(e.cause);
}
