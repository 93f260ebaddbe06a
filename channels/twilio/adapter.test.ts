import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { DeliveryError, InboundError, type InboundMessage, type OutgoingMessage } from "../channel.ts";
import { createTwilioAdapter, createTwilioInbound } from "./adapter.ts";
import { type FakeTwilio, startFakeTwilio } from "./fake.ts";
import { parseTwilioMessaging, signTwilioRequest, verifyTwilioRequest } from "./parse.ts";

let fake: FakeTwilio;
let webhook: Server;
let webhookUrl: string;
/** What the webhook route stored: the messages of every request it accepted. */
const stored: InboundMessage[] = [];

const CITIZEN = "+5551987654321";
const SMS_SENDER = "+5551300000156";
const WA_SENDER = "whatsapp:+5551300000156";

const outgoing = (over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  key: "reply-42",
  to: "5551987654321",
  locale: "pt-BR",
  subject: "",
  text: "Seu protocolo é 2026-000123",
  ...over,
});

/** An outbound adapter on the fake's account; `over` changes the sender, channel, token … */
const adapterFor = (over: Partial<Parameters<typeof createTwilioAdapter>[0]> = {}) =>
  createTwilioAdapter({
    apiUrl: fake.url,
    accountSid: fake.accountSid,
    authToken: fake.authToken,
    from: SMS_SENDER,
    ...over,
  });

/** A form as the signing function takes it: every value in a list. */
const listed = (form: Record<string, string>) =>
  Object.fromEntries(Object.entries(form).map(([k, v]) => [k, [v]]));

const formBody = (params: Record<string, string>) => Buffer.from(new URLSearchParams(params).toString());
const parse = (params: Record<string, string>) => parseTwilioMessaging(formBody(params), new Date(0));

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof DeliveryError, "expected a DeliveryError");
  return error;
}

