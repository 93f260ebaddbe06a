import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { startFakeSmtp } from "../../channels/email/fake.ts";
import { startFakeTwilio } from "../../channels/twilio/fake.ts";
import { startFakeWhatsApp } from "../../channels/whatsapp/fake.ts";
import { drain, fileDemand as fileDemandAs } from "../../tests/factories.ts";
import { staffHeaders, testConfig, testDb } from "../../tests/helpers.ts";
import type { AppContext } from "../context.ts";
import { one } from "../db/index.ts";
import { buildApp } from "../http/app.ts";
import { PermanentError, runOnce } from "../jobs/runner.ts";
import { closeChannelsOf } from "../notifications/jobs.ts";
import { sendSignInCode } from "./jobs.ts";

const fake = await startFakeSmtp();
after(() => fake.close());
const twilio = await startFakeTwilio();
after(() => twilio.close());
const WHATSAPP = {
  appSecret: "meta-app-secret-for-tests",
  phoneNumberId: "1097316836",
  token: "EAAG-test-token",
};
// As Meta does: free text only within 24 hours of the citizen's last message; the city's approved template outside.
const whatsapp = await startFakeWhatsApp({ ...WHATSAPP, enforceWindow: true, templates: { codigo_156: 1 } });
after(() => whatsapp.close());
const db = await testDb();
const config = testConfig({
  smtpUrl: fake.url,
  messaging: {
    // SMS by Twilio, WhatsApp by the Cloud API: each on its loopback fake.
    twilio: {
      apiUrl: twilio.url,
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      smsFrom: "+5511999990156",
    },
    whatsapp: { apiUrl: whatsapp.url, verifyToken: "verify-me-please", ...WHATSAPP },
    whatsappTemplates: { "sign_in.code": { name: "codigo_156", variables: ["code"] } },
  },
});
const ctx: AppContext = { db, config };
const app = await buildApp(ctx);
after(() => app.close());
after(() => closeChannelsOf(config));

