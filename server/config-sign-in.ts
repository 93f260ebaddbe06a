/**
 * The OpenID Connect providers people may sign in through (decision 0057): gov.br for citizens, the city's own
 * provider for staff. Each is on when its variables are set; one half configured is a start-up problem naming what
 * is missing. The redirect URIs registered at the providers derive from PUBLIC_URL (server/access/oidc.ts).
 */
import { z } from "zod";

/** The environment variables of the sign-in providers, spread into the configuration's schema. */
export const SIGN_IN_ENV = {
  /** gov.br's issuer: https://sso.acesso.gov.br (production) or https://sso.staging.acesso.gov.br (staging). */
  GOVBR_ISSUER: z.string().url().optional(),
  /** The client id gov.br issued to the city's application. */
  GOVBR_CLIENT_ID: z.string().min(1).max(200).optional(),
  /** Its client secret (sent with HTTP Basic to the token endpoint, as gov.br asks). */
  GOVBR_CLIENT_SECRET: z.string().min(1).max(500).optional(),
  /** gov.br's API host, where the account's confidence levels are read (https://api.staging.acesso.gov.br in staging). */
  GOVBR_CONFIDENCE_API: z.string().url().default("https://api.acesso.gov.br"),
  /** The city's own OpenID provider for staff (Keycloak, Entra ID, Google Workspace …): its issuer URL. */
  STAFF_OIDC_ISSUER: z.string().url().optional(),
  /** The client id of this application at the city's provider. */
  STAFF_OIDC_CLIENT_ID: z.string().min(1).max(200).optional(),
  /** Its client secret (client_secret_basic). */
  STAFF_OIDC_CLIENT_SECRET: z.string().min(1).max(500).optional(),
};

type SignInEnv = z.infer<z.ZodObject<typeof SIGN_IN_ENV>>;

/** A confidential client at an OpenID provider. */
export interface OidcClientSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** gov.br's client, and where its confidence-levels API lives. */
export interface GovbrSettings extends OidcClientSettings {
  confidenceApi: string;
}

/** The providers that are configured; an absent one is off (its buttons hidden, its routes 404). */
export interface SignInSettings {
  govbr?: GovbrSettings | undefined;
  city?: OidcClientSettings | undefined;
}

/** Reads the providers' variables: each provider is on with all three of its variables, off with none. */
export function signInSettings(e: SignInEnv): { signIn: SignInSettings } | { problems: string[] } {
  const problems: string[] = [];
  const group = (names: (keyof SignInEnv)[], what: string): boolean => {
    const set = names.filter((name) => e[name] !== undefined);
    if (set.length === 0) return false;
    if (set.length < names.length)
      for (const name of names.filter((n) => e[n] === undefined))
        problems.push(`${name}: needed for ${what}`);
    return set.length === names.length;
  };
  const signIn: SignInSettings = {};
  if (group(["GOVBR_ISSUER", "GOVBR_CLIENT_ID", "GOVBR_CLIENT_SECRET"], "gov.br sign-in")) {
    signIn.govbr = {
      issuer: e.GOVBR_ISSUER!,
      clientId: e.GOVBR_CLIENT_ID!,
      clientSecret: e.GOVBR_CLIENT_SECRET!,
      confidenceApi: e.GOVBR_CONFIDENCE_API.replace(/\/+$/, ""),
    };
  }
  if (
    group(["STAFF_OIDC_ISSUER", "STAFF_OIDC_CLIENT_ID", "STAFF_OIDC_CLIENT_SECRET"], "the staff provider")
  ) {
    signIn.city = {
      issuer: e.STAFF_OIDC_ISSUER!,
      clientId: e.STAFF_OIDC_CLIENT_ID!,
      clientSecret: e.STAFF_OIDC_CLIENT_SECRET!,
    };
  }
  return problems.length > 0 ? { problems } : { signIn };
}