before(async () => {
  fake = await startFakeTwilio();
  const inbound = createTwilioInbound({
    apiUrl: fake.url,
    accountSid: fake.accountSid,
    authToken: fake.authToken,
  });
  // A stand-in for the webhook route: the full URL Twilio called, raw body, 403 on a bad signature, 400 on a bad form.
  webhook = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = {
      url: `http://${req.headers.host}${req.url}`,
      headers: req.headers as Record<string, string | undefined>,
      rawBody: Buffer.concat(chunks),
    };
    if (!inbound.verify(request)) return void res.writeHead(403).end();
    try {
      stored.push(...inbound.parse(request));
      res.writeHead(200, { "content-type": "text/xml" }).end("<Response/>");
    } catch (error) {
      res.writeHead(400).end(error instanceof InboundError ? error.code : "error");
    }
  });
  await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/webhooks/twilio/messaging?city=poa`;
});

after(async () => {
  await fake.close();
  await new Promise<void>((resolve) => webhook.close(() => resolve()));
});

describe("Twilio request signatures", () => {
  it("computes the signature of Twilio's documented example", () => {
    const params = {
      CallSid: ["CA1234567890ABCDE"],
      Caller: ["+12349013030"],
      Digits: ["1234"],
      From: ["+12349013030"],
      To: ["+18005551212"],
    };
    assert.equal(
      signTwilioRequest("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params),
      "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
    );
  });

  it("signs a repeated parameter once per distinct value, values sorted, as Twilio's libraries do", () => {
    const expected = createHmac("sha1", "tok").update("https://x/hA1BaBbBc").digest("base64");
    assert.equal(signTwilioRequest("tok", "https://x/h", { B: ["c", "a", "b", "a"], A: ["1"] }), expected);
    const body = Buffer.from("B=c&A=1&B=a&B=b&B=a");
    const request = { url: "https://x/h", headers: { "x-twilio-signature": expected }, rawBody: body };
    assert.equal(verifyTwilioRequest("tok", request), true);
  });

  it("accepts a signed message posted to the full webhook URL, query string included", async () => {
    stored.length = 0;
    const answer = await fake.post(webhookUrl, fake.forms.text(CITIZEN, SMS_SENDER, "tem um buraco na rua"));
    assert.deepEqual([answer.status, stored.length], [200, 1]);
  });

  it("refuses a tampered body, a wrong token, a missing signature and another URL, storing nothing", async () => {
    stored.length = 0;
    const form = fake.forms.text(CITIZEN, SMS_SENDER, "oi");
    const signature = signTwilioRequest(fake.authToken, webhookUrl, listed(form));
    const tampered = new URLSearchParams({ ...form, Body: "outra coisa" }).toString();
    assert.equal((await fake.post(webhookUrl, form, { signature, rawBody: tampered })).status, 403);
    assert.equal((await fake.post(webhookUrl, form, { authToken: "0".repeat(32) })).status, 403);
    assert.equal((await fake.post(webhookUrl, form, { signature: null })).status, 403);
    const otherUrl = signTwilioRequest(fake.authToken, webhookUrl.replace("poa", "sp"), listed(form));
    assert.equal((await fake.post(webhookUrl, form, { signature: otherUrl })).status, 403);
    assert.equal(stored.length, 0);
  });

  it("accepts the URL signed with or without the scheme's default port", () => {
    const params = { Body: ["oi"] };
    const withPort = signTwilioRequest("tok", "https://city.example:443/webhooks/twilio/messaging", params);
    const request = (signature: string, url: string) => ({
      url,
      headers: { "x-twilio-signature": signature },
      rawBody: Buffer.from("Body=oi"),
    });
    assert.equal(
      verifyTwilioRequest("tok", request(withPort, "https://city.example/webhooks/twilio/messaging")),
      true,
    );
    const without = signTwilioRequest("tok", "https://city.example/webhooks/twilio/messaging", params);
    assert.equal(
      verifyTwilioRequest("tok", request(without, "https://city.example:443/webhooks/twilio/messaging")),
      true,
    );
    assert.equal(
      verifyTwilioRequest("", request(without, "https://city.example/webhooks/twilio/messaging")),
      false,
    );
  });

  it("reads a replayed message with the same id, so that the core stores it once", () => {
    const form = fake.forms.text(CITIZEN, SMS_SENDER, "oi");
    assert.equal(parse(form)[0]?.providerMessageId, parse(form)[0]?.providerMessageId);
    assert.equal(parse(form)[0]?.providerMessageId, form.MessageSid);
  });
});

describe("Twilio incoming messages", () => {
  it("reads an SMS as text from E.164 digits on the sms channel", () => {
    const form = fake.forms.text(CITIZEN, SMS_SENDER, "boa noite tem um buraco enorme");
    assert.deepEqual(parse(form), [
      {
        channel: "sms",
        providerMessageId: form.MessageSid,
        from: "5551987654321",
        profileName: undefined,
        sentAt: new Date(0).toISOString(),
        inReplyTo: undefined,
        content: { kind: "text", text: "boa noite tem um buraco enorme" },
      },
    ]);
  });

  it("reads a WhatsApp text with the profile name and the message it replies to", () => {
    const form = fake.forms.text(`whatsapp:${CITIZEN}`, WA_SENDER, "e o protocolo?", {
      OriginalRepliedMessageSid: `SM${"a".repeat(32)}`,
    });
    const [m] = parse(form);
    assert.deepEqual(
      [m?.channel, m?.from, m?.profileName, m?.inReplyTo],
      ["whatsapp", "5551987654321", "Maria", `SM${"a".repeat(32)}`],
    );
  });

  it("reads a WhatsApp location with its label and address", () => {
    const form = fake.forms.location(`whatsapp:${CITIZEN}`, WA_SENDER, -30.0346, -51.2177, {
      Label: "Mercado Público",
      Address: "Largo Glênio Peres",
    });
    assert.deepEqual(parse(form)[0]?.content, {
      kind: "location",
      lat: -30.0346,
      lon: -51.2177,
      name: "Mercado Público",
      address: "Largo Glênio Peres",
    });
  });

  it("reads each attached medium as a message of its own, the text as the first one's caption", () => {
    const form = fake.forms.media(
      `whatsapp:${CITIZEN}`,
      WA_SENDER,
      [
        { url: `${fake.url}/a.jpg`, contentType: "image/jpeg" },
        { url: `${fake.url}/b.ogg`, contentType: "audio/ogg" },
      ],
      "olha isso",
    );
    const [first, second] = parse(form);
    assert.deepEqual(first?.content, {
      kind: "media",
      media: "image",
      ref: `${fake.url}/a.jpg`,
      mimeType: "image/jpeg",
      caption: "olha isso",
    });
    assert.deepEqual(second?.content, {
      kind: "media",
      media: "audio",
      ref: `${fake.url}/b.ogg`,
      mimeType: "audio/ogg",
      caption: undefined,
    });
    assert.deepEqual(
      [first?.providerMessageId, second?.providerMessageId],
      [form.MessageSid, `${form.MessageSid}:1`],
    );
  });

  it("reads a quick-reply button as the choice's payload and text", () => {
    const [m] = parse(fake.forms.button(`whatsapp:${CITIZEN}`, WA_SENDER, "rating:5", "Ótimo"));
    assert.deepEqual(m?.content, { kind: "choice", id: "rating:5", title: "Ótimo" });
  });

  it("reads STOP as an opt-out, and START as the text it is", () => {
    assert.deepEqual(parse(fake.forms.stop(CITIZEN, SMS_SENDER))[0]?.content, { kind: "opt-out" });
    const start = fake.forms.text(CITIZEN, SMS_SENDER, "START", { OptOutType: "START" });
    assert.deepEqual(parse(start)[0]?.content, { kind: "text", text: "START" });
  });

  it("refuses a form without MessageSid, a JSON body, an inconsistent NumMedia and an oversized body", async () => {
    const codeOf = (body: Buffer) => {
      try {
        parseTwilioMessaging(body);
      } catch (error) {
        return error instanceof InboundError ? error.code : "other";
      }
      return "accepted";
    };
    const form = fake.forms.text(CITIZEN, SMS_SENDER, "oi");
    assert.equal(codeOf(formBody({ ...form, MessageSid: "", SmsSid: "" })), "bad_form");
    assert.equal(codeOf(Buffer.from(JSON.stringify(form))), "bad_form");
    assert.equal(codeOf(Buffer.from(`__proto__=1&${new URLSearchParams(form)}`)), "accepted");
    assert.equal(codeOf(formBody({ ...form, NumMedia: "2" })), "bad_form");
    assert.equal(codeOf(formBody({ ...form, From: "" })), "bad_form");
    assert.equal(codeOf(formBody({ ...form, Body: "x".repeat(1024 * 1024) })), "too_large");
    stored.length = 0;
    const answer = await fake.post(webhookUrl, { ...form, NumMedia: "1" });
    assert.deepEqual([answer.status, answer.body, stored.length], [400, "bad_form", 0]);
  });
});

describe("Twilio Messages API", () => {
  it("sends an SMS with Basic auth, the sender, the status callback and the key as idempotency token", async () => {
    const adapter = adapterFor({ statusCallbackUrl: webhookUrl });
    assert.equal(adapter.channel, "sms");
    const { providerId } = await adapter.send(outgoing());
    const sent = fake.messages.at(-1)!;
    assert.deepEqual(
      [providerId, sent.to, sent.from, sent.body, sent.statusCallback, sent.idempotencyToken],
      [sent.sid, CITIZEN, SMS_SENDER, "Seu protocolo é 2026-000123", webhookUrl, "reply-42"],
    );
  });

  it("sends on WhatsApp with the choices as a numbered list", async () => {
    const adapter = adapterFor({ from: WA_SENDER });
    assert.equal(adapter.channel, "whatsapp");
    await adapter.send(
      outgoing({
        text: "Resolveu?",
        choices: [
          { id: "yes", title: "Sim" },
          { id: "no", title: "Não" },
        ],
        requestLocation: true,
      }),
    );
    const sent = fake.messages.at(-1)!;
    assert.deepEqual([sent.to, sent.body], [`whatsapp:${CITIZEN}`, "Resolveu?\n1. Sim\n2. Não"]);
  });

  it("sends a WhatsApp template as its content SID and numbered variables, and a Messaging Service as such", async () => {
    const service = `MG${"c".repeat(32)}`;
    const adapter = adapterFor({ from: service, channel: "whatsapp" });
    await adapter.send(
      outgoing({
        template: {
          name: `HX${"b".repeat(32)}`,
          language: "pt_BR",
          parameters: ["2026-000123", "respondida"],
        },
      }),
    );
    const sent = fake.messages.at(-1)!;
    assert.deepEqual(
      [sent.messagingServiceSid, sent.from, sent.contentSid, sent.contentVariables, sent.body],
      [service, null, `HX${"b".repeat(32)}`, '{"1":"2026-000123","2":"respondida"}', null],
    );
  });

  it("calls an invalid or unsubscribed number permanent failures", async () => {
    const adapter = adapterFor();
    const invalid = await failure(adapter.send(outgoing({ to: "123" })));
    assert.deepEqual(
      [invalid.temporary, invalid.message],
      [false, "Twilio 400 (21211): The 'To' number +123 is not a valid phone number."],
    );
    fake.unsubscribe("+5551911112222");
    const stopped = await failure(adapter.send(outgoing({ to: "5551911112222" })));
    assert.deepEqual(
      [stopped.temporary, stopped.message],
      [false, "Twilio 400 (21610): Attempt to send to unsubscribed recipient"],
    );
  });

  it("calls flood control, Twilio's failures, a wrong token and an unreachable API temporary", async () => {
    const adapter = adapterFor();
    fake.fail(429);
    const flood = await failure(adapter.send(outgoing()));
    assert.deepEqual([flood.temporary, flood.message], [true, "Twilio 429 (20429): Too Many Requests"]);
    fake.fail(503);
    assert.equal((await failure(adapter.send(outgoing()))).temporary, true);
    const wrong = adapterFor({ authToken: "0".repeat(32) });
    const login = await failure(wrong.send(outgoing()));
    assert.deepEqual([login.temporary, login.message], [true, "Twilio 401 (20003): Authenticate"]);
    const down = adapterFor({ apiUrl: "http://127.0.0.1:9" });
    assert.equal((await failure(down.send(outgoing()))).temporary, true);
  });

  it("reads the status callbacks of a sent message as receipts named by its SID", async () => {
    const adapter = adapterFor({ from: WA_SENDER, statusCallbackUrl: webhookUrl });
    const { providerId } = await adapter.send(outgoing());
    stored.length = 0;
    assert.equal((await fake.report(providerId, "queued")).status, 200);
    assert.equal((await fake.report(providerId, "delivered")).status, 200);
    assert.equal((await fake.report(providerId, "read")).status, 200);
    assert.equal((await fake.report(providerId, "undelivered", "63016")).status, 200);
    assert.deepEqual(
      stored.map((m) => [m.channel, m.providerMessageId, m.from, m.content]),
      [
        [
          "whatsapp",
          `${providerId}:delivered`,
          "5551987654321",
          { kind: "receipt", providerId, state: "delivered", detail: undefined },
        ],
        [
          "whatsapp",
          `${providerId}:read`,
          "5551987654321",
          { kind: "receipt", providerId, state: "read", detail: undefined },
        ],
        [
          "whatsapp",
          `${providerId}:undelivered`,
          "5551987654321",
          { kind: "receipt", providerId, state: "failed", detail: "Twilio error 63016" },
        ],
      ],
    );
  });
});

describe("Twilio media download", () => {
  it("downloads a medium from the API with the account's credentials, and never sends them elsewhere", async () => {
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 9, 9]);
    const mediaUrl = fake.addMedia(bytes, "image/jpeg");
    const inbound = createTwilioInbound({
      apiUrl: fake.url,
      accountSid: fake.accountSid,
      authToken: fake.authToken,
    });
    assert.deepEqual(await inbound.fetchMedia!(mediaUrl), { bytes, mimeType: "image/jpeg" });
    // Another configured API host: the fake's media URL is foreign, so no credentials go, and the fake refuses.
    const elsewhere = createTwilioInbound({
      apiUrl: "https://api.twilio.com",
      accountSid: fake.accountSid,
      authToken: fake.authToken,
    });
    await assert.rejects(elsewhere.fetchMedia!(mediaUrl), /HTTP 401/);
  });
});
