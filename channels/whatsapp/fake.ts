/**
 * A fake of Meta's side of WhatsApp on 127.0.0.1, for tests and the demo. As the Graph API it takes our calls on
 * the real paths (`POST /{version}/{phone-number-id}/messages`, `GET /{version}/{media-id}`, then the media URL it
 * gave), checks the bearer token and the bodies against WhatsApp's limits, answers with Graph's bodies and error
 * objects, and — like Meta — reports a closed 24-hour window (131047) or an unreachable number (131026) later, in a
 * `failed` status webhook, not in the answer. As Meta's webhook sender it builds the documented payloads (text,
 * location, media, button and list replies, template quick replies, statuses, unsupported types), signs them with
 * the app secret in `X-Hub-Signature-256`, posts them, and does the GET verification handshake.
 */
import { createHash, randomBytes, randomInt } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { graphError, refusalOf, trace } from "./fake-refusals.ts";
import type { WhatsAppChangeValue, WhatsAppMessage, WhatsAppStatus, WhatsAppWebhook } from "./parse.ts";
import { signWhatsAppBody, WHATSAPP_SIGNATURE_HEADER } from "./parse.ts";

/** The business account the fake plays. */
export interface WhatsAppAccount {
  appSecret: string;
  phoneNumberId: string;
  displayPhoneNumber?: string;
  wabaId?: string;
}

/** What our server answered Meta. */
export interface WebhookExchange {
  status: number;
  body: string;
}

const wamid = () => `wamid.${randomBytes(24).toString("base64")}`;
const seconds = (at: Date = new Date()) => String(Math.floor(at.getTime() / 1000));

const DISPLAY_NUMBER = "551131560156";
const UNSUPPORTED = {
  code: 131051,
  title: "Unsupported message type",
  message: "Message type is not currently supported",
};
type Extra = { name?: string; context?: string; at?: Date };
type MediaKind = "image" | "audio" | "video" | "document" | "sticker";
type MediaFile = { id: string; mimeType: string; sha256?: string; caption?: string; filename?: string };

