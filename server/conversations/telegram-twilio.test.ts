/**
 * Telegram and Twilio (SMS) end to end: the fakes' signed webhooks posted to the running app, the steps run by the
 * worker's jobs, the replies taken by the fakes' APIs — buttons on Telegram, a numbered list on SMS read back by
 * number, a hand-over, a provider's opt-out, status callbacks; wrong secrets and signatures refused with nothing
 * stored.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { startFakeTelegram } from "../../channels/telegram/fake.ts";
import { startFakeTwilio } from "../../channels/twilio/fake.ts";
import { ANSWER, answerByDepartment, drain, SE } from "../../tests/factories.ts";
import { testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { closeChannelsOf } from "../notifications/jobs.ts";

const telegram = await startFakeTelegram();
const twilio = await startFakeTwilio();
after(() => Promise.all([telegram.close(), twilio.close()]));
const SMS_FROM = "+5511999990156";
const { app, ctx } = await testApp({
  twilioAuthToken: twilio.authToken,
  messaging: {
    telegram: { apiUrl: telegram.url, token: telegram.token, webhookSecret: telegram.webhookSecret },
    twilio: {
      apiUrl: twilio.url,
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      smsFrom: SMS_FROM,
    },
  },
});
after(() => closeChannelsOf(ctx.config));
const base = await app.listen({ port: 0, host: "127.0.0.1" });
// Twilio signs the URL it calls: this site's public address is where the test's app listens.
ctx.config.publicUrl = base;
const count = async () =>
  (await one<{ n: number }>(ctx.db, "SELECT count(*)::int AS n FROM inbound_messages")).n;

describe("Telegram", () => {
  const hook = `${base}/webhooks/telegram`;

  it("refuses a request without the secret token, or with another, and stores nothing", async () => {
    const chat = telegram.addChat();
    const before = await count();
    assert.equal(
      (await telegram.post(hook, telegram.updates.text(chat.id, "oi"), { secret: null })).status,
      401,
    );
    assert.equal(
      (await telegram.post(hook, telegram.updates.text(chat.id, "oi"), { secret: "x".repeat(20) })).status,
      401,
    );
    assert.equal((await telegram.post(hook, null, { rawBody: "{not json" })).status, 400);
    assert.equal(await count(), before);
  });

  it("answers with buttons, takes a press and a shared location, and hands over on request", async () => {
    const chat = telegram.addChat({ first_name: "Ana" });
    await telegram.post(hook, telegram.updates.text(chat.id, "tem um buraco enorme no asfalto da minha rua"));
    await drain(ctx);
    const offered = telegram.sent.filter((m) => m.chatId === chat.id).at(-1)!;
    assert.match(offered.text, /Qual destes serviços|Entendi que é sobre/);
    assert.ok(offered.replyMarkup, "the services come as buttons");
    const keyboard = offered.replyMarkup as { inline_keyboard: { callback_data: string }[][] };
    const firstService = keyboard.inline_keyboard.flat()[0]!.callback_data;
    const pressed = await telegram.post(hook, telegram.updates.press(chat.id, firstService));
    assert.match(
      pressed.body,
      /answerCallbackQuery/,
      "the button's spinner is answered in the webhook's answer",
    );
    await drain(ctx);
    assert.match(telegram.sent.filter((m) => m.chatId === chat.id).at(-1)!.text, /Onde fica/);
    await telegram.post(hook, telegram.updates.location(chat.id, SE.lat, SE.lon));
    await drain(ctx);
    assert.match(telegram.sent.filter((m) => m.chatId === chat.id).at(-1)!.text, /foto|Posso registrar/);
    await telegram.post(hook, telegram.updates.text(chat.id, "quero falar com um atendente"));
    await drain(ctx);
    const c = await one<{ status: string; profile_name: string }>(
      ctx.db,
      "SELECT status, profile_name FROM conversations WHERE channel = 'telegram' AND address = $1",
      [String(chat.id)],
    );
    assert.equal(c.status, "waiting");
    assert.match(c.profile_name, /Ana/);
  });

  it("takes a citizen to a protocol with buttons, then the answer, the rating and a reopen on the same chat", async () => {
    const chat = telegram.addChat({ first_name: "Rui" });
    const texts = () => telegram.sent.filter((m) => m.chatId === chat.id).map((m) => m.text);
    const buttons = () => {
      const markup = telegram.sent.filter((m) => m.chatId === chat.id).at(-1)?.replyMarkup as
        | { inline_keyboard?: { callback_data: string }[][] }
        | undefined;
      return markup?.inline_keyboard?.flat().map((b) => b.callback_data) ?? [];
    };
    await telegram.post(
      hook,
      telegram.updates.text(chat.id, "tem um buraco enorme no asfalto da rua augusta 1200"),
    );
    await drain(ctx);
    for (let turn = 0; turn < 8 && !/Posso registrar/.test(texts().at(-1) ?? ""); turn++) {
      const ids = buttons();
      const last = texts().at(-1) ?? "";
      const update = /Onde fica/.test(last)
        ? telegram.updates.location(chat.id, SE.lat, SE.lon)
        : ids.includes("skip")
          ? telegram.updates.press(chat.id, "skip")
          : ids.includes("no")
            ? telegram.updates.press(chat.id, "no")
            : telegram.updates.press(chat.id, ids[0]!);
      await telegram.post(hook, update);
      await drain(ctx);
    }
    await telegram.post(hook, telegram.updates.press(chat.id, "yes"));
    await drain(ctx);
    const demand = await one<{ id: number; protocol: string }>(
      ctx.db,
      `SELECT d.id, d.protocol FROM demands d JOIN citizen_contacts c ON c.citizen_id = d.citizen_id
        WHERE c.channel = 'telegram' AND c.value = $1`,
      [String(chat.id)],
    );
    assert.ok(
      texts().some((t) => t.includes(demand.protocol)),
      "the protocol on Telegram",
    );
    await answerByDepartment({ app, ctx }, demand.id);
    await drain(ctx);
    assert.ok(
      texts().some((t) => t.includes(ANSWER.slice(0, 30))),
      "the answer on Telegram",
    );
    assert.deepEqual(buttons(), ["rate:1", "rate:2", "rate:3", "rate:4", "rate:5"]);
    await telegram.post(hook, telegram.updates.press(chat.id, "rate:5"));
    await drain(ctx);
    assert.deepEqual(buttons(), ["yes", "no"]);
    await telegram.post(hook, telegram.updates.press(chat.id, "no"));
    await drain(ctx);
    await telegram.post(hook, telegram.updates.press(chat.id, "yes"));
    await drain(ctx);
    assert.match(texts().at(-1)!, /foi reaberta e voltou/);
    const { reopen_count } = await one<{ reopen_count: number }>(
      ctx.db,
      "SELECT reopen_count FROM demands WHERE id = $1",
      [demand.id],
    );
    assert.equal(reopen_count, 1);
  });

  it("stops messages when the citizen blocks the bot", async () => {
    const chat = telegram.addChat();
    await telegram.post(hook, telegram.updates.text(chat.id, "oi"));
    await telegram.post(hook, telegram.updates.blocked(chat.id));
    await drain(ctx);
    const out = await ctx.db.query(
      "SELECT 1 FROM channel_opt_outs WHERE channel = 'telegram' AND address = $1",
      [String(chat.id)],
    );
    assert.equal(out.length, 1);
  });
});

describe("Twilio SMS", () => {
  const hook = `${base}/webhooks/twilio/messaging`;
  const citizen = "+5511987650002";
  const smsTo = (n: string) => twilio.messages.filter((m) => m.to === n).map((m) => m.body ?? "");

  it("refuses a form whose signature is wrong and stores nothing", async () => {
    const before = await count();
    const form = twilio.forms.text(citizen, SMS_FROM, "oi");
    assert.equal((await twilio.post(hook, form, { authToken: "another-token-123" })).status, 401);
    assert.equal((await twilio.post(hook, form, { signature: null })).status, 401);
    assert.equal(await count(), before);
  });

  it("shows choices as a numbered list, reads a number back, and records status callbacks", async () => {
    const first = await twilio.post(
      hook,
      twilio.forms.text(citizen, SMS_FROM, "tem um buraco enorme no asfalto da rua"),
    );
    assert.equal(first.status, 200);
    assert.match(first.contentType, /xml/);
    await drain(ctx);
    const offered = smsTo("+5511987650002").at(-1) ?? smsTo("5511987650002").at(-1)!;
    assert.match(offered, /\n1\. /, "a numbered list in the text");
    await twilio.post(hook, twilio.forms.text(citizen, SMS_FROM, "1"));
    await drain(ctx);
    const sent = twilio.messages.at(-1)!;
    assert.match(sent.body ?? "", /Onde fica/);
    await twilio.report(sent.sid, "delivered");
    await drain(ctx);
    const reply = await one<{ state: string }>(
      ctx.db,
      "SELECT state FROM conversation_replies WHERE provider_id = $1",
      [sent.sid],
    );
    assert.equal(reply.state, "delivered");
  });

  it("honours Twilio's STOP", async () => {
    const other = "+5511987650003";
    await twilio.post(hook, twilio.forms.stop(other, SMS_FROM));
    await drain(ctx);
    const out = await ctx.db.query(
      "SELECT 1 FROM channel_opt_outs WHERE channel = 'sms' AND address = '5511987650003'",
    );
    assert.equal(out.length, 1);
  });
});
