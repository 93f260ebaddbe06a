/**
 * gov.br sign-in for citizens and the city provider's sign-in for staff (decision 0057), walked end to end against
 * local OpenID providers on loopback (tests/govbr-provider.ts): the app's start route, the provider's login and
 * consent pages, the callback, the session; state, replay, cancellation, token and outage failures; the confidence
 * level; the CPF's earlier demands shown only once confirmed, and in the LGPD export; the sign-out that ends the gov.br
 * session too; staff matched by the provider's verified e-mail.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { fileDemand, findPlainService } from "../../tests/factories.ts";
import { type CookieJar, signInAt, startLocalProvider, visitAt } from "../../tests/govbr-provider.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { CALLBACK_PATHS, FLOW_COOKIE, GOVBR_POST_LOGOUT_PATH, GOVBR_SCOPE } from "../access/oidc.ts";
import { hashToken } from "../access/principal.ts";
import type { SignInSettings } from "../config-sign-in.ts";
import { one } from "../db/index.ts";

const PUBLIC_URL = "http://localhost:3000";
const SILVER = "52998224725"; // Maria: silver, e-mail and phone verified
const BRONZE = "11144477735"; // Bento: bronze, e-mail not verified
const GOLD = "39053344705"; // Gema: gold

const govbr = await startLocalProvider({
  flavour: "govbr",
  redirectUris: [`${PUBLIC_URL}${CALLBACK_PATHS.govbr}`],
  postLogoutRedirectUris: [`${PUBLIC_URL}${GOVBR_POST_LOGOUT_PATH}`],
  accounts: {
    [SILVER]: {
      claims: {
        name: "Maria Quitéria de Jesus",
        email: "Maria.Quiteria@example.org",
        email_verified: true,
        phone_number: "11987654321",
        phone_number_verified: true,
        picture: "https://sso.acesso.gov.br/userinfo/picture",
      },
      levels: ["1", "2"],
    },
    [BRONZE]: {
      claims: { name: "Bento Teixeira", email: "bento@example.org", email_verified: false },
      levels: ["1"],
    },
    [GOLD]: {
      claims: { name: "Gema Ouro", social_name: "Gema", email: "gema@example.org", email_verified: true },
      levels: ["3", "1", "2"],
    },
  },
});
after(() => govbr.close());
const city = await startLocalProvider({
  flavour: "city",
  redirectUris: [`${PUBLIC_URL}${CALLBACK_PATHS.city}`],
  accounts: {
    "chefe@prefeitura.example": { claims: { email: "chefe@prefeitura.example", email_verified: true } },
    "ex@prefeitura.example": { claims: { email: "ex@prefeitura.example", email_verified: true } },
    "fora@prefeitura.example": { claims: { email: "fora@prefeitura.example", email_verified: true } },
    "semverificar@prefeitura.example": {
      claims: { email: "semverificar@prefeitura.example", email_verified: false },
    },
  },
});
after(() => city.close());

const SIGN_IN: SignInSettings = {
  govbr: {
    issuer: govbr.issuer,
    clientId: govbr.clientId,
    clientSecret: govbr.clientSecret,
    confidenceApi: govbr.confidenceApi,
  },
  city: { issuer: city.issuer, clientId: city.clientId, clientSecret: city.clientSecret },
};
const { app, ctx } = await testApp({ publicUrl: PUBLIC_URL, signIn: SIGN_IN });
const { db } = ctx;
const service = await findPlainService(db);

const count = async (table: string) =>
  (await one<{ n: number }>(db, `SELECT count(*)::int AS n FROM ${table}`)).n;

function setCookie(res: { headers: Record<string, unknown> }, name: string): string | undefined {
  const lines = [res.headers["set-cookie"] ?? []].flat() as string[];
  return lines.find((l) => l.startsWith(`${name}=`));
}
const cookieValue = (line: string | undefined) => line?.split(";")[0]?.split("=").slice(1).join("=");

/** Starts a flow at the app: the provider's authorization URL and the state the browser keeps in its cookie. */
async function start(path: string): Promise<{ authorize: URL; state: string }> {
  const res = await app.inject({ url: path });
  assert.equal(res.statusCode, 303, res.body);
  const state = cookieValue(setCookie(res, FLOW_COOKIE));
  assert.ok(state);
  return { authorize: new URL(String(res.headers.location)), state };
}