/** Builds, signs and posts Meta's webhook payloads for one business account. */
export function webhookSender(account: WhatsAppAccount, onUserMessage: (waId: string) => void = () => {}) {
  const metadata = {
    display_phone_number: account.displayPhoneNumber ?? DISPLAY_NUMBER,
    phone_number_id: account.phoneNumberId,
  };
  const envelope = (value: Omit<WhatsAppChangeValue, "messaging_product" | "metadata">): WhatsAppWebhook => ({
    object: "whatsapp_business_account",
    entry: [
      {
        id: account.wabaId ?? "102290129340398",
        changes: [{ field: "messages", value: { messaging_product: "whatsapp", metadata, ...value } }],
      },
    ],
  });
  const inbound = (from: string, message: Partial<WhatsAppMessage> & { type: string }, extra: Extra = {}) => {
    onUserMessage(from);
    const context = extra.context
      ? { context: { from: metadata.display_phone_number, id: extra.context } }
      : {};
    const m = { ...context, from, id: wamid(), timestamp: seconds(extra.at), ...message };
    return envelope({
      contacts: [{ profile: { name: extra.name ?? "Maria Souza" }, wa_id: from }],
      messages: [m],
    });
  };
  const sign = (raw: string, secret = account.appSecret) => signWhatsAppBody(secret, raw);
  return {
    text: (from: string, body: string, extra?: Extra) =>
      inbound(from, { type: "text", text: { body } }, extra),
    location: (
      from: string,
      p: { lat: number; lon: number; name?: string; address?: string },
      extra?: Extra,
    ) => {
      const location = { latitude: p.lat, longitude: p.lon, name: p.name, address: p.address };
      return inbound(from, { type: "location", location }, extra);
    },
    media: (from: string, kind: MediaKind, m: MediaFile, extra?: Extra) => {
      const { id, mimeType: mime_type, sha256 = randomBytes(32).toString("base64"), caption, filename } = m;
      return inbound(from, { type: kind, [kind]: { id, mime_type, sha256, caption, filename } }, extra);
    },
    /** A tap on one of our reply buttons (`button_reply`) or list rows (`list_reply`). */
    reply: (from: string, kind: "button_reply" | "list_reply", id: string, title: string, extra?: Extra) =>
      inbound(from, { type: "interactive", interactive: { type: kind, [kind]: { id, title } } }, extra),
    /** A tap on a template's quick-reply button. */
    templateButton: (from: string, payload: string, text: string, extra?: Extra) =>
      inbound(from, { type: "button", button: { payload, text } }, extra),
    /** A message type the Cloud API does not support (Meta sends type `unknown` with error 131051). */
    unsupported: (from: string, extra?: Extra) =>
      inbound(from, { type: "unknown", errors: [UNSUPPORTED] }, extra),
    /** The status of one of our messages. */
    status: (id: string, recipient: string, status: string, more: Partial<WhatsAppStatus> = {}) =>
      envelope({ statuses: [{ id, status, timestamp: seconds(), recipient_id: recipient, ...more }] }),
    /** The headers and raw body Meta would send for `payload` (for calling an inbound adapter directly). */
    request(payload: unknown, secret?: string) {
      const raw = JSON.stringify(payload);
      return { headers: { [WHATSAPP_SIGNATURE_HEADER]: sign(raw, secret) }, rawBody: Buffer.from(raw) };
    },
    /** POSTs `payload` (or a raw body) to `url`, signed with the app secret, another secret, or a given signature. */
    async post(
      url: string,
      payload: unknown,
      opts: { raw?: string; appSecret?: string; signature?: string | null } = {},
    ): Promise<WebhookExchange> {
      const raw = opts.raw ?? JSON.stringify(payload);
      const signature = opts.signature === undefined ? sign(raw, opts.appSecret) : opts.signature;
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "facebookexternalua",
          ...(signature === null ? {} : { [WHATSAPP_SIGNATURE_HEADER]: signature }),
        },
        body: raw,
      });
      return { status: res.status, body: await res.text() };
    },
    /** Meta's GET handshake with `verifyToken`; `echoed` says whether the answer was the challenge. */
    async handshake(url: string, verifyToken: string): Promise<WebhookExchange & { echoed: boolean }> {
      const challenge = String(randomInt(1e9, 2e9));
      const target = new URL(url);
      target.searchParams.set("hub.mode", "subscribe");
      target.searchParams.set("hub.challenge", challenge);
      target.searchParams.set("hub.verify_token", verifyToken);
      const res = await fetch(target);
      const body = await res.text();
      return { status: res.status, body, echoed: res.status === 200 && body === challenge };
    },
  };
}

/** What the fake Graph API received. */
export interface GraphCall {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown> | undefined;
}

/** A Messages call the fake took in and holds open without an answer (see `hold`). */
export interface HeldCall {
  body: Record<string, unknown>;
  /** Answers it now as WhatsApp would have (the message is taken); false when the caller had already gone. */
  answer(): boolean;
  /** Resolves when the caller closed the connection before any answer: WhatsApp took no message. */
  dropped: Promise<void>;
}

/** How the fake behaves beyond the account. */
export interface FakeWhatsAppOptions extends WhatsAppAccount {
  /** The access token Graph accepts. */
  token: string;
  /** Approved templates by name, with the number of body parameters each takes; unset accepts any. */
  templates?: Record<string, number>;
  /** Numbers not on WhatsApp: messages to them are taken, then fail with 131026. */
  unreachable?: string[];
  /** Free-form messages to someone who has not written in 24 hours are taken, then fail with 131047. */
  enforceWindow?: boolean;
  /** Where status webhooks are posted (sent, delivered, failed); unset keeps them in `statuses` only. */
  webhookUrl?: string;
}

