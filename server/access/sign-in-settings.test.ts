/**
 * Each tenant's own OpenID providers (issue 16): a city's admin sets gov.br and its staff provider, with the redirect
 * URIs at the tenant's address; a citizen of a city under /t/slug signs in through that city's gov.br client, with
 * that city's cookies and redirects, and the other tenants' sign-in stays as it was.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { signInAt, startLocalProvider } from "../../tests/govbr-provider.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { createTenant } from "../tenants/commands.ts";
import { runAsTenant } from "../tenants/current.ts";
import { CALLBACK_PATHS, GOVBR_POST_LOGOUT_PATH } from "./oidc.ts";

const PUBLIC_URL = "http://localhost:3000";
const BASE = `${PUBLIC_URL}/t/sso-santos`;
const CPF = "52998224725";
const govbr = await startLocalProvider({
  flavour: "govbr",
  redirectUris: [`${BASE}${CALLBACK_PATHS.govbr}`],
  postLogoutRedirectUris: [`${BASE}${GOVBR_POST_LOGOUT_PATH}`],
  accounts: {
    [CPF]: { claims: { name: "Maria Quitéria", email: "maria@example.org", email_verified: true } },
  },
});
after(() => govbr.close());

// The default tenant's gov.br is the environment's (a single-city install's); Santos sets its own.
const envProvider = {
  issuer: "https://sso.staging.acesso.gov.br",
  clientId: "env",
  clientSecret: "env-secret",
};
const { app, ctx } = await testApp({
  publicUrl: PUBLIC_URL,
  signIn: { govbr: { ...envProvider, confidenceApi: "https://api.staging.acesso.gov.br" } },
});
const { db } = ctx;
const santos = await createTenant(db, { slug: "sso-santos", name: "Santos" });
const santosAdmin = await runAsTenant(santos, () => staffHeaders(db, "admin"));
const defaultAdmin = await staffHeaders(db, "admin");
const at = (path: string) => `/t/sso-santos${path}`;

function setCookieLine(res: { headers: Record<string, unknown> }, name: string): string | undefined {
  return ([res.headers["set-cookie"] ?? []].flat() as string[]).find((l) => l.startsWith(`${name}=`));
}
const cookieOf = (line: string | undefined) => line?.split(";")[0]?.split("=").slice(1).join("=");

describe("a tenant's sign-in providers", () => {
  it("shows the redirect URIs to register at the tenant's address, and no provider yet", async () => {
    const res = await app.inject({ url: at("/api/v1/sign-in-providers"), headers: santosAdmin });
    assert.equal(res.statusCode, 200, res.body);
    const view = res.json();
    assert.equal(view.govbr.configured, false);
    assert.equal(view.govbr.redirectUri, `${BASE}/api/v1/citizen/govbr/callback`);
    assert.equal(view.govbr.postLogoutRedirectUri, `${BASE}/minhas-solicitacoes`);
    assert.equal(view.city.redirectUri, `${BASE}/api/v1/auth/oidc/callback`);
    // Santos has no gov.br yet: its start route is off, though the default tenant's is on.
    assert.equal((await app.inject({ url: at("/api/v1/citizen/govbr/start") })).statusCode, 404);
    assert.equal((await app.inject({ url: "/api/v1/citizen/govbr/start" })).statusCode, 303);
  });

  it("asks the secret the first time, keeps it and never shows it", async () => {
    const url = at("/api/v1/sign-in-providers/govbr");
    const body = { issuer: govbr.issuer, clientId: govbr.clientId, confidenceApi: govbr.confidenceApi };
    const first = await app.inject({ method: "PUT", url, headers: santosAdmin, payload: body });
    assert.equal(first.statusCode, 422);
    assert.equal(first.json().code, "client_secret_required");
    const set = await app.inject({
      method: "PUT",
      url,
      headers: santosAdmin,
      payload: { ...body, clientSecret: govbr.clientSecret },
    });
    assert.equal(set.statusCode, 200, set.body);
    assert.equal(set.json().govbr.configured, true);
    assert.equal(set.json().govbr.source, "tenant");
    assert.equal(set.json().govbr.clientSecretSet, true);
    assert.doesNotMatch(set.body, new RegExp(govbr.clientSecret));
    // A change without the secret keeps it.
    const again = await app.inject({ method: "PUT", url, headers: santosAdmin, payload: body });
    assert.equal(again.statusCode, 200);
    const audit = await runAsTenant(santos, () =>
      db.query<{ after: Record<string, unknown> }>(
        "SELECT after FROM audit_log WHERE entity_type = 'sign_in_provider' ORDER BY id",
      ),
    );
    assert.equal(audit.length, 2);
    assert.doesNotMatch(JSON.stringify(audit), new RegExp(govbr.clientSecret));
  });

  it("signs a citizen in through the tenant's gov.br client, under its prefix, with its own cookies", async () => {
    const start = await app.inject({ url: at("/api/v1/citizen/govbr/start?lang=pt-BR") });
    assert.equal(start.statusCode, 303, start.body);
    const authorize = new URL(String(start.headers.location));
    assert.equal(authorize.origin, govbr.issuer);
    assert.equal(authorize.searchParams.get("redirect_uri"), `${BASE}/api/v1/citizen/govbr/callback`);
    const flow = setCookieLine(start, "responsiva_sign_in-sso-santos");
    assert.match(flow ?? "", /Path=\/t\/sso-santos\/api\/v1\//);
    const back = await signInAt(govbr, authorize.href, CPF);
    assert.equal(back.pathname, "/t/sso-santos/api/v1/citizen/govbr/callback");
    const done = await app.inject({
      url: `${back.pathname}${back.search}`,
      cookies: { "responsiva_sign_in-sso-santos": cookieOf(flow) ?? "" },
    });
    assert.equal(done.statusCode, 303, done.body);
    assert.match(String(done.headers.location), /^\/t\/sso-santos\/minhas-solicitacoes\?lang=pt-BR/);
    const session = setCookieLine(done, "responsiva_citizen-sso-santos");
    assert.match(session ?? "", /Path=\/t\/sso-santos;/);
    const mine = await app.inject({
      url: at("/api/v1/citizen/demands"),
      cookies: { "responsiva_citizen-sso-santos": cookieOf(session) ?? "" },
    });
    assert.equal(mine.statusCode, 200, mine.body);
    // The citizen is Santos's: the default tenant has no such person, and that session means nothing there.
    const elsewhere = await app.inject({
      url: "/api/v1/citizen/demands",
      cookies: { responsiva_citizen: cookieOf(session) ?? "" },
    });
    assert.equal(elsewhere.statusCode, 401);
    const [row] = await runAsTenant(santos, () =>
      db.query<{ n: number }>("SELECT count(*)::int AS n FROM citizen_identities WHERE provider = 'govbr'"),
    );
    assert.equal(row?.n, 1);
  });

  it("leaves a provider the environment sets read-only, and another tenant's admin sees only their own", async () => {
    const view = (await app.inject({ url: "/api/v1/sign-in-providers", headers: defaultAdmin })).json();
    assert.equal(view.govbr.source, "environment");
    assert.equal(view.govbr.issuer, envProvider.issuer);
    const refused = await app.inject({
      method: "PUT",
      url: "/api/v1/sign-in-providers/govbr",
      headers: defaultAdmin,
      payload: { issuer: govbr.issuer, clientId: "x", clientSecret: "y" },
    });
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().code, "sign_in_set_by_environment");
    // Santos's admin on the default tenant's address is not signed in there.
    assert.equal(
      (await app.inject({ url: "/api/v1/sign-in-providers", headers: santosAdmin })).statusCode,
      401,
    );
  });

  it("turns a provider off", async () => {
    const off = await app.inject({
      method: "DELETE",
      url: at("/api/v1/sign-in-providers/govbr"),
      headers: santosAdmin,
    });
    assert.equal(off.statusCode, 200);
    assert.equal(off.json().govbr.configured, false);
    assert.equal((await app.inject({ url: at("/api/v1/citizen/govbr/start") })).statusCode, 404);
    const again = await app.inject({
      method: "DELETE",
      url: at("/api/v1/sign-in-providers/govbr"),
      headers: santosAdmin,
    });
    assert.equal(again.statusCode, 404);
  });
});
