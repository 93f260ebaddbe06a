import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { DeliveryError, InboundError, type InboundMessage, type OutgoingMessage } from "../channel.ts";
import { createTelegramAdapter, createTelegramInbound, splitText } from "./adapter.ts";
import { type FakeTelegram, startFakeTelegram } from "./fake.ts";
import { parseTelegramUpdate } from "./parse.ts";

let fake: FakeTelegram;
let webhook: Server;
let webhookUrl: string;
/** What the webhook route stored: the messages of every request it accepted. */
const stored: InboundMessage[] = [];

const outgoing = (over: Partial<OutgoingMessage>): OutgoingMessage => ({
  key: "reply-1",
  to: "0",
  locale: "pt-BR",
  subject: "",
  text: "Olá",
  ...over,
});

const parse = (update: unknown) => parseTelegramUpdate(Buffer.from(JSON.stringify(update)));

before(async () => {
  fake = await startFakeTelegram();
  const inbound = createTelegramInbound({
    apiUrl: fake.url,
    token: fake.token,
    webhookSecret: fake.webhookSecret,
  });
  // A stand-in for the webhook route: raw body, lower-case headers, 401 without the secret, 400 on a bad body.
  webhook = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = {
      url: `http://127.0.0.1${req.url}`,
      headers: req.headers as Record<string, string | undefined>,
      rawBody: Buffer.concat(chunks),
    };
    if (!inbound.verify(request)) return void res.writeHead(401).end();
    try {
      stored.push(...inbound.parse(request));
      res.writeHead(200).end();
    } catch (error) {
      res.writeHead(400).end(error instanceof InboundError ? error.code : "error");
    }
  });
  await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/webhooks/telegram`;
});

after(async () => {
  await fake.close();
  await new Promise<void>((resolve) => webhook.close(() => resolve()));
});

describe("Telegram webhook secret", () => {
  it("accepts an update carrying the configured secret token", async () => {
    const chat = fake.addChat();
    stored.length = 0;
    const answer = await fake.post(webhookUrl, fake.updates.text(chat.id, "tem um buraco na rua"));
    assert.equal(answer.status, 200);
    assert.equal(stored.length, 1);
  });

  it("refuses a wrong or missing secret token and stores nothing", async () => {
    const chat = fake.addChat();
    stored.length = 0;
    assert.equal(
      (await fake.post(webhookUrl, fake.updates.text(chat.id, "oi"), { secret: "not-it" })).status,
      401,
    );
    assert.equal(
      (await fake.post(webhookUrl, fake.updates.text(chat.id, "oi"), { secret: null })).status,
      401,
    );
    assert.equal((await fake.post(webhookUrl, fake.updates.text(chat.id, "oi"), { secret: "" })).status, 401);
    assert.equal(stored.length, 0);
  });

  it("accepts nothing when no secret is configured", () => {
    const inbound = createTelegramInbound({ token: "1:x", webhookSecret: "" });
    const request = {
      url: "http://x/",
      headers: { "x-telegram-bot-api-secret-token": "" },
      rawBody: Buffer.from("{}"),
    };
    assert.equal(inbound.verify(request), false);
  });
});

describe("Telegram updates", () => {
  it("reads a text with the sender's name, the chat as sender and the message it replies to", () => {
    const chat = fake.addChat({ first_name: "Ana", last_name: "Souza" });
    const update = fake.updates.text(chat.id, "boa noite tem um buraco enorme", { replyTo: 41 });
    const [m] = parse(update);
    assert.deepEqual(m, {
      channel: "telegram",
      providerMessageId: String(update.update_id),
      from: String(chat.id),
      profileName: "Ana Souza",
      sentAt: new Date(update.message!.date * 1000).toISOString(),
      inReplyTo: `${chat.id}:41`,
      content: { kind: "text", text: "boa noite tem um buraco enorme" },
    });
  });

  it("reads a shared location", () => {
    const chat = fake.addChat();
    const [m] = parse(fake.updates.location(chat.id, -23.5505, -46.6333));
    assert.deepEqual(m?.content, {
      kind: "location",
      lat: -23.5505,
      lon: -46.6333,
      name: undefined,
      address: undefined,
    });
  });

  it("reads a photo as its largest size, with the caption", () => {
    const chat = fake.addChat();
    const [m] = parse(fake.updates.photo(chat.id, "AgACbig", "olha o buraco"));
    assert.deepEqual(m?.content, { kind: "media", media: "image", ref: "AgACbig", caption: "olha o buraco" });
  });

  it("reads a voice note as audio and a document with its name and type", () => {
    const chat = fake.addChat();
    const [voice] = parse(fake.updates.voice(chat.id, "AwACvoice"));
    assert.equal(voice?.content.kind === "media" && voice.content.media, "audio");
    assert.equal(voice?.content.kind === "media" && voice.content.mimeType, "audio/ogg");
    const [doc] = parse(fake.updates.document(chat.id, "BQACdoc", "laudo.pdf", "application/pdf"));
    assert.deepEqual(doc?.content, {
      kind: "media",
      media: "document",
      ref: "BQACdoc",
      mimeType: "application/pdf",
      fileName: "laudo.pdf",
      caption: undefined,
    });
    const [image] = parse(fake.updates.document(chat.id, "BQACimg", "foto.png", "image/png"));
    assert.equal(image?.content.kind === "media" && image.content.media, "image");
  });

  it("reads a button press as the choice's id and the title the citizen saw", async () => {
    const chat = fake.addChat();
    const adapter = createTelegramAdapter({ apiUrl: fake.url, token: fake.token });
    const { providerId } = await adapter.send(
      outgoing({
        to: String(chat.id),
        text: "Qual serviço?",
        choices: [{ id: "svc:buraco", title: "Buraco na via" }],
      }),
    );
    const [m] = parse(fake.updates.press(chat.id, "svc:buraco"));
    assert.deepEqual(m?.content, { kind: "choice", id: "svc:buraco", title: "Buraco na via" });
    assert.equal(m?.inReplyTo, providerId);
    assert.equal(m?.from, String(chat.id));
  });

  it("reads a block of the bot as an opt-out, and an unblock as nothing", () => {
    const chat = fake.addChat();
    const update = fake.updates.blocked(chat.id);
    assert.deepEqual(parse(update)[0]?.content, { kind: "opt-out" });
    update.my_chat_member!.new_chat_member.status = "member";
    assert.deepEqual(parse(update), []);
  });

  it("reads an edited text, and ignores the edits of a live location", () => {
    const chat = fake.addChat();
    const [m] = parse(fake.updates.edited(chat.id, 7, "na verdade é na rua de cima"));
    assert.deepEqual(m?.content, { kind: "text", text: "na verdade é na rua de cima" });
    const live = fake.updates.edited(chat.id, 8, "");
    delete live.edited_message!.text;
    live.edited_message!.location = { latitude: -23.5, longitude: -46.6, live_period: 900 };
    assert.deepEqual(parse(live), []);
  });

  it("answers nothing for update kinds the conversation does not use", () => {
    assert.deepEqual(
      parse({ update_id: 5, channel_post: { message_id: 1, date: 1, chat: { id: -100, type: "channel" } } }),
      [],
    );
    const chat = fake.addChat();
    const sticker = fake.updates.text(chat.id, "");
    delete sticker.message!.text;
    assert.deepEqual(parse(sticker), []);
  });

  it("refuses malformed JSON, a body that is not an Update and an oversized body", async () => {
    const codeOf = (body: string | Buffer) => {
      try {
        parseTelegramUpdate(Buffer.isBuffer(body) ? body : Buffer.from(body));
      } catch (error) {
        return error instanceof InboundError ? error.code : "other";
      }
      return "accepted";
    };
    assert.equal(codeOf("{not json"), "bad_json");
    assert.equal(codeOf("[]"), "bad_update");
    assert.equal(codeOf(JSON.stringify({ message: { text: "oi" } })), "bad_update");
    assert.equal(
      codeOf(JSON.stringify({ update_id: 1, message: { message_id: 1, text: "oi" } })),
      "bad_update",
    );
    assert.equal(codeOf(JSON.stringify({ update_id: 1, callback_query: { data: "x" } })), "bad_update");
    const huge = JSON.stringify({ update_id: 1, message: { text: "x".repeat(1024 * 1024) } });
    assert.equal(codeOf(huge), "too_large");
    stored.length = 0;
    const answer = await fake.post(webhookUrl, null, { rawBody: "{not json" });
    assert.deepEqual([answer.status, answer.body, stored.length], [400, "bad_json", 0]);
  });
});

describe("Telegram sendMessage", () => {
  it("sends a text and answers chat:message as the provider id", async () => {
    const chat = fake.addChat();
    const adapter = createTelegramAdapter({ apiUrl: fake.url, token: fake.token });
    const { providerId } = await adapter.send(
      outgoing({ to: String(chat.id), text: "Seu protocolo é 2026-000123" }),
    );
    const last = fake.sent.at(-1)!;
    assert.equal(providerId, `${chat.id}:${last.messageId}`);
    assert.equal(last.text, "Seu protocolo é 2026-000123");
    assert.deepEqual(last.replyMarkup, { remove_keyboard: true });
  });

  it("sends choices as an inline keyboard, one button a row", async () => {
    const chat = fake.addChat();
    const adapter = createTelegramAdapter({ apiUrl: fake.url, token: fake.token });
    await adapter.send(
      outgoing({
        to: String(chat.id),
        text: "Resolveu?",
        choices: [
          { id: "yes", title: "Sim" },
          { id: "no", title: "Não" },
        ],
      }),
    );
    assert.deepEqual(fake.sent.at(-1)!.replyMarkup, {
      inline_keyboard: [[{ text: "Sim", callback_data: "yes" }], [{ text: "Não", callback_data: "no" }]],
    });
  });

  it("falls back to a numbered list when an id exceeds the 64 bytes callback_data holds", async () => {
    const chat = fake.addChat();
    const adapter = createTelegramAdapter({ apiUrl: fake.url, token: fake.token });
    await adapter.send(
      outgoing({
        to: String(chat.id),
        text: "Qual?",
        choices: [
          { id: "ç".repeat(40), title: "Calçada" },
          { id: "b", title: "Buraco" },
        ],
      }),
    );
    const last = fake.sent.at(-1)!;
    assert.equal(last.text, "Qual?\n1. Calçada\n2. Buraco");
    assert.equal(last.replyMarkup?.inline_keyboard, undefined);
  });

  it("asks for the location with a one-time reply keyboard button, the choices beside it", async () => {
    const chat = fake.addChat();
    const adapter = createTelegramAdapter({ apiUrl: fake.url, token: fake.token });
    await adapter.send(
      outgoing({
        to: String(chat.id),
        locale: "es",
        text: "¿Dónde?",
        requestLocation: true,
        choices: [{ id: "skip", title: "Saltar" }],
      }),
    );
    assert.deepEqual(fake.sent.at(-1)!.replyMarkup, {
      keyboard: [[{ text: "📍 Enviar mi ubicación", request_location: true }], [{ text: "Saltar" }]],
      one_time_keyboard: true,
      resize_keyboard: true,
    });
  });

  it("sends a template's text as it is (Telegram has no templates)", async () => {
    const chat = fake.addChat();
    const adapter = createTelegramAdapter({ apiUrl: fake.url, token: fake.token });
    await adapter.send(
      outgoing({
        to: String(chat.id),
        text: "Sua demanda foi respondida",
        template: { name: "answer", language: "pt_BR", parameters: ["x"] },
      }),
    );
    assert.equal(fake.sent.at(-1)!.text, "Sua demanda foi respondida");
  });

  it("splits a text longer than 4096 characters, the keyboard under the last part", async () => {
    const chat = fake.addChat();
    const adapter = createTelegramAdapter({ apiUrl: fake.url, token: fake.token });
    const text = `${"a".repeat(3000)}\n${"b".repeat(3000)}`;
    const { providerId } = await adapter.send(
      outgoing({ to: String(chat.id), text, choices: [{ id: "ok", title: "OK" }] }),
    );
    const [first, second] = fake.sent.slice(-2);
    assert.deepEqual([first!.text.length, second!.text.length], [3000, 3000]);
    assert.equal(first!.replyMarkup, undefined);
    assert.ok(second!.replyMarkup?.inline_keyboard);
    assert.equal(providerId, `${chat.id}:${second!.messageId}`);
    assert.deepEqual(splitText("😀".repeat(3), 3), ["😀", "😀", "😀"]);
  });

  it("calls an unknown chat and a blocked bot permanent failures", async () => {
    const chat = fake.addChat();
    const adapter = createTelegramAdapter({ apiUrl: fake.url, token: fake.token });
    const failure = (to: string) =>
      adapter.send(outgoing({ to })).then(
        () => undefined,
        (e: unknown) => e as DeliveryError,
      );
    const unknown = await failure("999");
    assert.ok(unknown instanceof DeliveryError);
    assert.deepEqual(
      [unknown.temporary, unknown.message],
      [false, "Telegram 400: Bad Request: chat not found"],
    );
    fake.block(chat.id);
    const blocked = await failure(String(chat.id));
    assert.deepEqual(
      [blocked?.temporary, blocked?.message],
      [false, "Telegram 403: Forbidden: bot was blocked by the user"],
    );
  });

  it("calls flood control, Telegram's failures, a wrong token and an unreachable API temporary", async () => {
    const chat = fake.addChat();
    const adapter = createTelegramAdapter({ apiUrl: fake.url, token: fake.token });
    const failure = (a = adapter) =>
      a.send(outgoing({ to: String(chat.id) })).then(
        () => undefined,
        (e: unknown) => e as DeliveryError,
      );
    fake.fail(429);
    const flood = await failure();
    assert.deepEqual(
      [flood?.temporary, flood?.message],
      [true, "Telegram 429: Too Many Requests: retry after 3 (retry after 3 s)"],
    );
    fake.fail(502);
    assert.equal((await failure())?.temporary, true);
    const wrongToken = await failure(createTelegramAdapter({ apiUrl: fake.url, token: `${fake.token}x` }));
    assert.equal(wrongToken?.temporary, true);
    assert.equal(wrongToken?.message.includes(fake.token), false);
    const down = await failure(createTelegramAdapter({ apiUrl: "http://127.0.0.1:9", token: fake.token }));
    assert.equal(down?.temporary, true);
    assert.ok((await adapter.send(outgoing({ to: String(chat.id) }))).providerId);
  });
});

describe("Telegram media download", () => {
  it("downloads a citizen's photo through getFile and the file path", async () => {
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const fileId = fake.addFile(bytes, "photos/file_12.jpg");
    const inbound = createTelegramInbound({
      apiUrl: fake.url,
      token: fake.token,
      webhookSecret: fake.webhookSecret,
    });
    const media = await inbound.fetchMedia!(fileId);
    assert.deepEqual(media, { bytes, mimeType: "image/jpeg" });
    assert.equal(fake.calls.at(-1)?.method, "getfile");
    await assert.rejects(inbound.fetchMedia!("AgACnope"), /invalid file_id/);
  });
});