/** A running fake of Meta's WhatsApp Cloud API. */
export type FakeWhatsApp = ReturnType<typeof webhookSender> & {
  /** The Graph base URL (WHATSAPP_API_URL). */
  url: string;
  calls: GraphCall[];
  /** The messages taken, with the wamid answered. */
  messages: { id: string; body: Record<string, unknown> }[];
  /** Status webhooks produced for taken messages, in order. */
  statuses: WhatsAppWebhook[];
  /**
   * While on, every Messages call WhatsApp would take is held open unanswered and listed in `held`, as a stalled
   * Graph API would (a test kills its caller mid-send); a held call counts in `messages` only once answered.
   */
  hold(on: boolean): void;
  held: HeldCall[];
  /** Answers the next `times` Messages calls with Graph error `code` and HTTP `status`. */
  fail(code: number, options?: { status?: number; times?: number; message?: string }): void;
  /** Holds a media file; returns its media id. */
  addMedia(bytes: Buffer, mimeType: string): string;
  /** Records that `waId` wrote now (opens the 24-hour window). */
  userWrote(waId: string, at?: Date): void;
  /** Media messages' files as the fake downloaded them from their links (by the message's wamid). */
  downloaded: { id: string; link: string; bytes: Buffer; mimeType: string }[];
  /** Resolves when every status webhook produced so far has been posted (and every media link downloaded). */
  settled(): Promise<void>;
  close(): Promise<void>;
};

