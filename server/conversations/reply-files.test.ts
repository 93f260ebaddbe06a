/**
 * Files in an agent's reply: uploaded with the text (multipart), checked by their bytes, and delivered as each
 * channel carries files — WhatsApp image and document messages Meta downloads from our signed link, Telegram's
 * sendPhoto, a link in the text of an SMS — with the link refused once altered or expired.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { startFakeTelegram } from "../../channels/telegram/fake.ts";
import { startFakeTwilio } from "../../channels/twilio/fake.ts";
import { startFakeWhatsApp } from "../../channels/whatsapp/fake.ts";
import { drain, multipartForm, TINY_PDF, TINY_PNG, takenByAgent } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { closeChannelsOf } from "../notifications/jobs.ts";
import { fileOfMediaToken, MEDIA_DAYS } from "./reply-media.ts";

const ACCOUNT = {
  appSecret: "meta-app-secret-files",
  phoneNumberId: "1097316838",
  token: "EAAG-files-token",
};
const whatsapp = await startFakeWhatsApp(ACCOUNT);
const telegram = await startFakeTelegram();
const twilio = await startFakeTwilio();
after(() => Promise.all([whatsapp.close(), telegram.close(), twilio.close()]));
const SMS_FROM = "+5511999990157";
const { app, ctx } = await testApp({
  twilioAuthToken: twilio.authToken,
  messaging: {
    whatsapp: { apiUrl: whatsapp.url, ...ACCOUNT, verifyToken: "verify-me-files" },
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
// The providers download files from the site's public address, and Twilio signs the URL it calls.
ctx.config.publicUrl = base;

const takenBy = (channel: string, address: string) => takenByAgent({ app, ctx }, channel, address);

const replyWith = (
  id: number,
  who: { authorization: string },
  files: Parameters<typeof multipartForm>[1],
) => {
  const form = multipartForm({ text: "Segue o comprovante do serviço." }, files);
  return app.inject({
    method: "POST",
    url: `/api/v1/conversations/${id}/replies`,
    headers: { ...form.headers, authorization: who.authorization },
    payload: form.payload,
  });
};

const PHOTO = { name: "foto-servico.png", content: TINY_PNG, field: "attachments" };
const PDF = { name: "ordem.pdf", content: TINY_PDF, field: "attachments", type: "application/pdf" };

describe("files in an agent's reply", () => {
  it("sends a photo and a PDF on WhatsApp as media Meta downloads from the signed link, then the text", async () => {
    const from = "5511987652001";
    await whatsapp.post(`${base}/webhooks/whatsapp`, whatsapp.text(from, "quero falar com um atendente"));
    await drain(ctx);
    const { id, agent } = await takenBy("whatsapp", from);
    const res = await replyWith(id, agent, [PHOTO, PDF]);
    assert.equal(res.statusCode, 201, res.body);
    await drain(ctx);
    await whatsapp.settled();
    const sent = whatsapp.messages.filter((m) => m.body.to === from).slice(-3);
    assert.deepEqual(
      sent.map((m) => m.body.type),
      ["image", "document", "text"],
    );
    assert.equal((sent[1]!.body.document as { filename: string }).filename, "ordem.pdf");
    const files = whatsapp.downloaded.filter((d) => sent.some((m) => m.id === d.id));
    assert.equal(files.length, 2, "Meta downloaded both files");
    assert.ok(files[0]!.bytes.equals(TINY_PNG));
    assert.equal(files[0]!.mimeType, "image/png");
    assert.ok(files[1]!.bytes.equals(TINY_PDF));

    // The inbox shows the files with the reply; the link works, altered or expired it does not.
    const detail = await app.inject({
      url: `/api/v1/conversations/${id}`,
      headers: { authorization: agent.authorization },
    });
    const entry = (
      detail.json().history as { from: string; files: { url: string; fileName: string }[] }[]
    ).find((h) => h.from === "agent")!;
    assert.deepEqual(
      entry.files.map((f) => f.fileName),
      ["foto-servico.png", "ordem.pdf"],
    );
    const link = new URL(entry.files[0]!.url, base);
    const got = await app.inject({ url: link.pathname });
    assert.equal(got.statusCode, 200);
    assert.equal(got.headers["x-content-type-options"], "nosniff");
    assert.ok(got.rawPayload.equals(TINY_PNG));
    const token = link.pathname.split("/").at(-1)!;
    const altered = token.replace(/\.(\d)\./, (_, i) => `.${Number(i) + 1}.`);
    assert.equal((await app.inject({ url: `/media/replies/${altered}` })).statusCode, 404);
    assert.equal((await app.inject({ url: "/media/replies/1.0.9999999999.x" })).statusCode, 404);
    await assert.rejects(
      fileOfMediaToken(ctx.db, token, Date.now() + (MEDIA_DAYS + 1) * 24 * 3600 * 1000),
      (e: { status?: number }) => e.status === 404,
    );
  });

  it("sends a photo on Telegram with sendPhoto and puts the file's link in an SMS", async () => {
    const chat = telegram.addChat({ first_name: "Rita" });
    await telegram.post(
      `${base}/webhooks/telegram`,
      telegram.updates.text(chat.id, "quero falar com um atendente"),
    );
    await drain(ctx);
    const t = await takenBy("telegram", String(chat.id));
    assert.equal((await replyWith(t.id, t.agent, [PHOTO])).statusCode, 201);
    await drain(ctx);
    const mine = telegram.sent.filter((m) => m.chatId === chat.id).slice(-2);
    assert.equal(mine[0]!.file?.kind, "photo");
    assert.ok(mine[0]!.file?.bytes.equals(TINY_PNG), "Telegram downloaded the photo");
    assert.match(mine[1]!.text, /comprovante/);

    const citizen = "+5511987652002";
    const hook = `${base}/webhooks/twilio/messaging`;
    await twilio.post(hook, twilio.forms.text(citizen, SMS_FROM, "quero falar com um atendente"));
    await drain(ctx);
    const s = await takenBy("sms", citizen.replace("+", ""));
    assert.equal((await replyWith(s.id, s.agent, [PDF])).statusCode, 201);
    await drain(ctx);
    const sms = twilio.messages.filter((m) => m.to === citizen).at(-1)!;
    const url = /ordem\.pdf: (\S+)/.exec(sms.body ?? "")?.[1];
    assert.ok(url, "the file's link in the SMS");
    const pdf = await fetch(url);
    assert.equal(pdf.status, 200);
    assert.ok(Buffer.from(await pdf.arrayBuffer()).equals(TINY_PDF));
  });

  it("refuses a file that is not a photo or a PDF, too many files, and another agent, storing nothing", async () => {
    const from = "5511987652003";
    await whatsapp.post(`${base}/webhooks/whatsapp`, whatsapp.text(from, "atendente por favor"));
    await drain(ctx);
    const { id, agent } = await takenBy("whatsapp", from);
    const script = { name: "virus.png", content: Buffer.from("#!/bin/sh\necho hi\n"), field: "attachments" };
    const refused = await replyWith(id, agent, [script]);
    assert.equal(refused.statusCode, 415);
    assert.equal(refused.headers["content-type"], "application/problem+json; charset=utf-8");
    assert.equal((await replyWith(id, agent, [PHOTO, PHOTO, PHOTO, PHOTO])).statusCode, 413);
    const other = await staffHeaders(ctx.db, "agent");
    assert.equal((await replyWith(id, other, [PHOTO])).statusCode, 403);
    const replies = await one<{ n: number }>(
      ctx.db,
      "SELECT count(*)::int AS n FROM conversation_replies WHERE conversation_id = $1 AND author = 'agent'",
      [id],
    );
    assert.equal(replies.n, 0);
  });
});
