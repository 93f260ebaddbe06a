/**
 * A fake Telegram Bot API on 127.0.0.1, for tests and the demo: the real paths (`/bot<token>/<method>`,
 * `/file/bot<token>/<file_path>`), JSON or form parameters, the `{ok, result}` and `{ok:false, error_code,
 * description, parameters}` answers with Telegram's own error texts (a wrong token is 401 Unauthorized, an unknown
 * chat 400, a chat that blocked the bot 403, flood control 429 with retry_after). It records every message sent,
 * and builds the Updates Telegram POSTs to a webhook (text, location, photo, voice, document, a button press, a
 * block) and posts them with the secret-token header.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { markupProblem } from "./fake-markup.ts";
import {
  TELEGRAM_SECRET_HEADER,
  type TelegramChat,
  type TelegramFile,
  type TelegramMessage,
  type TelegramUpdate,
  type TelegramUser,
} from "./parse.ts";

/** A message the bot sent through the fake. */
export interface FakeSentMessage {
  messageId: number;
  chatId: number;
  text: string;
  replyMarkup: Record<string, unknown> | undefined;
  /** A photo or document sent by URL, as the fake downloaded it (Telegram fetches the URL itself). */
  file?: { kind: "photo" | "document"; url: string; bytes: Buffer } | undefined;
}

/** A private chat the fake knows: the user and whether they blocked the bot. */
interface FakeChat {
  user: TelegramUser;
  blocked: boolean;
}

/** What the fake answered our webhook request with (when it posts an update). */
export interface WebhookExchange {
  status: number;
  body: string;
}

/** A running fake Bot API. */
export interface FakeTelegram {
  /** The base URL to give the adapter as `apiUrl`. */
  url: string;
  token: string;
  webhookSecret: string;
  /** Every API call, in order: method (lower case) and its parameters. */
  calls: { method: string; params: Record<string, unknown> }[];
  sent: FakeSentMessage[];
  /** A new private chat with a user (its chat id is the user's id). */
  addChat(user?: Partial<TelegramUser>): TelegramChat & { user: TelegramUser };
  /** The user blocks the bot: sendMessage answers 403 from now on. */
  block(chatId: number): void;
  /** A file the bot can download with getFile; returns its file_id. */
  addFile(bytes: Buffer, filePath: string): string;
  /** Answers the next `times` API calls with this status (429 carries `retry_after`). */
  fail(status: number, times?: number): void;
  /** Builders of the Updates Telegram sends. */
  updates: UpdateBuilders;
  /** POSTs an update to `url` as Telegram does; `secret: null` leaves the header out. */
  post(
    url: string,
    update: unknown,
    options?: { secret?: string | null; rawBody?: string },
  ): Promise<WebhookExchange>;
  close(): Promise<void>;
}