const DAY_MS = 24 * 60 * 60 * 1000;
const ignore = () => undefined;
async function jsonOf(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    return typeof parsed === "object" && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the fake on a free loopback port. */
export async function startFakeWhatsApp(options: FakeWhatsAppOptions): Promise<FakeWhatsApp> {
  const lastWrote = new Map<string, number>();
  const sender = webhookSender(options, (waId) => lastWrote.set(waId, Date.now()));
  const calls: GraphCall[] = [];
  const messages: { id: string; body: Record<string, unknown> }[] = [];
  const statuses: WhatsAppWebhook[] = [];
  const media = new Map<string, { bytes: Buffer; mimeType: string }>();
  let failure: { code: number; status: number; times: number; message?: string | undefined } | undefined;
  let posting: Promise<void> = Promise.resolve();
  const held: HeldCall[] = [];
  const downloaded: FakeWhatsApp["downloaded"] = [];
  const downloads: Promise<void>[] = [];
  let holding = false;
  let base = "";

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
    res.end(JSON.stringify(body));
  };

  function report(id: string, to: string, status: string, more: Partial<WhatsAppStatus> = {}) {
    const payload = sender.status(id, to, status, more);
    statuses.push(payload);
    const url = options.webhookUrl;
    // One after the other, as Meta sends a message's statuses in order; a refused post is Meta's retry, not ours.
    if (url) posting = posting.then(() => sender.post(url, payload)).then(ignore, ignore);
  }

  function take(res: ServerResponse, body: Record<string, unknown>) {
    const id = wamid();
    const to = String(body.to).replace(/^\+/, "");
    messages.push({ id, body });
    send(res, 200, {
      messaging_product: "whatsapp",
      contacts: [{ input: body.to, wa_id: to }],
      messages: [{ id }],
    });
    const callback =
      typeof body.biz_opaque_callback_data === "string" ? body.biz_opaque_callback_data : undefined;
    const more = callback ? { biz_opaque_callback_data: callback } : {};
    const wrote = lastWrote.get(to);
    const fail = (code: number, title: string, details: string) =>
      report(id, to, "failed", {
        ...more,
        errors: [{ code, title, message: title, error_data: { details } }],
      });
    if (body.type === "image" || body.type === "document") {
      // As Meta does: the file is downloaded from its link after the call was answered; a link that does not give
      // the file fails the message (131053).
      const link = String((body[body.type] as { link: string }).link);
      const got = fetch(link, { signal: AbortSignal.timeout(10_000) }).then(
        async (r) =>
          r.ok ? { bytes: Buffer.from(await r.arrayBuffer()), type: r.headers.get("content-type") } : null,
        () => null,
      );
      downloads.push(
        got.then((file) => {
          if (file) downloaded.push({ id, link, bytes: file.bytes, mimeType: file.type ?? "" });
          else fail(131053, "Media upload error", "Downloading the media from the link failed.");
          if (file) {
            report(id, to, "sent", more);
            report(id, to, "delivered", more);
          }
        }),
      );
      return;
    }
    if (options.unreachable?.includes(to)) fail(131026, "Message undeliverable", "Message Undeliverable.");
    else if (options.enforceWindow && body.type !== "template" && (!wrote || Date.now() - wrote > DAY_MS)) {
      const why =
        "Message failed to send because more than 24 hours have passed since the customer last replied";
      fail(131047, "Re-engagement message", `${why} to this number.`);
    } else {
      report(id, to, "sent", more);
      report(id, to, "delivered", more);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const body = req.method === "POST" ? await jsonOf(req) : undefined;
    const authorization = req.headers.authorization;
    calls.push({ method: req.method ?? "GET", path: url.pathname, authorization, body });
    if (!authorization) {
      return send(res, 400, graphError(104, "An access token is required to request this resource."));
    }
    if (authorization !== `Bearer ${options.token}`) {
      return send(res, 401, graphError(190, "Invalid OAuth access token - Cannot parse access token"));
    }
    if (url.pathname === "/whatsapp_business/attachments/") {
      const held = media.get(url.searchParams.get("mid") ?? "");
      if (!held) return send(res, 404, graphError(100, "Media not found"));
      res.writeHead(200, { "content-type": held.mimeType, "content-length": held.bytes.length });
      return res.end(held.bytes);
    }
    const match = /^\/(v\d+\.\d+)\/([^/]+)(\/messages)?$/.exec(url.pathname);
    const missing = (verb: string, id: string) => {
      const what = `Object with ID '${id}' does not exist, cannot be loaded due to missing permissions`;
      send(res, 400, graphError(100, `Unsupported ${verb} request. ${what}.`, { error_subcode: 33 }));
    };
    if (!match) return send(res, 400, graphError(2500, "Unknown path components"));
    const id = decodeURIComponent(match[2]!);
    if (req.method === "GET" && !match[3]) {
      const held = media.get(id);
      if (!held) return missing("get", id);
      return send(res, 200, {
        messaging_product: "whatsapp",
        url: `${base}/whatsapp_business/attachments/?mid=${id}&ext=${seconds()}&hash=${trace()}`,
        mime_type: held.mimeType,
        sha256: createHash("sha256").update(held.bytes).digest("hex"),
        file_size: held.bytes.length,
        id,
      });
    }
    if (req.method !== "POST" || !match[3])
      return send(res, 400, graphError(100, "(#100) Unsupported request"));
    if (id !== options.phoneNumberId) return missing("post", id);
    if (failure && failure.times > 0) {
      failure.times--;
      return send(
        res,
        failure.status,
        graphError(failure.code, failure.message ?? `(#${failure.code}) Failure`),
      );
    }
    if (!body) return send(res, 400, graphError(100, "(#100) The request body is not JSON"));
    const refusal = refusalOf(body, options.templates);
    if (refusal) return send(res, refusal[0], refusal[1]);
    if (holding) return keep(res, body);
    take(res, body);
  }

  function keep(res: ServerResponse, body: Record<string, unknown>) {
    let gone = false;
    const dropped = new Promise<void>((resolve) =>
      res.on("close", () => {
        if (res.writableEnded) return;
        gone = true;
        resolve();
      }),
    );
    const answer = () => {
      if (gone || res.writableEnded) return false;
      take(res, body);
      return true;
    };
    held.push({ body, answer, dropped });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => send(res, 500, graphError(1, String(error))));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    ...sender,
    url: base,
    calls,
    messages,
    statuses,
    held,
    hold(on) {
      holding = on;
    },
    fail(code, opts = {}) {
      failure = { code, status: opts.status ?? 400, times: opts.times ?? 1, message: opts.message };
    },
    addMedia(bytes, mimeType) {
      const id = String(randomInt(1e14, 2.8e14));
      media.set(id, { bytes, mimeType });
      return id;
    },
    userWrote(waId, at = new Date()) {
      lastWrote.set(waId, at.getTime());
    },
    downloaded,
    settled: async () => {
      await Promise.all(downloads);
      await posting;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