/** Calls the app's callback at the URL the provider sent the person to, with the browser's flow cookie. */
const callback = (url: URL, state: string | undefined) =>
  app.inject({
    url: `${url.pathname}${url.search}`,
    ...(state ? { cookies: { [FLOW_COOKIE]: state } } : {}),
  });

/**
 * A whole gov.br sign-in of `cpf`: the callback's answer and the session cookie it set. `jar` is the browser's
 * cookies at gov.br (its session), a fresh browser's unless given.
 */
async function govbrSignIn(cpf: string, lang = "pt-BR", jar: CookieJar = new Map()) {
  const { authorize, state } = await start(`/api/v1/citizen/govbr/start?lang=${lang}`);
  const back = await signInAt(govbr, authorize.href, cpf, "authorize", jar);
  const res = await callback(back, state);
  return { res, back, state, session: cookieValue(setCookie(res, "responsiva_citizen")) };
}

// Staff of the city provider's tests: an active account and a disabled one.
for (const [email, active] of [
  ["chefe@prefeitura.example", true],
  ["ex@prefeitura.example", false],
] as const) {
  await db.query(
    `INSERT INTO staff_users (email, name, password_hash, role, active) VALUES ($1, 'Chefe', 'not-a-hash', 'admin', $2)`,
    [email, active],
  );
}

const mine = (session: string) =>
  app.inject({ url: "/api/v1/citizen/demands", cookies: { responsiva_citizen: session } });