/** Builders of the documented Update shapes for a chat the fake knows. */
export interface UpdateBuilders {
  text(chatId: number, text: string, options?: { replyTo?: number }): TelegramUpdate;
  location(chatId: number, latitude: number, longitude: number): TelegramUpdate;
  photo(chatId: number, fileId: string, caption?: string): TelegramUpdate;
  voice(chatId: number, fileId: string): TelegramUpdate;
  document(chatId: number, fileId: string, fileName: string, mimeType: string): TelegramUpdate;
  /** A press on a button of the last message sent to the chat, carrying `data`. */
  press(chatId: number, data: string): TelegramUpdate;
  /** The user blocked the bot (my_chat_member, new status "kicked"). */
  blocked(chatId: number): TelegramUpdate;
  edited(chatId: number, messageId: number, text: string): TelegramUpdate;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

const refuse = (res: ServerResponse, code: number, description: string, parameters?: unknown) =>
  json(res, code, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The method's parameters: query string, then a JSON or form body (Telegram takes all of them). */
async function paramsOf(req: IncomingMessage, url: URL): Promise<Record<string, unknown> | null> {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const body = await readBody(req);
  if (!body) return params;
  const type = req.headers["content-type"] ?? "";
  if (type.startsWith("application/json")) {
    try {
      return { ...params, ...(JSON.parse(body) as Record<string, unknown>) };
    } catch {
      return null;
    }
  }
  return { ...params, ...Object.fromEntries(new URLSearchParams(body)) };
}

/** Starts a fake Bot API for the bot `token` whose webhook is set with `webhookSecret`. */
export async function startFakeTelegram(
  options: { token?: string; webhookSecret?: string } = {},
): Promise<FakeTelegram> {
  const token =
    options.token ??
    `${100_000 + Math.floor(Math.random() * 900_000)}:${randomBytes(18).toString("base64url")}`;
  const webhookSecret = options.webhookSecret ?? randomBytes(24).toString("base64url");
  const bot: TelegramUser = { id: Number(token.split(":")[0]), is_bot: true, first_name: "Responsiva" };
  const chats = new Map<number, FakeChat>();
  const files = new Map<string, { path: string; bytes: Buffer }>();
  const calls: FakeTelegram["calls"] = [];
  const sent: FakeSentMessage[] = [];
  const failures: number[] = [];
  let nextUserId = 700_000_001;
  let nextMessageId = 1;
  let nextUpdateId = 400_000_001;

  function sendMessage(res: ServerResponse, params: Record<string, unknown>) {
    const chatId = Number(params.chat_id);
    const text = typeof params.text === "string" ? params.text : "";
    if (params.chat_id === undefined || params.chat_id === "")
      return refuse(res, 400, "Bad Request: chat_id is empty");
    if (!text.trim()) return refuse(res, 400, "Bad Request: message text is empty");
    if (text.length > 4096) return refuse(res, 400, "Bad Request: message is too long");
    const chat = chats.get(chatId);
    if (!chat) return refuse(res, 400, "Bad Request: chat not found");
    if (chat.blocked) return refuse(res, 403, "Forbidden: bot was blocked by the user");
    let markup: Record<string, unknown> | undefined;
    if (params.reply_markup !== undefined) {
      let problem: string | undefined;
      try {
        problem = markupProblem(params.reply_markup);
      } catch {
        problem = "Bad Request: can't parse reply keyboard markup JSON object";
      }
      if (problem) return refuse(res, 400, problem);
      markup = (
        typeof params.reply_markup === "string" ? JSON.parse(params.reply_markup) : params.reply_markup
      ) as Record<string, unknown>;
    }
    const message: FakeSentMessage = { messageId: nextMessageId++, chatId, text, replyMarkup: markup };
    sent.push(message);
    const result: TelegramMessage = {
      message_id: message.messageId,
      from: bot,
      chat: { id: chatId, type: "private", first_name: chat.user.first_name },
      date: Math.floor(Date.now() / 1000),
      text,
      ...(markup?.inline_keyboard ? { reply_markup: markup as never } : {}),
    };
    return json(res, 200, { ok: true, result });
  }

  /** sendPhoto / sendDocument with an HTTP URL: Telegram downloads the file before it answers. */
  async function sendFile(res: ServerResponse, params: Record<string, unknown>, kind: "photo" | "document") {
    const chatId = Number(params.chat_id);
    const chat = chats.get(chatId);
    if (!chat) return refuse(res, 400, "Bad Request: chat not found");
    if (chat.blocked) return refuse(res, 403, "Forbidden: bot was blocked by the user");
    const url = params[kind];
    if (typeof url !== "string" || !/^https?:\/\//.test(url))
      return refuse(res, 400, `Bad Request: there is no ${kind} in the request`);
    const caption = typeof params.caption === "string" ? params.caption : "";
    if (caption.length > 1024) return refuse(res, 400, "Bad Request: message caption is too long");
    const got = await fetch(url, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
    if (!got?.ok) return refuse(res, 400, "Bad Request: wrong file identifier/HTTP URL specified");
    const bytes = Buffer.from(await got.arrayBuffer());
    const message: FakeSentMessage = {
      messageId: nextMessageId++,
      chatId,
      text: caption,
      replyMarkup: undefined,
      file: { kind, url, bytes },
    };
    sent.push(message);
    const result = {
      message_id: message.messageId,
      from: bot,
      chat: { id: chatId, type: "private", first_name: chat.user.first_name },
      date: Math.floor(Date.now() / 1000),
      ...(caption ? { caption } : {}),
      ...(kind === "photo"
        ? {
            photo: [
              {
                file_id: `p${message.messageId}`,
                file_unique_id: `up${message.messageId}`,
                width: 1,
                height: 1,
              },
            ],
          }
        : { document: { file_id: `d${message.messageId}`, file_unique_id: `ud${message.messageId}` } }),
    };
    return json(res, 200, { ok: true, result });
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (download) {
      const file = [...files.values()].find((f) => f.path === download[2]);
      if (download[1] !== token || !file) return refuse(res, 404, "Not Found");
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": file.bytes.length });
      return res.end(file.bytes);
    }
    const call = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!call) return refuse(res, 404, "Not Found");
    if (call[1] !== token) return refuse(res, 401, "Unauthorized");
    const params = await paramsOf(req, url);
    if (!params) return refuse(res, 400, "Bad Request: can't parse JSON object");
    const method = call[2]!.toLowerCase();
    calls.push({ method, params });
    const failure = failures.shift();
    if (failure === 429) return refuse(res, 429, "Too Many Requests: retry after 3", { retry_after: 3 });
    if (failure !== undefined)
      return refuse(res, failure, failure >= 500 ? "Internal Server Error" : "Bad Request");
    if (method === "sendmessage") return sendMessage(res, params);
    if (method === "sendphoto") return sendFile(res, params, "photo");
    if (method === "senddocument") return sendFile(res, params, "document");
    if (method === "getfile") {
      const file = files.get(String(params.file_id ?? ""));
      if (!file) return refuse(res, 400, "Bad Request: invalid file_id");
      const id = String(params.file_id);
      return json(res, 200, {
        ok: true,
        result: { file_id: id, file_unique_id: `u${id}`, file_size: file.bytes.length, file_path: file.path },
      });
    }
    if (method === "getme") return json(res, 200, { ok: true, result: bot });
    return refuse(res, 404, "Not Found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const chatOf = (chatId: number): FakeChat => {
    const chat = chats.get(chatId);
    if (!chat) throw new Error(`the fake knows no chat ${chatId}`);
    return chat;
  };
  const envelope = (chatId: number): Omit<TelegramMessage, "message_id"> => {
    const { user } = chatOf(chatId);
    return {
      from: user,
      chat: {
        id: chatId,
        type: "private",
        first_name: user.first_name,
        ...(user.last_name ? { last_name: user.last_name } : {}),
      },
      date: Math.floor(Date.now() / 1000),
    };
  };
  const message = (chatId: number, extra: Partial<TelegramMessage>): TelegramUpdate => ({
    update_id: nextUpdateId++,
    message: { message_id: nextMessageId++, ...envelope(chatId), ...extra },
  });
  const file = (fileId: string, extra: Partial<TelegramFile> = {}): TelegramFile => ({
    file_id: fileId,
    file_unique_id: `u${fileId}`,
    ...extra,
  });

  const updates: UpdateBuilders = {
    text: (chatId, text, opts = {}) =>
      message(chatId, { text, ...(opts.replyTo ? { reply_to_message: { message_id: opts.replyTo } } : {}) }),
    location: (chatId, latitude, longitude) => message(chatId, { location: { latitude, longitude } }),
    photo: (chatId, fileId, caption) =>
      message(chatId, {
        photo: [
          { ...file(`${fileId}-s`), width: 90, height: 67, file_size: 1_200 },
          { ...file(fileId), width: 1280, height: 960, file_size: 98_000 },
          { ...file(`${fileId}-m`), width: 320, height: 240, file_size: 14_000 },
        ],
        ...(caption ? { caption } : {}),
      }),
    voice: (chatId, fileId) =>
      message(chatId, { voice: file(fileId, { mime_type: "audio/ogg", file_size: 5_000 }) }),
    document: (chatId, fileId, fileName, mimeType) =>
      message(chatId, { document: file(fileId, { file_name: fileName, mime_type: mimeType }) }),
    press(chatId, data) {
      const last = sent.filter((m) => m.chatId === chatId).at(-1);
      const { user } = chatOf(chatId);
      return {
        update_id: nextUpdateId++,
        callback_query: {
          id: randomBytes(8).readBigUInt64BE().toString(),
          from: user,
          chat_instance: String(-chatId),
          data,
          ...(last
            ? {
                message: {
                  message_id: last.messageId,
                  from: bot,
                  chat: { id: chatId, type: "private", first_name: user.first_name },
                  date: Math.floor(Date.now() / 1000),
                  text: last.text,
                  ...(last.replyMarkup?.inline_keyboard ? { reply_markup: last.replyMarkup as never } : {}),
                },
              }
            : {}),
        },
      };
    },
    blocked(chatId) {
      const { user } = chatOf(chatId);
      return {
        update_id: nextUpdateId++,
        my_chat_member: {
          chat: { id: chatId, type: "private", first_name: user.first_name },
          from: user,
          date: Math.floor(Date.now() / 1000),
          old_chat_member: { status: "member", user: bot },
          new_chat_member: { status: "kicked", user: bot },
        },
      };
    },
    edited: (chatId, messageId, text) => ({
      update_id: nextUpdateId++,
      edited_message: {
        message_id: messageId,
        ...envelope(chatId),
        edit_date: Math.floor(Date.now() / 1000),
        text,
      },
    }),
  };

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    webhookSecret,
    calls,
    sent,
    addChat(user = {}) {
      const full: TelegramUser = {
        id: nextUserId++,
        is_bot: false,
        first_name: "Maria",
        language_code: "pt-br",
        ...user,
      };
      chats.set(full.id, { user: full, blocked: false });
      return { id: full.id, type: "private", first_name: full.first_name, user: full };
    },
    block(chatId) {
      chatOf(chatId).blocked = true;
    },
    addFile(bytes, filePath) {
      const id = `AgAC${randomBytes(12).toString("base64url")}`;
      files.set(id, { path: filePath, bytes });
      return id;
    },
    fail(status, times = 1) {
      for (let i = 0; i < times; i++) failures.push(status);
    },
    updates,
    async post(url, update, opts = {}) {
      const secret = opts.secret === undefined ? webhookSecret : opts.secret;
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(secret === null ? {} : { [TELEGRAM_SECRET_HEADER]: secret }),
        },
        body: opts.rawBody ?? JSON.stringify(update),
      });
      return { status: res.status, body: await res.text() };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