const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required ORDER BY code LIMIT 1`,
  )
).code;

/** Files a demand of Joana's with `email` as her contact; answers its protocol. */
const fileDemand = async (email: string): Promise<string> =>
  (
    await fileDemandAs(
      { app, ctx },
      { service, description: "Buraco grande na calçada", email, name: "Joana" },
    )
  ).protocol;

/** Asks for a code and runs the sending job; answers the code read from the e-mail the fake SMTP server got. */
async function codeFor(email: string, lang = "pt-BR"): Promise<string | undefined> {
  const before = fake.received.length;
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/citizen/sign-in",
    headers: { "accept-language": lang },
    payload: { email },
  });
  assert.equal(res.statusCode, 202);
  await runOnce(ctx, [sendSignInCode]);
  if (fake.received.length === before) return undefined;
  const mail = await fake.parse(fake.received.at(-1)!);
  assert.deepEqual(fake.received.at(-1)!.to, [email.toLowerCase()]);
  return mail.subject?.match(/\d{6}/)?.[0];
}

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const set = String(res.headers["set-cookie"]);
  return set.split(";")[0]!;
}

describe("citizen sign-in by a code sent by e-mail", () => {
  it("signs a citizen in and lists their demands; the full view and the rating need no secret then", async () => {
    const first = await fileDemand("joana@example.org");
    const second = await fileDemand("Joana@Example.org");
    const other = await fileDemand("outra@example.org");
    const code = await codeFor("JOANA@example.org");
    assert.match(code ?? "", /^\d{6}$/);

    const wrong = await app.inject({
      method: "POST",
      url: "/api/v1/citizen/verify",
      payload: { email: "joana@example.org", code: code === "000000" ? "111111" : "000000" },
    });
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().code, "sign_in_code_invalid");

    const ok = await app.inject({
      method: "POST",
      url: "/api/v1/citizen/verify",
      payload: { email: "joana@example.org", code },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    const cookie = cookieOf(ok);
    assert.match(String(ok.headers["set-cookie"]), /HttpOnly; SameSite=Lax/);

    const mine = await app.inject({ method: "GET", url: "/api/v1/citizen/demands", headers: { cookie } });
    assert.equal(mine.statusCode, 200);
    assert.equal(mine.headers["cache-control"], "private, no-store");
    const protocols = mine.json().demands.map((d: { protocol: string }) => d.protocol);
    assert.deepEqual(protocols.sort(), [first, second].sort());
    assert.equal(mine.json().email, "joana@example.org");

    // Her own demand in full without the secret; someone else's stays public.
    const full = await app.inject({ method: "GET", url: `/api/v1/demands/${first}`, headers: { cookie } });
    assert.equal(full.json().description, "Buraco grande na calçada");
    const foreign = await app.inject({ method: "GET", url: `/api/v1/demands/${other}`, headers: { cookie } });
    assert.equal(foreign.json().view, "public");
    assert.equal(foreign.json().description, undefined);

    // A code works once.
    const again = await app.inject({
      method: "POST",
      url: "/api/v1/citizen/verify",
      payload: { email: "joana@example.org", code },
    });
    assert.equal(again.statusCode, 400);

    // Signing out ends the session.
    const out = await app.inject({ method: "POST", url: "/api/v1/citizen/sign-out", headers: { cookie } });
    assert.equal(out.statusCode, 200);
    // A code session has no provider's session to end: nowhere else to go.
    assert.deepEqual(out.json(), { signedOut: true, redirectTo: null });
    const gone = await app.inject({ method: "GET", url: "/api/v1/citizen/demands", headers: { cookie } });
    assert.equal(gone.statusCode, 401);
    assert.equal(gone.json().code, "citizen_not_signed_in");
  });

  it("answers the same for an unknown address and sends nothing", async () => {
    assert.equal(await codeFor("ninguem@example.org"), undefined);
    const rows = await db.query("SELECT 1 FROM citizen_sign_in_codes WHERE address = 'ninguem@example.org'");
    assert.equal(rows.length, 0);
  });

  it("sends the code in the asker's language", async () => {
    await fileDemand("lang@example.org");
    const before = fake.received.length;
    await codeFor("lang@example.org", "es");
    const mail = await fake.parse(fake.received[before]!);
    assert.match(mail.subject ?? "", /^Su código de acceso: \d{6}$/);
    assert.match(mail.text ?? "", /Vale por 15 minutos/);
  });

  it("locks a code after five wrong tries and limits codes to five an hour", async () => {
    await fileDemand("tries@example.org");
    const code = (await codeFor("tries@example.org"))!;
    const wrongCode = code === "123456" ? "654321" : "123456";
    for (let i = 0; i < 5; i++) {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/citizen/verify",
        payload: { email: "tries@example.org", code: wrongCode },
      });
      assert.equal(res.statusCode, 400);
    }
    const right = await app.inject({
      method: "POST",
      url: "/api/v1/citizen/verify",
      payload: { email: "tries@example.org", code },
    });
    assert.equal(right.statusCode, 400, "the right code no longer opens after five wrong ones");
    for (let i = 0; i < 6; i++) await codeFor("tries@example.org");
    const codes = await one<{ n: number }>(
      db,
      "SELECT count(*)::int AS n FROM citizen_sign_in_codes WHERE address = 'tries@example.org'",
    );
    assert.equal(codes.n, 5);
  });

  it("refuses bad input with a problem and forgets sessions and codes when the citizen is erased", async () => {
    const bad = await app.inject({ method: "POST", url: "/api/v1/citizen/sign-in", payload: { email: "x" } });
    assert.equal(bad.statusCode, 400);
    assert.match(String(bad.headers["content-type"]), /problem\+json/);

    await fileDemand("erase@example.org");
    const code = await codeFor("erase@example.org");
    const ok = await app.inject({
      method: "POST",
      url: "/api/v1/citizen/verify",
      payload: { email: "erase@example.org", code },
    });
    const cookie = cookieOf(ok);
    const citizen = await one<{ citizen_id: number }>(
      db,
      "SELECT citizen_id FROM citizen_contacts WHERE value = 'erase@example.org' AND verified_at IS NOT NULL",
    );
    const { authorization } = await staffHeaders(db, "ombudsman");
    const erased = await app.inject({
      method: "POST",
      url: `/api/v1/citizens/${citizen.citizen_id}/erasure`,
      headers: { authorization },
    });
    assert.equal(erased.statusCode, 200, erased.body);
    const gone = await app.inject({ method: "GET", url: "/api/v1/citizen/demands", headers: { cookie } });
    assert.equal(gone.statusCode, 401);
    const left = await db.query(
      `SELECT 1 FROM citizen_sessions WHERE citizen_id = $1
       UNION ALL SELECT 1 FROM citizen_sign_in_codes WHERE citizen_id = $1`,
      [citizen.citizen_id],
    );
    assert.equal(left.length, 0);
  });
});

/** The latest code issued to `address`. */
const lastCode = (address: string) =>
  one<{ id: number; attempts: number }>(
    db,
    "SELECT id, attempts FROM citizen_sign_in_codes WHERE address = $1 ORDER BY id DESC LIMIT 1",
    [address],
  );

/** Files a demand of Carla's with only `phone` as her contact (as the portal's form sends it); answers its protocol. */
const fileByPhone = async (phone: string): Promise<string> =>
  (
    await fileDemandAs(
      { app, ctx },
      { service, description: "Poste apagado na esquina", phone, name: "Carla" },
    )
  ).protocol;

/** The texts the fakes got for the E.164 digits `number`, by SMS (Twilio) and by WhatsApp (Cloud API). */
const smsTo = (number: string) =>
  twilio.messages.filter((m) => m.to === `+${number}`).map((m) => m.body ?? "");
const whatsappTo = (number: string) =>
  whatsapp.messages
    .filter((m) => m.body.to === number)
    .map((m) => (m.body as { text?: { body: string } }).text?.body ?? "");
type TemplateBody = {
  template?: { name: string; components: { type: string; parameters: { text: string }[] }[] };
};
/** The templates the fake took for `number`: their names, body parameters and copy-code button parameters. */
const templatesTo = (number: string) =>
  whatsapp.messages
    .filter((m) => m.body.to === number && m.body.type === "template")
    .map((m) => {
      const t = (m.body as TemplateBody).template!;
      const of = (type: string) => t.components.find((c) => c.type === type)?.parameters.map((p) => p.text);
      return { name: t.name, body: of("body"), button: of("button") };
    });

/** Asks for a code at `phone` on `channel` and runs the outbox; answers the route's answer. */
async function askByPhone(phone: string, channel: "sms" | "whatsapp", lang = "pt-BR") {
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/citizen/sign-in",
    headers: { "accept-language": lang },
    payload: { phone, channel },
  });
  await drain(ctx, [sendSignInCode]);
  return res;
}

const verifyByPhone = (phone: string, channel: "sms" | "whatsapp", code: string) =>
  app.inject({ method: "POST", url: "/api/v1/citizen/verify", payload: { phone, channel, code } });

describe("citizen sign-in by a code sent by SMS or WhatsApp", () => {
  it("sends the code by SMS to a number a citizen gave, proves it, and lists their demands", async () => {
    const filed = await fileByPhone("(11) 98765-4321");
    const asked = await askByPhone("+55 11 98765-4321", "sms");
    assert.equal(asked.statusCode, 202);
    const texts = smsTo("5511987654321");
    assert.equal(texts.length, 1, "one SMS, to the number in E.164");
    const text = texts[0]!;
    assert.ok(text.length <= 160 && /^[\x20-\x7e]+$/.test(text), `one plain GSM part: ${text}`);
    const code = text.match(/\b\d{6}\b/)?.[0];
    assert.match(code ?? "", /^\d{6}$/);
    const sent = twilio.messages.find((m) => m.to === "+5511987654321")!;
    assert.equal(sent.idempotencyToken, `sign-in-code-${(await lastCode("5511987654321")).id}`);

    // A wrong code is counted against the code, and the right one still opens after it.
    const wrong = await verifyByPhone("11987654321", "sms", code === "000000" ? "111111" : "000000");
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().code, "sign_in_code_invalid");
    assert.equal((await lastCode("5511987654321")).attempts, 1);

    const ok = await verifyByPhone("(11) 98765-4321", "sms", code!);
    assert.equal(ok.statusCode, 200, ok.body);
    const cookie = cookieOf(ok);
    const mine = await app.inject({ method: "GET", url: "/api/v1/citizen/demands", headers: { cookie } });
    assert.equal(mine.statusCode, 200);
    assert.equal(mine.json().phone, "5511987654321");
    assert.equal(mine.json().email, "");
    assert.deepEqual(
      mine.json().demands.map((d: { protocol: string }) => d.protocol),
      [filed],
    );
    const proven = await db.query<{ channel: string; verified_by: string }>(
      "SELECT channel, verified_by FROM citizen_contacts WHERE value = '5511987654321' AND verified_at IS NOT NULL",
    );
    assert.deepEqual(proven, [{ channel: "sms", verified_by: "sms_code" }]);
  });

  it("answers the same for an unknown number and sends nothing", async () => {
    const known = await askByPhone("(11) 98765-4321", "sms");
    const before = twilio.messages.length + whatsapp.messages.length;
    const unknown = await askByPhone("(11) 91234-0000", "sms");
    const unknownWa = await askByPhone("(11) 91234-0000", "whatsapp");
    assert.equal(unknown.statusCode, known.statusCode);
    assert.equal(unknown.body, known.body);
    assert.equal(unknownWa.body, known.body);
    assert.equal(twilio.messages.length + whatsapp.messages.length, before);
    const rows = await db.query("SELECT 1 FROM citizen_sign_in_codes WHERE address = '5511912340000'");
    assert.equal(rows.length, 0);
  });

  it("sends the code by WhatsApp in the asker's language, and the number proven twice opens one record", async () => {
    const filed = await fileByPhone("+55 21 99876-5432");
    // Someone who never wrote to the city's number: the approved authentication template, the code in its body and
    // its copy-code button.
    await askByPhone("21998765432", "whatsapp", "es");
    const [sentTemplate] = templatesTo("5521998765432");
    assert.equal(sentTemplate?.name, "codigo_156");
    const code = sentTemplate!.body![0]!;
    assert.match(code, /^\d{6}$/);
    assert.deepEqual(sentTemplate!.button, [code]);
    // Someone who wrote within 24 hours: plain text in their language.
    await db.query(
      `INSERT INTO conversations (channel, address, state, last_inbound_at)
       VALUES ('whatsapp', '5521998765432', '{}'::jsonb, now())`,
    );
    await askByPhone("21998765432", "whatsapp", "es");
    const texts = whatsappTo("5521998765432").filter(Boolean);
    assert.equal(texts.length, 1);
    assert.match(texts[0]!, /codigo de acceso es \d{6}\. Vale por 15 minutos/);
    const ok = await verifyByPhone("+55 (21) 99876-5432", "whatsapp", texts[0]!.match(/\d{6}/)![0]);
    assert.equal(ok.statusCode, 200, ok.body);
    const mine = await app.inject({
      method: "GET",
      url: "/api/v1/citizen/demands",
      headers: { cookie: cookieOf(ok) },
    });
    assert.deepEqual(
      mine.json().demands.map((d: { protocol: string }) => d.protocol),
      [filed],
    );
    const first = await one<{ citizen_id: number; verified_by: string }>(
      db,
      `SELECT citizen_id, verified_by FROM citizen_contacts
        WHERE value = '5521998765432' AND channel = 'whatsapp' AND verified_at IS NOT NULL`,
    );
    assert.equal(first.verified_by, "whatsapp_code");

    // The same number proven again by SMS: the same record, now holding the number on both channels.
    await askByPhone("21998765432", "sms");
    const sms = smsTo("5521998765432").at(-1)!.match(/\d{6}/)![0];
    assert.equal((await verifyByPhone("21998765432", "sms", sms)).statusCode, 200);
    const holders = await db.query<{ citizen_id: number; channel: string }>(
      `SELECT citizen_id, channel FROM citizen_contacts
        WHERE value = '5521998765432' AND verified_at IS NOT NULL ORDER BY channel`,
    );
    assert.deepEqual(holders, [
      { citizen_id: first.citizen_id, channel: "sms" },
      { citizen_id: first.citizen_id, channel: "whatsapp" },
    ]);
  });

  it("locks a phone code after five wrong tries and shares the hourly limit across SMS and WhatsApp", async () => {
    await fileByPhone("(31) 98888-7777");
    await askByPhone("(31) 98888-7777", "sms");
    const code = smsTo("5531988887777").at(-1)!.match(/\d{6}/)![0];
    const wrongCode = code === "123456" ? "654321" : "123456";
    for (let i = 0; i < 5; i++)
      assert.equal((await verifyByPhone("(31) 98888-7777", "sms", wrongCode)).statusCode, 400);
    assert.equal((await lastCode("5531988887777")).attempts, 5);
    assert.equal((await verifyByPhone("(31) 98888-7777", "sms", code)).statusCode, 400);
    for (let i = 0; i < 3; i++) await askByPhone("(31) 98888-7777", "sms");
    for (let i = 0; i < 3; i++) await askByPhone("(31) 98888-7777", "whatsapp");
    const codes = await one<{ n: number }>(
      db,
      "SELECT count(*)::int AS n FROM citizen_sign_in_codes WHERE address = '5531988887777'",
    );
    assert.equal(codes.n, 5);
  });

  it("refuses a number that cannot be one, or an unknown channel, with a problem", async () => {
    for (const payload of [
      { phone: "12345", channel: "sms" },
      { phone: "(11) 98765-4321", channel: "telegram" },
      { phone: "(11) 98765-4321" },
    ]) {
      const bad = await app.inject({ method: "POST", url: "/api/v1/citizen/sign-in", payload });
      assert.equal(bad.statusCode, 400, JSON.stringify(payload));
      assert.match(String(bad.headers["content-type"]), /problem\+json/);
    }
  });

  it("fails for good when the code's channel has no adapter", async () => {
    await fileByPhone("(41) 97777-6666");
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/citizen/sign-in",
      payload: { phone: "(41) 97777-6666", channel: "whatsapp" },
    });
    assert.equal(res.statusCode, 202);
    const row = await lastCode("5541977776666");
    const bare = testConfig({ smtpUrl: fake.url });
    after(() => closeChannelsOf(bare));
    await assert.rejects(
      sendSignInCode.run({ db, config: bare }, { codeId: row.id, code: "123456", locale: "pt-BR" }),
      PermanentError,
    );
  });
});