describe("gov.br sign-in", () => {
  it("sends the citizen to gov.br with PKCE S256, state, nonce and gov.br's scopes", async () => {
    const res = await app.inject({ url: "/api/v1/citizen/govbr/start?lang=en" });
    assert.equal(res.statusCode, 303);
    const url = new URL(String(res.headers.location));
    assert.equal(url.origin, govbr.issuer);
    const q = url.searchParams;
    assert.equal(q.get("response_type"), "code");
    assert.equal(q.get("client_id"), govbr.clientId);
    assert.equal(q.get("scope"), GOVBR_SCOPE);
    assert.equal(q.get("scope"), "openid email profile govbr_confiabilidades");
    assert.equal(q.get("redirect_uri"), `${PUBLIC_URL}/api/v1/citizen/govbr/callback`);
    assert.equal(q.get("code_challenge_method"), "S256");
    assert.match(q.get("code_challenge") ?? "", /^[\w-]{43}$/);
    assert.ok((q.get("nonce") ?? "").length >= 32);
    const cookie = setCookie(res, FLOW_COOKIE) ?? "";
    assert.equal(cookieValue(cookie), q.get("state"));
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /Path=\/api\/v1\//);
    assert.match(cookie, /Max-Age=600/);
    assert.match(cookie, /SameSite=Lax/i);
    // Kept server-side by its hash only, in the language the citizen started in.
    const flow = await one<{ locale: string; provider: string; minutes: number }>(
      db,
      `SELECT locale, provider, round(extract(epoch FROM expires_at - created_at) / 60)::int AS minutes
         FROM sign_in_flows WHERE state_hash = $1`,
      [hashToken(q.get("state")!)],
    );
    assert.deepEqual(flow, { locale: "en", provider: "govbr", minutes: 10 });
  });

  it("opens a 30-day session with the CPF, the silver level and amr, and proves the verified contacts", async () => {
    const sessions = await count("citizen_sessions");
    const { res, session } = await govbrSignIn(SILVER);
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, "/minhas-solicitacoes?lang=pt-BR");
    assert.ok(session);
    const line = setCookie(res, "responsiva_citizen")!;
    assert.match(line, /HttpOnly/i);
    assert.match(line, /Max-Age=2592000/);
    assert.match(setCookie(res, FLOW_COOKIE) ?? "", /Max-Age=0/);
    assert.equal(await count("citizen_sessions"), sessions + 1);
    const row = await one<{
      citizen_id: number;
      provider: string;
      confidence: string;
      amr: string[];
      days: number;
      document: string;
      name: string;
    }>(
      db,
      `SELECT s.citizen_id, s.provider, s.confidence, s.amr, z.document, z.name,
              round(extract(epoch FROM s.expires_at - s.created_at) / 86400)::int AS days
         FROM citizen_sessions s JOIN citizens z ON z.id = s.citizen_id WHERE s.token_hash = $1`,
      [hashToken(session!)],
    );
    assert.deepEqual(
      { ...row, citizen_id: 0 },
      {
        citizen_id: 0,
        provider: "govbr",
        confidence: "silver",
        amr: ["passwd"],
        days: 30,
        document: SILVER,
        name: "Maria Quitéria de Jesus",
      },
    );
    // The levels were asked of gov.br's API for this CPF, as its guide says.
    assert.ok(govbr.levelRequests.includes(`/confiabilidades/v3/contas/${SILVER}/niveis?response-type=ids`));
    const contacts = await db.query<{ channel: string; value: string; verified_by: string | null }>(
      "SELECT channel, value, verified_by FROM citizen_contacts WHERE citizen_id = $1 ORDER BY channel",
      [row.citizen_id],
    );
    assert.deepEqual(contacts, [
      { channel: "email", value: "maria.quiteria@example.org", verified_by: "govbr" },
      { channel: "phone", value: "5511987654321", verified_by: "govbr" },
    ]);
    const view = await mine(session!);
    assert.equal(view.statusCode, 200);
    assert.equal(view.json().signedInWith, "govbr");
    assert.equal(view.json().confidence, "silver");
    assert.equal(view.json().email, "maria.quiteria@example.org");
    assert.equal(view.json().cpfLink, null);
    // A second sign-in finds the same record by the gov.br identity.
    const again = await govbrSignIn(SILVER, "es");
    assert.equal(again.res.headers.location, "/minhas-solicitacoes?lang=es");
    const second = await one<{ citizen_id: number }>(
      db,
      "SELECT citizen_id FROM citizen_sessions WHERE token_hash = $1",
      [hashToken(again.session!)],
    );
    assert.equal(second.citizen_id, row.citizen_id);
  });

  it("refuses a callback whose state is not the one the browser holds, and writes nothing", async () => {
    const { authorize, state } = await start("/api/v1/citizen/govbr/start?lang=pt-BR");
    const back = await signInAt(govbr, authorize.href, GOLD);
    const before = [await count("citizen_sessions"), await count("citizens")];
    for (const cookie of [undefined, "another-browsers-state"]) {
      const res = await callback(back, cookie);
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, "/minhas-solicitacoes?lang=pt-BR&sign_in_error=state_invalid");
      assert.equal(setCookie(res, "responsiva_citizen"), undefined);
    }
    const forged = new URL(back);
    forged.searchParams.set("state", "forged-state");
    const res = await callback(forged, "forged-state");
    assert.equal(res.headers.location, "/minhas-solicitacoes?lang=pt-BR&sign_in_error=state_invalid");
    assert.deepEqual([await count("citizen_sessions"), await count("citizens")], before);
    // The browser that started the flow still finishes it.
    const own = await callback(back, state);
    assert.equal(own.headers.location, "/minhas-solicitacoes?lang=pt-BR");
    assert.ok(setCookie(own, "responsiva_citizen"));
  });

  it("refuses a replayed callback: a flow finishes once", async () => {
    const { res, back, state } = await govbrSignIn(GOLD);
    assert.equal(res.headers.location, "/minhas-solicitacoes?lang=pt-BR");
    const sessions = await count("citizen_sessions");
    const replay = await callback(back, state);
    assert.equal(replay.headers.location, "/minhas-solicitacoes?lang=pt-BR&sign_in_error=state_invalid");
    assert.equal(setCookie(replay, "responsiva_citizen"), undefined);
    assert.equal(await count("citizen_sessions"), sessions);
  });

  it("lands on the portal in the citizen's language when they cancel at gov.br", async () => {
    const { authorize, state } = await start("/api/v1/citizen/govbr/start?lang=es");
    const back = await signInAt(govbr, authorize.href, SILVER, "cancel");
    assert.equal(back.searchParams.get("error"), "access_denied");
    const res = await callback(back, state);
    assert.equal(res.headers.location, "/minhas-solicitacoes?lang=es&sign_in_error=access_denied");
    assert.equal(setCookie(res, "responsiva_citizen"), undefined);
  });

  it("fails politely when the code is refused at the token endpoint", async () => {
    const { authorize, state } = await start("/api/v1/citizen/govbr/start?lang=pt-BR");
    const back = await signInAt(govbr, authorize.href, SILVER);
    back.searchParams.set("code", "not-a-code-gov-br-issued");
    const before = await count("citizen_sessions");
    const res = await callback(back, state);
    assert.equal(res.headers.location, "/minhas-solicitacoes?lang=pt-BR&sign_in_error=token_failed");
    assert.equal(await count("citizen_sessions"), before);
  });

  it("says gov.br cannot be reached when its issuer is down, and starts no flow", async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, "127.0.0.1", resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((resolve) => dead.close(resolve));
    const saved = ctx.config.signIn;
    ctx.config.signIn = { ...saved, govbr: { ...saved.govbr!, issuer: `http://127.0.0.1:${port}` } };
    try {
      const flows = await count("sign_in_flows");
      const res = await app.inject({ url: "/api/v1/citizen/govbr/start?lang=en" });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, "/minhas-solicitacoes?lang=en&sign_in_error=unavailable");
      assert.equal(await count("sign_in_flows"), flows);
    } finally {
      ctx.config.signIn = saved;
    }
  });

  it("opens the session with the level unknown when the levels API is down; bronze contacts unverified stay out", async () => {
    govbr.levelsDown = true;
    const down = await govbrSignIn(SILVER).finally(() => {
      govbr.levelsDown = false;
    });
    assert.equal((await mine(down.session!)).json().confidence, null);
    const bronze = await govbrSignIn(BRONZE);
    const view = (await mine(bronze.session!)).json();
    assert.equal(view.confidence, "bronze");
    assert.equal(view.email, "");
    const held = await one<{ n: number }>(
      db,
      "SELECT count(*)::int AS n FROM citizen_contacts WHERE value = 'bento@example.org'",
    );
    assert.equal(held.n, 0);
  });
});

