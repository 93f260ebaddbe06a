import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  DeliveryError,
  InboundError,
  type InboundMessage,
  type InboundRequest,
  type OutgoingMessage,
} from "../channel.ts";
import {
  createWhatsAppAdapter,
  createWhatsAppInbound,
  requestBodyOf,
  type WhatsAppOptions,
} from "./adapter.ts";
import { type FakeWhatsApp, type FakeWhatsAppOptions, startFakeWhatsApp } from "./fake.ts";
import {
  answerVerification,
  canonicalWhatsAppNumber,
  parseWhatsAppWebhook,
  signWhatsAppBody,
  WHATSAPP_SIGNATURE_HEADER,
} from "./parse.ts";

const ACCOUNT = { appSecret: "app-secret-1", phoneNumberId: "106540352242922", token: "EAAG-token" };
const CITIZEN = "5511987654321";

const optionsOf = (fake: FakeWhatsApp, over: Partial<WhatsAppOptions> = {}): WhatsAppOptions => ({
  apiUrl: fake.url,
  token: ACCOUNT.token,
  phoneNumberId: ACCOUNT.phoneNumberId,
  appSecret: ACCOUNT.appSecret,
  verifyToken: "verify-me",
  ...over,
});

const message = (over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  key: "reply-42",
  to: CITIZEN,
  locale: "pt-BR",
  subject: "",
  text: "Qual é o problema?",
  ...over,
});

const choices = (n: number, title = (i: number) => `Opção ${i}`) =>
  Array.from({ length: n }, (_, i) => ({ id: `svc-${i + 1}`, title: title(i + 1) }));

