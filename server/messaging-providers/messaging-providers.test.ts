/**
 * Each tenant's own messaging providers (issue 16): Santos's admin sets its Twilio, Kannel, WhatsApp and SMTP
 * accounts; a Santos citizen's messages then go out through them (the loopback fakes of Twilio and SMTP, and a
 * stand-in for Kannel's sendsms interface) while the default tenant's still go through the environment's; Santos's
 * webhooks take only requests signed with Santos's secrets; no answer and no audit entry holds a secret; the
 * environment's providers stay read-only in the default tenant; another city's admin neither sees nor changes
 * Santos's accounts.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { startFakeSmtp } from "../../channels/email/fake.ts";
import { startFakeTwilio } from "../../channels/twilio/fake.ts";
import { drain } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { sendSignInCode } from "../citizen-access/jobs.ts";
import { closeChannelsOf } from "../notifications/jobs.ts";
import { createTenant } from "../tenants/commands.ts";
import { runAsTenant } from "../tenants/current.ts";

/** A stand-in for Kannel's smsbox: its sendsms GET, a 403 for a wrong login, "202 0: Accepted for delivery". */
async function startSendsms(username: string, password: string) {
  const sent: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const q = url.searchParams;
    if (url.pathname !== "/cgi-bin/sendsms") return void res.writeHead(404).end("Not found");
    if (q.get("username") !== username || q.get("password") !== password)
      return void res.writeHead(403, { "content-type": "text/html" }).end("Authorization failed for sendsms");
    sent.push(q);
    res.writeHead(202, { "content-type": "text/html" }).end("0: Accepted for delivery");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cgi-bin/sendsms`;
  return { url, sent, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const envTwilio = await startFakeTwilio();
const santosTwilio = await startFakeTwilio();
const envSmtp = await startFakeSmtp();
const santosSmtp = await startFakeSmtp();
const KANNEL = { username: "santos", password: "santos-sendsms-pw" };
const sendsms = await startSendsms(KANNEL.username, KANNEL.password);
after(() =>
  Promise.all([
    envTwilio.close(),
    santosTwilio.close(),
    envSmtp.close(),
    santosSmtp.close(),
    sendsms.close(),
  ]),
);

const ENV_SMS_FROM = "+5511999990156";
const SANTOS_SMS_FROM = "+5513999990156";
const ENV_VERIFY = "env-verify-token";
const { app, ctx } = await testApp({
  smtpUrl: envSmtp.url,
  mailFrom: "Responsiva <nao-responda@install.example>",
  twilioAuthToken: envTwilio.authToken,
  messaging: {
    // The API addresses a city's own accounts are called at (TWILIO_API_URL, WHATSAPP_API_URL): here Santos's fake;
    // the install's own account below names the other.
    apiUrls: { twilio: santosTwilio.url, whatsapp: "http://127.0.0.1:9" },
    twilio: {
      apiUrl: envTwilio.url,
      accountSid: envTwilio.accountSid,
      authToken: envTwilio.authToken,
      smsFrom: ENV_SMS_FROM,
    },
    whatsapp: {
      apiUrl: "http://127.0.0.1:9",
      token: "env-whatsapp-token",
      phoneNumberId: "1234567",
      appSecret: "env-whatsapp-secret",
      verifyToken: ENV_VERIFY,
    },
  },
});
after(() => closeChannelsOf(ctx.config));
const { db } = ctx;
// Twilio signs the URL it calls: the tenants' addresses are where this app listens.
const base = await app.listen({ port: 0, host: "127.0.0.1" });
ctx.config.publicUrl = base;

const santos = await createTenant(db, { slug: "mp-santos", name: "Santos" });
const campinas = await createTenant(db, { slug: "mp-campinas", name: "Campinas" });
const santosAdmin = await runAsTenant(santos, () => staffHeaders(db, "admin"));
const campinasAdmin = await runAsTenant(campinas, () => staffHeaders(db, "admin"));
const defaultAdmin = await staffHeaders(db, "admin");
const at = (path: string) => `/t/mp-santos${path}`;

const SANTOS = {
  twilio: {
    accountSid: santosTwilio.accountSid,
    authToken: santosTwilio.authToken,
    smsFrom: SANTOS_SMS_FROM,
  },
  kannel: {
    sendsmsUrl: sendsms.url,
    ...KANNEL,
    from: "156",
    webhookSecret: "santos-kannel-webhook-secret",
  },
  email: { smtpUrl: santosSmtp.url, mailFrom: "Prefeitura de Santos <156@santos.example>" },
  whatsapp: {
    phoneNumberId: "987654321",
    token: "santos-whatsapp-token",
    appSecret: "santos-whatsapp-secret",
    verifyToken: "santos-verify-token",
  },
};
/**
 * Every secret this file knows: none may appear in an answer or the audit log. (The fakes' SMTP URLs hold no
 * password, so they are shown as the relay's address; a password in one is not: see the last test.)
 */
const SECRETS = [
  envTwilio.authToken,
  santosTwilio.authToken,
  KANNEL.password,
  SANTOS.kannel.webhookSecret,
  SANTOS.whatsapp.token,
  SANTOS.whatsapp.appSecret,
  SANTOS.whatsapp.verifyToken,
  "env-whatsapp-token",
  "env-whatsapp-secret",
  ENV_VERIFY,
];
const assertNoSecret = (text: string) => {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `a secret is shown: ${secret}`);
  assert.ok(!text.includes("smtpUrl"), "an SMTP URL is shown");
};

const put = (url: string, headers: object, payload: object) =>
  app.inject({ method: "PUT", url, headers: headers as Record<string, string>, payload });

/** A citizen of the tenant under way with an e-mail and a phone; sign-in codes go to known addresses only. */
async function citizenWith(email: string, phone: string): Promise<void> {
  const [c] = await db.query<{ id: number }>("INSERT INTO citizens (name) VALUES ('Maria') RETURNING id");
  await db.query(
    "INSERT INTO citizen_contacts (citizen_id, channel, value) VALUES ($1, 'email', $2), ($1, 'phone', $3)",
    [c!.id, email, phone],
  );
}

/** Asks codes by e-mail and SMS at `prefix` and runs the job that sends them. */
async function askCodes(prefix: string, email: string, phone: string): Promise<void> {
  for (const payload of [{ email }, { phone: `+${phone}`, channel: "sms" }]) {
    const res = await app.inject({ method: "POST", url: `${prefix}/api/v1/citizen/sign-in`, payload });
    assert.equal(res.statusCode, 202, res.body);
  }
  await drain(ctx, [sendSignInCode]);
}

describe("a tenant's own messaging providers", () => {
  it("shows a city that set none the install's providers, without a secret", async () => {
    const res = await app.inject({ url: at("/api/v1/messaging-providers"), headers: santosAdmin });
    assert.equal(res.statusCode, 200, res.body);
    const view = res.json();
    assert.equal(view.twilio.source, "environment");
    assert.equal(view.twilio.readOnly, false, "Santos may set its own instead");
    assert.equal(view.twilio.settings.smsFrom, ENV_SMS_FROM);
    assert.equal(view.twilio.secretSet, true);
    assert.equal(view.twilio.webhookUrl, `${base}/t/mp-santos/webhooks/twilio/messaging`);
    assert.equal(view.kannel.source, "none");
    assert.equal(view.kannel.settings, null);
    assert.equal(view.email.source, "environment");
    assert.equal(view.email.settings.server, envSmtp.url);
    assertNoSecret(res.body);
  });

  it("refuses settings in the wrong format and a first set without its secrets (422)", async () => {
    const bad = await put(at("/api/v1/messaging-providers/twilio"), santosAdmin, {
      ...SANTOS.twilio,
      accountSid: "not-a-sid",
    });
    assert.equal(bad.statusCode, 422, bad.body);
    assert.match(String(bad.headers["content-type"]), /application\/problem\+json/);
    assert.equal(bad.json().code, "invalid_provider_settings");
    assert.deepEqual(
      bad.json().errors.map((e: { field: string }) => e.field),
      ["accountSid"],
    );
    const unknownField = await put(at("/api/v1/messaging-providers/email"), santosAdmin, {
      ...SANTOS.email,
      password: "x",
    });
    assert.equal(unknownField.statusCode, 422);
    // The address the server calls is the install's (TWILIO_API_URL): a city's admin cannot point it elsewhere.
    const elsewhere = await put(at("/api/v1/messaging-providers/twilio"), santosAdmin, {
      ...SANTOS.twilio,
      apiUrl: "http://169.254.169.254",
    });
    assert.equal(elsewhere.statusCode, 422, elsewhere.body);
    const { password: _, ...noPassword } = SANTOS.kannel;
    const first = await put(at("/api/v1/messaging-providers/kannel"), santosAdmin, noPassword);
    assert.equal(first.statusCode, 422, first.body);
    assert.equal(first.json().code, "secret_required");
    assert.equal(first.json().errors[0].field, "password");
    const { smsFrom: __, ...noSender } = SANTOS.twilio;
    const silent = await put(at("/api/v1/messaging-providers/twilio"), santosAdmin, noSender);
    assert.equal(silent.json().code, "sender_required");
    const [row] = await runAsTenant(santos, () =>
      db.query<{ n: number }>("SELECT count(*)::int AS n FROM messaging_providers"),
    );
    assert.equal(row!.n, 0, "nothing refused was stored");
  });

  it("keeps a city's accounts with their secrets, shows only that they are set, and audits no secret", async () => {
    for (const provider of ["twilio", "kannel", "email", "whatsapp"] as const) {
      const res = await put(at(`/api/v1/messaging-providers/${provider}`), santosAdmin, SANTOS[provider]);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json()[provider].source, "tenant");
      assert.equal(res.json()[provider].secretSet, true);
      assertNoSecret(res.body);
    }
    // A change without the secrets keeps them.
    const { password: _, webhookSecret: __, ...shown } = SANTOS.kannel;
    const again = await put(at("/api/v1/messaging-providers/kannel"), santosAdmin, { ...shown, maxParts: 3 });
    assert.equal(again.statusCode, 200, again.body);
    const view = (await app.inject({ url: at("/api/v1/messaging-providers"), headers: santosAdmin })).json();
    assert.deepEqual(view.kannel.settings, {
      sendsmsUrl: sendsms.url,
      username: KANNEL.username,
      from: "156",
      maxParts: 3,
      foldToGsm: false,
    });
    assert.equal(view.twilio.settings.accountSid, santosTwilio.accountSid);
    assert.equal(view.email.settings.mailFrom, SANTOS.email.mailFrom);
    assert.equal(view.email.settings.server, santosSmtp.url);
    assert.equal(view.telegram.source, "none");
    assertNoSecret(JSON.stringify(view));
    const audit = await runAsTenant(santos, () =>
      db.query<{ action: string; after: { secretsChanged: string[] } }>(
        "SELECT action, after FROM audit_log WHERE entity_type = 'messaging_provider' ORDER BY id",
      ),
    );
    assert.equal(audit.length, 5);
    assert.deepEqual(audit.at(-1)!.after.secretsChanged, []);
    // Which secrets changed is named ("smtpUrl"), never what they are.
    for (const secret of [...SECRETS, santosSmtp.url])
      assert.ok(!JSON.stringify(audit).includes(secret), secret);
  });

  it("checks Santos's webhooks with Santos's secrets, not the install's", async () => {
    const twilioHook = `${base}/t/mp-santos/webhooks/twilio/messaging`;
    const form = santosTwilio.forms.text("+5513988880000", SANTOS_SMS_FROM, "oi");
    const forged = await envTwilio.post(twilioHook, form);
    assert.equal(forged.status, 401, `signed with the install's auth token: ${forged.body}`);
    assert.equal((await santosTwilio.post(twilioHook, form)).status, 200);
    // The default tenant's webhook is still the environment's.
    const envForm = envTwilio.forms.text("+5511988880000", ENV_SMS_FROM, "oi");
    assert.equal((await santosTwilio.post(`${base}/webhooks/twilio/messaging`, envForm)).status, 401);
    assert.equal((await envTwilio.post(`${base}/webhooks/twilio/messaging`, envForm)).status, 200);

    const kannelHook = `${base}/t/mp-santos/webhooks/kannel/sms?id=k-1&from=5513988880001&to=156&text=oi&charset=UTF-8`;
    const basic = (secret: string) => ({
      authorization: `Basic ${Buffer.from(`kannel:${secret}`).toString("base64")}`,
    });
    assert.equal((await fetch(kannelHook, { headers: basic("not-santos-kannel-secret") })).status, 401);
    assert.equal((await fetch(kannelHook, { headers: basic(SANTOS.kannel.webhookSecret) })).status, 200);
    // The install configures no Kannel: the default tenant's webhook has no provider.
    assert.equal((await fetch(`${base}/webhooks/kannel/sms?id=k-2&from=1&to=156&text=oi`)).status, 503);

    const handshake = (prefix: string, token: string) =>
      fetch(
        `${base}${prefix}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=42`,
      );
    assert.equal((await handshake("/t/mp-santos", ENV_VERIFY)).status, 403);
    const ok = await handshake("/t/mp-santos", SANTOS.whatsapp.verifyToken);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), "42");
    assert.equal((await handshake("", ENV_VERIFY)).status, 200);
    assert.equal((await handshake("", SANTOS.whatsapp.verifyToken)).status, 403);
  });

  it("sends a Santos citizen's messages through Santos's accounts, the default tenant's through the install's", async () => {
    const santosPhone = "5513988887777";
    const defaultPhone = "5511988887777";
    await runAsTenant(santos, () => citizenWith("maria@santos.example", santosPhone));
    await citizenWith("maria@install.example", defaultPhone);
    await runAsTenant(santos, () => askCodes("/t/mp-santos", "maria@santos.example", santosPhone));
    await askCodes("", "maria@install.example", defaultPhone);

    // SMS: Santos's Kannel (preferred to Twilio for SMS), its sender, reports to Santos's address.
    const sms = sendsms.sent.filter((q) => q.get("to") === santosPhone);
    assert.equal(sms.length, 1);
    assert.equal(sms[0]!.get("from"), "156");
    assert.ok(sms[0]!.get("dlr-url")!.startsWith(`${base}/t/mp-santos/webhooks/kannel/dlr?`));
    assert.equal(envTwilio.messages.filter((m) => m.to === `+${santosPhone}`).length, 0);
    // E-mail: Santos's relay and From.
    await santosSmtp.waitFor(1);
    const mail = await santosSmtp.parse(santosSmtp.received[0]!);
    assert.deepEqual(santosSmtp.received[0]!.to, ["maria@santos.example"]);
    assert.match(mail.from?.text ?? "", /156@santos\.example/);
    assert.ok(!envSmtp.received.some((m) => m.to.includes("maria@santos.example")));

    // The default tenant: the environment's Twilio and relay, as a single-city install.
    const envSms = envTwilio.messages.filter((m) => m.to === `+${defaultPhone}`);
    assert.equal(envSms.length, 1);
    assert.equal(envSms[0]!.from, ENV_SMS_FROM);
    assert.ok(envSmtp.received.some((m) => m.to.includes("maria@install.example")));
    assert.equal(santosTwilio.messages.length, 0);
    assert.equal(sendsms.sent.filter((q) => q.get("to") === defaultPhone).length, 0);

    // Without its Kannel, Santos's SMS go by its own Twilio account, at once in this process.
    const off = await app.inject({
      method: "DELETE",
      url: at("/api/v1/messaging-providers/kannel"),
      headers: santosAdmin,
    });
    assert.equal(off.statusCode, 200, off.body);
    assert.equal(off.json().kannel.source, "none");
    await runAsTenant(santos, async () => {
      const res = await app.inject({
        method: "POST",
        url: at("/api/v1/citizen/sign-in"),
        payload: { phone: `+${santosPhone}`, channel: "sms" },
      });
      assert.equal(res.statusCode, 202);
    });
    await drain(ctx, [sendSignInCode]);
    const viaTwilio = santosTwilio.messages.filter((m) => m.to === `+${santosPhone}`);
    assert.equal(viaTwilio.length, 1);
    assert.equal(viaTwilio[0]!.from, SANTOS_SMS_FROM);
    assert.equal(viaTwilio[0]!.statusCallback, `${base}/t/mp-santos/webhooks/twilio/messaging`);
    assert.equal(envTwilio.messages.filter((m) => m.to === `+${santosPhone}`).length, 0);
  });

  it("leaves the environment's providers read-only in the default tenant (409)", async () => {
    const view = (await app.inject({ url: "/api/v1/messaging-providers", headers: defaultAdmin })).json();
    assert.equal(view.twilio.source, "environment");
    assert.equal(view.twilio.readOnly, true);
    assert.equal(view.twilio.settings.accountSid, envTwilio.accountSid);
    const refused = await put("/api/v1/messaging-providers/twilio", defaultAdmin, SANTOS.twilio);
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(refused.json().code, "messaging_set_by_environment");
    const remove = await app.inject({
      method: "DELETE",
      url: "/api/v1/messaging-providers/email",
      headers: defaultAdmin,
    });
    assert.equal(remove.statusCode, 409);
    const [row] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM messaging_providers");
    assert.equal(row!.n, 0);
  });

  it("shows another city's admin only that city's providers, and lets them change none of Santos's", async () => {
    const res = await app.inject({
      url: "/t/mp-campinas/api/v1/messaging-providers",
      headers: campinasAdmin,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().twilio.settings.accountSid, envTwilio.accountSid, "the install's, not Santos's");
    assert.equal(res.json().whatsapp.settings.phoneNumberId, "1234567");
    assert.ok(!res.body.includes(santosTwilio.accountSid) && !res.body.includes(SANTOS.email.mailFrom));
    const gone = await app.inject({
      method: "DELETE",
      url: "/t/mp-campinas/api/v1/messaging-providers/email",
      headers: campinasAdmin,
    });
    assert.equal(gone.statusCode, 404);
    // A relay's user and password stay out of the answer: only its address is shown.
    const relay = await put("/t/mp-campinas/api/v1/messaging-providers/email", campinasAdmin, {
      smtpUrl: "smtps://campinas:relay-password-9@smtp.campinas.example:465",
      mailFrom: "Campinas <156@campinas.example>",
    });
    assert.equal(relay.statusCode, 200, relay.body);
    assert.equal(relay.json().email.settings.server, "smtps://smtp.campinas.example:465");
    assert.ok(!relay.body.includes("relay-password-9") && !relay.body.includes("campinas:"));
    const removed = await app.inject({
      method: "DELETE",
      url: "/t/mp-campinas/api/v1/messaging-providers/email",
      headers: campinasAdmin,
    });
    assert.equal(removed.json().email.source, "environment");
    // Campinas's session opens nothing of Santos's.
    for (const method of ["GET", "DELETE"] as const) {
      const url = at(`/api/v1/messaging-providers${method === "DELETE" ? "/email" : ""}`);
      assert.equal((await app.inject({ method, url, headers: campinasAdmin })).statusCode, 401);
    }
    const rows = await runAsTenant(santos, () =>
      db.query<{ provider: string }>("SELECT provider FROM messaging_providers ORDER BY provider"),
    );
    assert.deepEqual(
      rows.map((r) => r.provider),
      ["email", "twilio", "whatsapp"],
    );
    const [seen] = await runAsTenant(campinas, () =>
      db.query<{ n: number }>("SELECT count(*)::int AS n FROM messaging_providers"),
    );
    assert.equal(seen!.n, 0, "row-level security hides Santos's rows");
  });
});