describe("the CPF's earlier demands", () => {
  it("are shown only after the gov.br citizen confirms them, and only for the CPF gov.br vouched for", async () => {
    const filed = async (email: string, document: string) =>
      fileDemand({ app, ctx }, { service, email, document, name: "Gema O." });
    const first = await filed("gema.antiga@example.org", "390.533.447-05");
    const second = await filed("outro.endereco@example.org", "39053344705");
    const otherCpf = await filed("gema.antiga@example.org", "529.982.247-25");
    // A record that someone proved an address on, though it names the same CPF: theirs, not offered.
    const proven = await filed("alguem@example.org", "39053344705");
    await db.query(
      "UPDATE citizen_contacts SET verified_at = now(), verified_by = 'email_code' WHERE citizen_id = $1",
      [proven.citizen_id],
    );
    // That person, signed in by a code, holds the CPF typed but not vouched for: no offer, and no link.
    const codeToken = "code-session-token-for-the-test";
    await db.query(
      `INSERT INTO citizen_sessions (token_hash, citizen_id, expires_at) VALUES ($1, $2, now() + interval '1 day')`,
      [hashToken(codeToken), proven.citizen_id],
    );
    const byCode = (await mine(codeToken)).json();
    assert.equal(byCode.signedInWith, "code");
    assert.equal(byCode.cpfLink, null);
    const refused = await app.inject({
      method: "POST",
      url: "/api/v1/citizen/govbr/cpf-link",
      cookies: { responsiva_citizen: codeToken },
    });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().code, "cpf_not_from_govbr");
    assert.match(String(refused.headers["content-type"]), /application\/problem\+json/);

    const { session } = await govbrSignIn(GOLD);
    const before = (await mine(session!)).json();
    const protocols = (view: { demands: { protocol: string }[] }) =>
      view.demands.map((d) => d.protocol).sort();
    // Not linked silently: offered, counted, and absent from the list.
    assert.deepEqual(before.cpfLink, { demands: 2, allowed: true });
    assert.deepEqual(protocols(before), []);
    const hidden = await app.inject({
      url: `/api/v1/demands/${first.protocol}`,
      cookies: { responsiva_citizen: session! },
    });
    assert.equal(hidden.json().description, undefined);

    const linked = await app.inject({
      method: "POST",
      url: "/api/v1/citizen/govbr/cpf-link",
      cookies: { responsiva_citizen: session! },
    });
    assert.equal(linked.statusCode, 200, linked.body);
    assert.deepEqual(linked.json(), { linked: 2 });
    const after = (await mine(session!)).json();
    assert.deepEqual(protocols(after), [first.protocol, second.protocol].sort());
    assert.equal(after.cpfLink, null);
    assert.ok(!protocols(after).includes(otherCpf.protocol) && !protocols(after).includes(proven.protocol));
    // Now the citizen's own: the full view opens without the secret.
    const full = await app.inject({
      url: `/api/v1/demands/${first.protocol}`,
      cookies: { responsiva_citizen: session! },
    });
    assert.ok(full.json().description);
    // The demands stay on the records they were filed on, and each has an internal event saying it was linked.
    const events = await db.query<{ demand_id: number; visibility: string; via: string }>(
      `SELECT demand_id, visibility, data->>'via' AS via FROM demand_events
        WHERE type = 'citizen.linked' ORDER BY demand_id`,
    );
    assert.deepEqual(
      events,
      [first.id, second.id]
        .sort((a, b) => a - b)
        .map((id) => ({ demand_id: id, visibility: "internal", via: "govbr_cpf" })),
    );
    const owners = await db.query<{ citizen_id: number }>(
      "SELECT citizen_id FROM demands WHERE id = ANY($1::bigint[]) ORDER BY id",
      [[first.id, second.id]],
    );
    assert.deepEqual(
      owners.map((o) => o.citizen_id),
      [first, second].sort((a, b) => a.id - b.id).map((d) => d.citizen_id),
    );
    // A second confirmation links nothing more.
    const twice = await app.inject({
      method: "POST",
      url: "/api/v1/citizen/govbr/cpf-link",
      cookies: { responsiva_citizen: session! },
    });
    assert.deepEqual(twice.json(), { linked: 0 });
    const { citizen_id: gema } = await one<{ citizen_id: number }>(
      db,
      "SELECT citizen_id FROM citizen_sessions WHERE token_hash = $1",
      [hashToken(session!)],
    );
    const { authorization } = await staffHeaders(db, "ombudsman");
    // The LGPD export of the gov.br record names its gov.br identity and the records it confirmed as its own.
    const exported = await app.inject({ url: `/api/v1/citizens/${gema}/export`, headers: { authorization } });
    assert.equal(exported.statusCode, 200, exported.body);
    const data = exported.json();
    assert.equal(data.identities.length, 1);
    const [identity] = data.identities;
    assert.equal(identity.provider, "govbr");
    assert.equal(identity.subject, GOLD);
    assert.ok(Date.parse(identity.createdAt) <= Date.parse(identity.lastSignInAt));
    assert.deepEqual(
      data.linkedRecords.map((l: { recordId: number; via: string }) => [l.recordId, l.via]),
      [first.citizen_id!, second.citizen_id!].sort((a, b) => a - b).map((id) => [id, "govbr_cpf"]),
    );
    assert.ok(data.linkedRecords.every((l: { linkedAt: string }) => !Number.isNaN(Date.parse(l.linkedAt))));
    // An erasure of the gov.br record takes its identity (the CPF) and its links with it; a later sign-in starts anew.
    const erased = await app.inject({
      method: "POST",
      url: `/api/v1/citizens/${gema}/erasure`,
      headers: { authorization },
    });
    assert.equal(erased.statusCode, 200, erased.body);
    const left = await one<{ identities: number; links: number }>(
      db,
      `SELECT (SELECT count(*)::int FROM citizen_identities WHERE citizen_id = $1) AS identities,
              (SELECT count(*)::int FROM citizen_record_links WHERE citizen_id = $1) AS links`,
      [gema],
    );
    assert.deepEqual(left, { identities: 0, links: 0 });
    const anew = await govbrSignIn(GOLD);
    const fresh = (await mine(anew.session!)).json();
    assert.deepEqual(fresh.cpfLink, { demands: 2, allowed: true });
  });

  it("asks a bronze account to raise its level instead of linking", async () => {
    await fileDemand({ app, ctx }, { service, email: "bento.antigo@example.org", document: BRONZE });
    const { session } = await govbrSignIn(BRONZE);
    assert.deepEqual((await mine(session!)).json().cpfLink, { demands: 1, allowed: false });
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/citizen/govbr/cpf-link",
      cookies: { responsiva_citizen: session! },
    });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, "govbr_level_too_low");
    assert.deepEqual((await mine(session!)).json().demands, []);
  });
});