/** A webhook endpoint on loopback built on the inbound adapter, as the server's route will be. */
async function startReceiver(options: WhatsAppOptions) {
  const inbound = createWhatsAppInbound(options);
  const got: InboundMessage[] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "GET") {
      const challenge = answerVerification(url.searchParams, options.verifyToken);
      res.writeHead(challenge === null ? 403 : 200, { "content-type": "text/plain" });
      return res.end(challenge ?? "forbidden");
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const request: InboundRequest = { url: url.href, headers, rawBody: Buffer.concat(chunks) };
    if (!inbound.verify(request)) return res.writeHead(401).end();
    try {
      got.push(...inbound.parse(request));
      res.writeHead(200).end("ok");
    } catch (error) {
      res.writeHead(error instanceof InboundError ? 400 : 500).end(String((error as InboundError).code));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/whatsapp`;
  return { url, got, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let fake: FakeWhatsApp;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

async function freshFake(over: Partial<FakeWhatsAppOptions> = {}) {
  await fake?.close();
  fake = await startFakeWhatsApp({ ...ACCOUNT, webhookUrl: receiver.url, ...over });
  return fake;
}

before(async () => {
  fake = await startFakeWhatsApp(ACCOUNT);
  receiver = await startReceiver(optionsOf(fake));
});
after(async () => {
  await fake.close();
  await receiver.close();
});

const parseOne = (payload: unknown) => parseWhatsAppWebhook(Buffer.from(JSON.stringify(payload)));

describe("WhatsApp webhook signatures", () => {
  it("accepts a body signed with the app secret and refuses it signed with another", async () => {
    const payload = fake.text(CITIZEN, "tem um buraco na rua");
    assert.equal((await fake.post(receiver.url, payload)).status, 200);
    assert.equal((await fake.post(receiver.url, payload, { appSecret: "other-secret" })).status, 401);
  });

  it("refuses a tampered body, a missing header and a signature of another scheme", async () => {
    const raw = JSON.stringify(fake.text(CITIZEN, "olá"));
    const signature = signWhatsAppBody(ACCOUNT.appSecret, raw);
    const tampered = raw.replace("olá", "oi!");
    assert.equal((await fake.post(receiver.url, null, { raw: tampered, signature })).status, 401);
    assert.equal((await fake.post(receiver.url, null, { raw, signature: null })).status, 401);
    const sha1 = `sha1=${createHash("sha1").update(raw).digest("hex")}`;
    assert.equal((await fake.post(receiver.url, null, { raw, signature: sha1 })).status, 401);
  });

  it("refuses everything when no app secret is configured", () => {
    const inbound = createWhatsAppInbound(optionsOf(fake, { appSecret: "" }));
    const request = { url: "http://x/", ...fake.request(fake.text(CITIZEN, "oi"), "") };
    assert.equal(inbound.verify(request), false);
  });

  it("gives a replayed body the same message ids, so the core stores it once (Meta signs no time)", () => {
    const inbound = createWhatsAppInbound(optionsOf(fake));
    const request = { url: "http://x/", ...fake.request(fake.text(CITIZEN, "oi")) };
    assert.equal(inbound.verify(request) && inbound.verify(request), true);
    assert.deepEqual(inbound.parse(request), inbound.parse(request));
  });
});

describe("the webhook verification handshake", () => {
  it("echoes Meta's challenge when the verify token is ours", async () => {
    const answer = await fake.handshake(receiver.url, "verify-me");
    assert.equal(answer.echoed, true);
  });

  it("answers null (403) to a wrong token, another mode, a missing challenge or an unset token", async () => {
    assert.equal((await fake.handshake(receiver.url, "guess")).status, 403);
    const query = { "hub.mode": "subscribe", "hub.verify_token": "t", "hub.challenge": "123" };
    assert.equal(answerVerification(query, "t"), "123");
    assert.equal(answerVerification({ ...query, "hub.mode": "unsubscribe" }, "t"), null);
    assert.equal(answerVerification({ ...query, "hub.challenge": undefined }, "t"), null);
    assert.equal(answerVerification({ ...query, "hub.verify_token": "" }, ""), null);
  });
});

describe("WhatsApp webhook payloads", () => {
  it("reads a text with the sender's profile name and time", () => {
    const at = new Date("2026-03-02T22:15:00Z");
    const payload = fake.text(CITIZEN, "boa noite tem um buraco", { name: "Ana Lima", at });
    const [m] = parseOne(payload);
    assert.equal(m?.providerMessageId, payload.entry[0]?.changes[0]?.value.messages?.[0]?.id);
    assert.deepEqual(
      { from: m?.from, name: m?.profileName, sentAt: m?.sentAt, content: m?.content },
      {
        from: CITIZEN,
        name: "Ana Lima",
        sentAt: at.toISOString(),
        content: { kind: "text", text: "boa noite tem um buraco" },
      },
    );
  });

  it("puts back the ninth digit of a Brazilian mobile whose wa_id predates it", () => {
    assert.equal(canonicalWhatsAppNumber("551187654321"), "5511987654321");
    assert.equal(canonicalWhatsAppNumber("5511987654321"), "5511987654321");
    assert.equal(canonicalWhatsAppNumber("551133334444"), "551133334444", "a landline keeps its 8 digits");
    assert.equal(canonicalWhatsAppNumber("12125550100"), "12125550100");
    const [m] = parseOne(fake.text("552187654321", "oi", { name: "Ana" }));
    assert.equal(m?.from, "5521987654321");
    assert.equal(m?.profileName, "Ana");
  });

  it("reads a shared location with its place name and address", () => {
    const [m] = parseOne(
      fake.location(CITIZEN, { lat: -23.55, lon: -46.63, name: "Praça", address: "R. Augusta, 1200" }),
    );
    assert.deepEqual(m?.content, {
      kind: "location",
      lat: -23.55,
      lon: -46.63,
      name: "Praça",
      address: "R. Augusta, 1200",
    });
  });

  it("reads photos, voice notes, videos, documents and stickers as media refs", () => {
    const photo = parseOne(
      fake.media(CITIZEN, "image", { id: "111", mimeType: "image/jpeg", caption: "aqui" }),
    )[0];
    assert.deepEqual(photo?.content, {
      kind: "media",
      media: "image",
      ref: "111",
      mimeType: "image/jpeg",
      caption: "aqui",
      fileName: undefined,
    });
    const doc = parseOne(
      fake.media(CITIZEN, "document", { id: "222", mimeType: "application/pdf", filename: "laudo.pdf" }),
    );
    assert.equal(doc[0]?.content.kind === "media" && doc[0].content.fileName, "laudo.pdf");
    const kinds = (["audio", "video", "sticker"] as const).map((kind) => {
      const [m] = parseOne(fake.media(CITIZEN, kind, { id: "333", mimeType: "x/y" }));
      return m?.content.kind === "media" ? m.content.media : undefined;
    });
    assert.deepEqual(kinds, ["audio", "video", "image"]);
  });

  it("reads button, list and template quick replies as choices answering our message", () => {
    const button = parseOne(
      fake.reply(CITIZEN, "button_reply", "svc-1", "Buraco", { context: "wamid.OURS" }),
    )[0];
    assert.deepEqual(
      [button?.content, button?.inReplyTo],
      [{ kind: "choice", id: "svc-1", title: "Buraco" }, "wamid.OURS"],
    );
    const row = parseOne(fake.reply(CITIZEN, "list_reply", "svc-7", "Poda de árvore"))[0];
    assert.deepEqual(row?.content, { kind: "choice", id: "svc-7", title: "Poda de árvore" });
    const quick = parseOne(fake.templateButton(CITIZEN, "rate-5", "Ótimo", { context: "wamid.T" }))[0];
    assert.deepEqual(quick?.content, { kind: "choice", id: "rate-5", title: "Ótimo" });
  });

  it("reads statuses as receipts with their own ids, a failure with Meta's code", () => {
    const states = ["sent", "delivered", "read"].map((s) => parseOne(fake.status("wamid.A", CITIZEN, s))[0]);
    assert.deepEqual(
      states.map((r) => [r?.providerMessageId, r?.content]),
      ["sent", "delivered", "read"].map((s) => [
        `wamid.A:${s}`,
        { kind: "receipt", providerId: "wamid.A", state: s, detail: undefined },
      ]),
    );
    const errors = [{ code: 131047, title: "Re-engagement message" }];
    const [failed] = parseOne(fake.status("wamid.B", CITIZEN, "failed", { errors }));
    assert.deepEqual(failed?.content, {
      kind: "receipt",
      providerId: "wamid.B",
      state: "failed",
      detail: "131047 Re-engagement message",
    });
    assert.equal(failed?.from, CITIZEN);
  });

  it("skips unsupported types and other fields instead of inventing a message", () => {
    assert.deepEqual(parseOne(fake.unsupported(CITIZEN)), []);
    const other = fake.text(CITIZEN, "x");
    other.entry[0]!.changes[0]!.field = "message_template_status_update";
    assert.deepEqual(parseOne(other), []);
  });

  it("reads every message of a batch in order", () => {
    const batch = fake.text(CITIZEN, "um");
    batch.entry.push(
      ...fake.text("5521999990000", "dois").entry,
      ...fake.status("wamid.C", CITIZEN, "read").entry,
    );
    assert.deepEqual(
      parseOne(batch).map((m) => m.content.kind),
      ["text", "text", "receipt"],
    );
  });

  it("refuses malformed JSON, another shape and an oversized body with InboundError", () => {
    const code = (raw: Buffer) => {
      try {
        parseWhatsAppWebhook(raw);
      } catch (error) {
        return error instanceof InboundError ? error.code : "other";
      }
      return "parsed";
    };
    assert.equal(code(Buffer.from("{not json")), "bad_json");
    assert.equal(code(Buffer.from(JSON.stringify({ object: "page", entry: [] }))), "bad_payload");
    const noId = fake.text(CITIZEN, "x");
    delete (noId.entry[0]!.changes[0]!.value.messages![0] as { id?: string }).id;
    assert.equal(code(Buffer.from(JSON.stringify(noId))), "bad_payload");
    assert.equal(code(Buffer.alloc(1024 * 1024 + 1, 32)), "too_large");
  });

  it("answers 400 with the error's code through the webhook route", async () => {
    assert.deepEqual(await fake.post(receiver.url, null, { raw: "[]" }), {
      status: 400,
      body: "bad_payload",
    });
  });
});

describe("sending WhatsApp messages", () => {
  const sendAndSee = async (m: OutgoingMessage, over: Partial<WhatsAppOptions> = {}) => {
    const sent = await createWhatsAppAdapter(optionsOf(fake, over)).send(m);
    const call = fake.calls.at(-1)!;
    assert.equal(sent.providerId, fake.messages.at(-1)?.id);
    return call;
  };

  it("posts a text to the phone number's messages with the bearer token and the key as callback data", async () => {
    await freshFake();
    const call = await sendAndSee(message({ to: `+${CITIZEN}` }));
    assert.equal(call.path, `/v21.0/${ACCOUNT.phoneNumberId}/messages`);
    assert.equal(call.authorization, `Bearer ${ACCOUNT.token}`);
    assert.deepEqual(call.body, {
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: CITIZEN,
      biz_opaque_callback_data: "reply-42",
      type: "text",
      text: { preview_url: false, body: "Qual é o problema?" },
    });
    assert.equal((await sendAndSee(message(), { version: "v23.0" })).path.split("/")[1], "v23.0");
  });

  it("offers up to three choices as reply buttons, up to ten as a list, more as numbered text", async () => {
    const three = (await sendAndSee(message({ choices: choices(3) }))).body?.interactive as Record<
      string,
      unknown
    >;
    assert.equal(three.type, "button");
    assert.deepEqual((three.action as { buttons: unknown[] }).buttons[0], {
      type: "reply",
      reply: { id: "svc-1", title: "Opção 1" },
    });
    const five = (await sendAndSee(message({ choices: choices(5) }))).body?.interactive as Record<
      string,
      unknown
    >;
    assert.deepEqual([five.type, (five.action as { button: string }).button], ["list", "Ver opções"]);
    const twelve = (await sendAndSee(message({ choices: choices(12) }))).body?.text as { body: string };
    assert.match(twelve.body, /^Qual é o problema\?\n1\. Opção 1\n2\. Opção 2\n[\s\S]*\n12\. Opção 12$/);
  });

  it("keeps choices within WhatsApp's title limits: a list past 20 characters, text past 24", () => {
    const long = (n: number) => (i: number) => `${i}`.padEnd(n, "x");
    assert.equal(
      (requestBodyOf(message({ choices: choices(2, long(21)) })).interactive as { type: string }).type,
      "list",
    );
    assert.equal(requestBodyOf(message({ choices: choices(2, long(25)) })).type, "text");
    assert.equal(requestBodyOf(message({ choices: choices(2, () => "Igual") })).type, "text");
    assert.equal(requestBodyOf(message({ text: "x".repeat(1025), choices: choices(2) })).type, "text");
  });

  it("asks for the location with WhatsApp's send-location button", async () => {
    const call = await sendAndSee(message({ text: "Onde fica?", requestLocation: true }));
    assert.deepEqual(call.body?.interactive, {
      type: "location_request_message",
      body: { text: "Onde fica?" },
      action: { name: "send_location" },
    });
  });

  it("sends an approved template with its language and body parameters", async () => {
    await freshFake({ templates: { resposta_demanda: 2 } });
    const template = { name: "resposta_demanda", language: "pt-BR", parameters: ["2026000123", "Concluída"] };
    const call = await sendAndSee(message({ template }));
    assert.deepEqual(call.body?.template, {
      name: "resposta_demanda",
      language: { code: "pt_BR" },
      components: [
        {
          type: "body",
          parameters: [
            { type: "text", text: "2026000123" },
            { type: "text", text: "Concluída" },
          ],
        },
      ],
    });
    const wrong = createWhatsAppAdapter(optionsOf(fake)).send(
      message({ template: { ...template, parameters: [] } }),
    );
    await assert.rejects(wrong, (e: DeliveryError) => e.temporary === false && /132000/.test(e.message));
  });
});

describe("WhatsApp delivery errors", () => {
  const attempt = (over: Partial<WhatsAppOptions> = {}, m = message()) =>
    createWhatsAppAdapter(optionsOf(fake, over))
      .send(m)
      .then(
        () => "sent",
        (e: DeliveryError) =>
          `${e instanceof DeliveryError ? (e.temporary ? "temporary" : "permanent") : "other"}`,
      );

  it("refuses a wrong token with Graph's 190, retried until the configuration is fixed", async () => {
    await freshFake();
    await assert.rejects(
      createWhatsAppAdapter(optionsOf(fake, { token: "stale" })).send(message()),
      /401 code 190/,
    );
    assert.equal(await attempt({ token: "stale" }), "temporary");
    assert.equal(fake.messages.length, 0);
  });

  it("gives up on a closed window and an undeliverable number, retries throttling and Meta's trouble", async () => {
    const outcomes: Record<string, string> = {};
    for (const [code, status] of [
      [131047, 400],
      [131026, 400],
      [100, 400],
      [130429, 400],
      [131056, 400],
      [80007, 400],
      [4, 403],
      [99, 503],
    ] as const) {
      fake.fail(code, { status });
      outcomes[code] = await attempt();
    }
    assert.deepEqual(outcomes, {
      131047: "permanent",
      131026: "permanent",
      100: "permanent",
      130429: "temporary",
      131056: "temporary",
      80007: "temporary",
      4: "temporary",
      99: "temporary",
    });
  });

  it("treats a provider it cannot reach as temporary", async () => {
    const gone = await startFakeWhatsApp(ACCOUNT);
    await gone.close();
    assert.equal(await attempt({ apiUrl: gone.url }), "temporary");
  });

  it("reports a closed window and an unreachable number later, as Meta does, in failed receipts", async () => {
    await freshFake({ enforceWindow: true, unreachable: ["5511900000000"] });
    const before = receiver.got.length;
    const adapter = createWhatsAppAdapter(optionsOf(fake));
    const late = await adapter.send(message());
    const nobody = await adapter.send(message({ to: "5511900000000" }));
    fake.userWrote(CITIZEN);
    const open = await adapter.send(message());
    await fake.settled();
    const receipts = receiver.got.slice(before).map((m) => m.content);
    assert.deepEqual(
      receipts.map((r) => r.kind === "receipt" && [r.providerId, r.state, r.detail?.split(" ")[0]]),
      [
        [late.providerId, "failed", "131047"],
        [nobody.providerId, "failed", "131026"],
        [open.providerId, "sent", undefined],
        [open.providerId, "delivered", undefined],
      ],
    );
  });
});

describe("WhatsApp media", () => {
  it("downloads a photo by its media id in Graph's two steps, with the token on both", async () => {
    await freshFake();
    const bytes = Buffer.from("\xff\xd8\xff\xe0 a jpeg", "latin1");
    const id = fake.addMedia(bytes, "image/jpeg");
    const inbound = createWhatsAppInbound(optionsOf(fake));
    assert.deepEqual(await inbound.fetchMedia?.(id), { bytes, mimeType: "image/jpeg" });
    assert.deepEqual(
      fake.calls.map((c) => [c.path.replace(/\/\d+$/, "/ID"), c.authorization]),
      [
        ["/v21.0/ID", `Bearer ${ACCOUNT.token}`],
        ["/whatsapp_business/attachments/", `Bearer ${ACCOUNT.token}`],
      ],
    );
  });

  it("fails for good on an unknown media id or a file over the limit", async () => {
    const inbound = createWhatsAppInbound(optionsOf(fake, { maxMediaBytes: 4 }));
    await assert.rejects(inbound.fetchMedia!("999"), (e: DeliveryError) => e.temporary === false);
    const id = fake.addMedia(Buffer.alloc(5), "image/png");
    await assert.rejects(inbound.fetchMedia!(id), (e: DeliveryError) => e.temporary === false);
  });
});

describe("the signature helper", () => {
  it("writes sha256= and the hex HMAC-SHA256 of the raw body", () => {
    const raw = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
    const header = signWhatsAppBody("secret", raw);
    assert.match(header, /^sha256=[0-9a-f]{64}$/);
    const inbound = createWhatsAppInbound(optionsOf(fake, { appSecret: "secret" }));
    const upper = `sha256=${header.slice(7).toUpperCase()}`;
    assert.equal(
      inbound.verify({ url: "", headers: { [WHATSAPP_SIGNATURE_HEADER]: upper }, rawBody: raw }),
      true,
    );
  });
});
