import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { startFakeSmtp } from "../../channels/email/fake.ts";
import { staffHeaders, testConfig, testDb } from "../../tests/helpers.ts";
import type { AppContext } from "../context.ts";
import { one } from "../db/index.ts";
import { buildApp } from "../http/app.ts";
import { runOnce } from "../jobs/runner.ts";
import { closeChannelsOf, sendMessage } from "../notifications/jobs.ts";
import { TEMPLATES } from "../notifications/schemas.ts";
import { pickOverride } from "../notifications/templates.ts";

const fake = await startFakeSmtp();
after(() => fake.close());
const db = await testDb();
const config = testConfig({ smtpUrl: fake.url, publicUrl: "https://156.cidade.example" });
const ctx: AppContext = { db, config };
const app = await buildApp(ctx);
after(() => app.close());
after(() => closeChannelsOf(config));

const admin = await staffHeaders(db, "admin");
const headers = { authorization: admin.authorization };
const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required ORDER BY code LIMIT 1`,
  )
).code;

/** Files a demand with an e-mail contact through the API and sends its receipt; returns the mail's subject and text. */
async function receiptOf(email: string, locale = "pt-BR") {
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/demands",
    payload: {
      service,
      description: "Buraco na calçada",
      location: { lat: -23.5503, lon: -46.634 },
      citizen: { name: "Maria", email, locale },
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  while ((await runOnce(ctx, [sendMessage])) > 0) {}
  const mail = fake.received.find((m) => m.to.includes(email));
  assert.ok(mail, `a mail to ${email}`);
  const parsed = await fake.parse(mail);
  return { protocol: res.json().protocol as string, subject: parsed.subject ?? "", text: parsed.text ?? "" };
}

const put = (path: string, payload: Record<string, unknown>, h = headers) =>
  app.inject({ method: "PUT", url: `/api/v1/message-templates/${path}`, headers: h, payload });

describe("message templates", () => {
  it("lists every template in every language with its default, placeholders and overrides", async () => {
    const res = await app.inject({ url: "/api/v1/message-templates", headers });
    assert.equal(res.statusCode, 200, res.body);
    const list = res.json();
    assert.deepEqual(list.channels, ["*", "email", "whatsapp", "telegram", "sms"]);
    assert.equal(list.templates.length, TEMPLATES.length * 3);
    const received = list.templates.find(
      (t: { template: string; locale: string }) => t.template === "demand.received" && t.locale === "pt-BR",
    );
    assert.match(received.default.subject, /\{protocol\}/);
    // The receipt says what happens next: the deadline and the date it is due (issue 12).
    assert.deepEqual(received.placeholders.sort(), ["deadline", "dueDate", "protocol", "service"]);
    assert.deepEqual(received.overrides, []);
    const answered = list.templates.find(
      (t: { template: string; locale: string }) => t.template === "demand.answered" && t.locale === "en",
    );
    assert.deepEqual(answered.requiredPlaceholders, ["answer"]);
  });

  it("lets managers and admins edit templates, and nobody else", async () => {
    const manager = await staffHeaders(db, "manager");
    const ok = await app.inject({ url: "/api/v1/message-templates", headers: manager });
    assert.equal(ok.statusCode, 200);
    for (const role of ["agent", "supervisor", "focal_point"] as const) {
      const other = await staffHeaders(db, role);
      const res = await put("demand.closed/*/pt-BR", { subject: "x {protocol}", body: "y" }, other);
      assert.equal(res.statusCode, 403, role);
    }
  });

  it("refuses unknown placeholders, a dropped answer and an SMS body over 1,600 characters", async () => {
    const unknown = await put("demand.received/email/pt-BR", {
      subject: "Recebemos {protocol}",
      body: "Olá {citizenName}, sobre {service}: {answer}",
    });
    assert.equal(unknown.statusCode, 422, unknown.body);
    const problem = unknown.json();
    assert.equal(problem.code, "unknown_placeholder");
    assert.deepEqual(
      problem.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`),
      ["body:unknown_placeholder", "body:unknown_placeholder"],
    );
    assert.match(problem.errors[0].detail, /\{citizenName\}/);
    const dropped = await put("demand.answered/*/pt-BR", {
      subject: "Resposta {protocol}",
      body: "Respondido.",
    });
    assert.equal(dropped.statusCode, 422);
    assert.equal(dropped.json().code, "missing_placeholder");
    const long = `Protocolo {protocol}. ${"a".repeat(1_600)}`;
    const sms = await put("demand.received/sms/pt-BR", { subject: "{protocol}", body: long });
    assert.equal(sms.statusCode, 422);
    assert.equal(sms.json().code, "template_too_long");
    const email = await put("demand.received/telegram/pt-BR", { subject: "{protocol}", body: long });
    assert.equal(email.statusCode, 200, email.body);
    const huge = await put("demand.received/email/pt-BR", { subject: "{protocol}", body: "a".repeat(5_001) });
    assert.equal(huge.statusCode, 400);
    const rows = await db.query("SELECT channel FROM message_templates WHERE template = 'demand.received'");
    assert.deepEqual(rows, [{ channel: "telegram" }]);
  });

  it("uses a text for any channel on a short channel only when it fits there", () => {
    const any = { channel: "*", subject: "s", body: "x".repeat(2_000) };
    const email = { channel: "email", subject: "s", body: "own" };
    assert.equal(pickOverride([any, email], "email"), email);
    assert.equal(pickOverride([any], "email"), any);
    assert.equal(pickOverride([any], "sms"), undefined, "too long for SMS: the default goes");
    const short = { ...any, body: "curto" };
    assert.equal(pickOverride([short], "whatsapp"), short);
  });

  it("renders a preview with sample values, from the text being edited or the one in use", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/message-templates/preview",
      headers,
      payload: { template: "demand.answered", channel: "email", locale: "en", body: "Done: {answer}" },
    });
    assert.equal(res.statusCode, 200, res.body);
    const preview = res.json();
    assert.match(preview.subject, /^Answer to your request 20260001234$/);
    assert.match(preview.text, /^Hello .+,\n\nDone: .+\n\n--\n/);
    const bad = await app.inject({
      method: "POST",
      url: "/api/v1/message-templates/preview",
      headers,
      payload: { template: "demand.answered", locale: "en", body: "{nope} {answer}" },
    });
    assert.equal(bad.statusCode, 422);
  });

  it("lets the receipt say the deadline and its date, in the default and in an override, in three languages", async () => {
    const words = {
      "pt-BR": /20 dias úteis.+12 de março de 2026/,
      en: /20 business days.+March 12, 2026/,
      es: /20 días hábiles.+12 de marzo de 2026/,
    };
    for (const [locale, expected] of Object.entries(words)) {
      const asIs = await app.inject({
        method: "POST",
        url: "/api/v1/message-templates/preview",
        headers,
        payload: { template: "demand.received", channel: "*", locale },
      });
      assert.equal(asIs.statusCode, 200, asIs.body);
      assert.match(asIs.json().text, expected);
      assert.doesNotMatch(asIs.json().text, /\{\w+\}/);
    }
    const edited = await app.inject({
      method: "POST",
      url: "/api/v1/message-templates/preview",
      headers,
      payload: {
        template: "demand.received",
        locale: "pt-BR",
        subject: "Protocolo {protocol}",
        body: "Prazo: {deadline}, até {dueDate}.",
      },
    });
    assert.equal(edited.statusCode, 200, edited.body);
    assert.match(edited.json().text, /Prazo: 20 dias úteis, até 12 de março de 2026\./);
  });

  it("sends a demand's receipt with the most specific override, and the default again once deleted", async () => {
    const any = await put("demand.received/*/pt-BR", {
      subject: "Protocolo {protocol} registrado",
      body: "Texto para qualquer canal sobre {service}.",
    });
    assert.equal(any.statusCode, 200, any.body);
    const sms = await put("demand.received/sms/pt-BR", { subject: "{protocol}", body: "SMS: {protocol}" });
    assert.equal(sms.statusCode, 200, sms.body);
    let mail = await receiptOf("qualquer@example.org");
    assert.equal(mail.subject, `Protocolo ${mail.protocol} registrado`);
    assert.match(mail.text, /Texto para qualquer canal sobre .+\./, "another channel's text never applies");

    const email = await put("demand.received/email/pt-BR", {
      subject: "Recebemos seu pedido {protocol} por e-mail",
      body: "Guarde o número {protocol}.",
    });
    assert.equal(email.statusCode, 200, email.body);
    const saved = email.json();
    const override = saved.overrides.find((o: { channel: string }) => o.channel === "email");
    assert.equal(override.updatedBy.id, admin.staffId);
    mail = await receiptOf("email@example.org");
    assert.equal(mail.subject, `Recebemos seu pedido ${mail.protocol} por e-mail`);
    assert.ok(mail.text.includes(`Guarde o número ${mail.protocol}.`));
    assert.ok(mail.text.includes("https://156.cidade.example/acompanhar?protocolo="), "the footer stays");

    const english = await receiptOf("english@example.org", "en");
    assert.equal(english.subject, `We received your request ${english.protocol}`);

    for (const channel of ["email", "*", "telegram", "sms"]) {
      const res = await app.inject({
        method: "DELETE",
        url: `/api/v1/message-templates/demand.received/${channel}/pt-BR`,
        headers,
      });
      assert.equal(res.statusCode, 204, `${channel}: ${res.body}`);
    }
    const again = await app.inject({
      method: "DELETE",
      url: "/api/v1/message-templates/demand.received/email/pt-BR",
      headers,
    });
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().code, "unknown_template_override");
    mail = await receiptOf("padrao@example.org");
    assert.equal(mail.subject, `Recebemos sua solicitação ${mail.protocol}`);
  });
});