describe("signing out", () => {
  const LANDING = `${PUBLIC_URL}${GOVBR_POST_LOGOUT_PATH}`;
  const signOut = (session?: string) =>
    app.inject({
      method: "POST",
      url: "/api/v1/citizen/sign-out",
      ...(session ? { cookies: { responsiva_citizen: session } } : {}),
    });
  const sessionRows = async (session: string) =>
    (
      await one<{ n: number }>(db, "SELECT count(*)::int AS n FROM citizen_sessions WHERE token_hash = $1", [
        hashToken(session),
      ])
    ).n;
  /** Where gov.br sends a browser holding `jar` that starts a new flow: straight back, or to its login page. */
  const reauthorize = async (jar: CookieJar) => {
    const { authorize } = await start("/api/v1/citizen/govbr/start?lang=pt-BR");
    const { location } = await visitAt(authorize.href, jar);
    assert.ok(location);
    return location;
  };

  it("ends a gov.br session here and sends the browser to gov.br's logout, which ends gov.br's and comes back", async () => {
    const jar: CookieJar = new Map();
    const { session } = await govbrSignIn(SILVER, "pt-BR", jar);
    assert.ok(session);
    // gov.br's session stands: a new flow comes straight back with a code, no login asked.
    const straight = await reauthorize(jar);
    assert.equal(`${straight.origin}${straight.pathname}`, `${PUBLIC_URL}${CALLBACK_PATHS.govbr}`);
    assert.ok(straight.searchParams.get("code"));

    const res = await signOut(session);
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers["cache-control"]), /no-store/);
    const logout = new URL(res.json().redirectTo);
    assert.deepEqual(res.json(), { signedOut: true, redirectTo: logout.href });
    assert.equal(`${logout.origin}${logout.pathname}`, `${govbr.issuer}/logout`);
    assert.deepEqual([...logout.searchParams], [["post_logout_redirect_uri", LANDING]]);
    // Our session is gone, whatever the browser does next.
    assert.match(setCookie(res, "responsiva_citizen") ?? "", /Max-Age=0/);
    assert.equal(await sessionRows(session), 0);
    assert.equal((await mine(session)).statusCode, 401);

    // At gov.br: its session ends and the browser lands on "my requests" …
    const back = await visitAt(logout.href, jar);
    assert.equal(back.status, 302);
    assert.equal(back.location?.href, LANDING);
    assert.equal(govbr.logouts.at(-1), LANDING);
    // … and a new flow asks for the login again.
    const again = await reauthorize(jar);
    assert.equal(again.origin, govbr.issuer);
    assert.match(again.pathname, /^\/interaction\//);
  });

  it("signs a code session out as before, with nowhere else to go", async () => {
    const { citizen_id } = await fileDemand({ app, ctx }, { service, email: "codigo@example.org" });
    const token = "code-session-signing-out";
    await db.query(
      `INSERT INTO citizen_sessions (token_hash, citizen_id, expires_at) VALUES ($1, $2, now() + interval '1 day')`,
      [hashToken(token), citizen_id],
    );
    assert.equal((await mine(token)).statusCode, 200);
    const logouts = govbr.logouts.length;
    const res = await signOut(token);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { signedOut: true, redirectTo: null });
    assert.match(setCookie(res, "responsiva_citizen") ?? "", /Max-Age=0/);
    assert.equal(await sessionRows(token), 0);
    assert.equal((await mine(token)).statusCode, 401);
    // Without a session, or with one already ended: the same answer.
    for (const again of [undefined, token])
      assert.deepEqual((await signOut(again)).json(), { signedOut: true, redirectTo: null });
    assert.equal(govbr.logouts.length, logouts);
  });

  it("has gov.br refuse a logout to an address the city did not register", async () => {
    const jar: CookieJar = new Map();
    await govbrSignIn(GOLD, "pt-BR", jar);
    for (const target of ["https://evil.example/", `${PUBLIC_URL}/outra-pagina`, null]) {
      const url = new URL(`${govbr.issuer}/logout`);
      if (target) url.searchParams.set("post_logout_redirect_uri", target);
      const res = await visitAt(url.href, jar);
      assert.equal(res.status, 400, String(target));
      assert.equal(res.location, null);
    }
    // Refused, its session stands.
    const straight = await reauthorize(jar);
    assert.equal(`${straight.origin}${straight.pathname}`, `${PUBLIC_URL}${CALLBACK_PATHS.govbr}`);
  });
});

describe("staff sign-in through the city's provider", () => {
  const staffSignIn = async (email: string, app_ = "admin") => {
    const { authorize, state } = await start(`/api/v1/auth/oidc/start?app=${app_}&lang=pt-BR`);
    assert.equal(authorize.origin, city.issuer);
    assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
    assert.equal(authorize.searchParams.get("scope"), "openid email profile");
    return callback(await signInAt(city, authorize.href, email), state);
  };

  it("signs in the active account the provider's verified e-mail names, with the password sign-in's session", async () => {
    const res = await staffSignIn("chefe@prefeitura.example");
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, "/admin?lang=pt-BR");
    const line = setCookie(res, "responsiva_session")!;
    assert.match(line, /HttpOnly/i);
    assert.match(line, /Max-Age=43200/);
    const me = await app.inject({
      url: "/api/v1/auth/me",
      cookies: { responsiva_session: cookieValue(line)! },
    });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().email, "chefe@prefeitura.example");
  });

  it("refuses an unknown, inactive or unverified e-mail and never creates an account", async () => {
    const accounts = await count("staff_users");
    const sessions = await count("staff_sessions");
    for (const email of [
      "fora@prefeitura.example",
      "ex@prefeitura.example",
      "semverificar@prefeitura.example",
    ]) {
      const res = await staffSignIn(email, "console");
      assert.equal(res.headers.location, "/console?lang=pt-BR&sign_in_error=unknown_staff", email);
      assert.equal(setCookie(res, "responsiva_session"), undefined);
    }
    assert.equal(await count("staff_users"), accounts);
    assert.equal(await count("staff_sessions"), sessions);
  });
});

describe("with no provider configured", () => {
  it("answers 404 problem+json on every sign-in route and the shells show no button", async () => {
    const shellBoot = async () => {
      const res = await app.inject({ url: "/minhas-solicitacoes" });
      const json = /<script type="application\/json" id="boot">(.*?)<\/script>/s.exec(res.body)?.[1];
      return JSON.parse(json ?? "{}").signIn;
    };
    const staffBoot = async () => {
      const res = await app.inject({ url: "/console" });
      return JSON.parse(/id="boot">(.*?)<\/script>/s.exec(res.body)?.[1] ?? "{}").signIn;
    };
    assert.deepEqual(await shellBoot(), { govbr: true, city: false });
    assert.deepEqual(await staffBoot(), { govbr: false, city: true });
    const saved = ctx.config.signIn;
    ctx.config.signIn = {};
    try {
      for (const url of [
        "/api/v1/citizen/govbr/start",
        "/api/v1/citizen/govbr/callback?code=x&state=y",
        "/api/v1/auth/oidc/start",
        "/api/v1/auth/oidc/callback?code=x&state=y",
      ]) {
        const res = await app.inject({ url });
        assert.equal(res.statusCode, 404, url);
        assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
        assert.equal(res.json().code, "not_found");
      }
      assert.deepEqual(await shellBoot(), { govbr: false, city: false });
      assert.deepEqual(await staffBoot(), { govbr: false, city: false });
    } finally {
      ctx.config.signIn = saved;
    }
  });
});
