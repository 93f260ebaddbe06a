/**
 * Telegram over the Bot API (https://core.telegram.org/bots/api): replies go out with `sendMessage` as JSON,
 * choices as an inline keyboard (the pressed button comes back as a `callback_query` with its `callback_data`),
 * a location request as a one-time reply keyboard with a `request_location` button. Answers are
 * `{ok, result | error_code, description, parameters}`: flood control (429) and Telegram's own failures (5xx) are
 * temporary, a chat that does not exist (400) or a bot the citizen blocked (403) permanent. Media sent by citizens
 * are fetched with `getFile` then from `/file/bot<token>/<file_path>`. The API base URL is configurable so that the
 * fake (or a local Bot API server) stands in. The Bot API has no idempotency key: a resend after a crash between
 * Telegram's answer and our commit shows the message twice.
 */
import {
  type ChannelAdapter,
  type Choice,
  DeliveryError,
  type InboundAdapter,
  type OutgoingMessage,
} from "../channel.ts";
import { parseTelegramUpdate, telegramProviderId, verifyTelegramSecret } from "./parse.ts";

/** How to reach one bot. Values come from TELEGRAM_API_URL, TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET. */
export interface TelegramOptions {
  /** The Bot API's base URL; default https://api.telegram.org. */
  apiUrl?: string | undefined;
  /** The bot's token from @BotFather (`123456:ABC…`). */
  token: string;
  /** The `secret_token` given to setWebhook; Telegram sends it back in every webhook request. */
  webhookSecret: string;
  /** Milliseconds before a call is abandoned (default 20 s: well within a worker's lease on its outbox row). */
  timeoutMs?: number | undefined;
}

const DEFAULT_API_URL = "https://api.telegram.org";

/** sendMessage takes 1-4096 characters of text. */
const MAX_TEXT = 4096;

/** callback_data takes 1-64 bytes. */
const MAX_CALLBACK_BYTES = 64;

// The location button's label, in the message's language. It belongs with the other texts in locales/, but an
// adapter imports only channel.ts and domain/: the port would need a field for it (see the report of issue 14).
const LOCATION_LABEL: Record<string, string> = {
  "pt-BR": "📍 Enviar minha localização",
  en: "📍 Send my location",
  es: "📍 Enviar mi ubicación",
};

/** One Bot API answer. */
interface ApiAnswer<T> {
  ok: boolean;
  result?: T;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/** A refused call: the HTTP status and Telegram's answer, with the bot's token never in the text. */
function deliveryErrorOf(
  status: number,
  answer: ApiAnswer<unknown> | undefined,
  token: string,
): DeliveryError {
  const code = answer?.error_code ?? status;
  const retryAfter = answer?.parameters?.retry_after;
  const description = (answer?.description ?? `HTTP ${status}`).replaceAll(token, "<token>");
  const text = `Telegram ${code}: ${description}${retryAfter !== undefined ? ` (retry after ${retryAfter} s)` : ""}`;
  // 401 is our token, not this message: retried until someone fixes the configuration (as the e-mail adapter
  // does with a refused SMTP login). 400 (chat not found, bad markup) and 403 (blocked) never pass.
  const temporary = code === 429 || code === 401 || code >= 500;
  return new DeliveryError(text, temporary);
}

/** Calls one Bot API method with a JSON body (or GET without one); resolves with `result`. */
async function callApi<T>(options: TelegramOptions, method: string, body?: unknown): Promise<T> {
  const url = `${(options.apiUrl || DEFAULT_API_URL).replace(/\/+$/, "")}/bot${options.token}/${method}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: body === undefined ? "GET" : "POST",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.name : "error";
    throw new DeliveryError(`Telegram ${method} unreachable (${reason})`, true);
  }
  let answer: ApiAnswer<T> | undefined;
  try {
    answer = (await response.json()) as ApiAnswer<T>;
  } catch {
    answer = undefined;
  }
  if (!response.ok || !answer?.ok || answer.result === undefined) {
    throw deliveryErrorOf(response.status, answer, options.token);
  }
  return answer.result;
}

const fitsCallback = (c: Choice) =>
  c.title.length > 0 && c.id.length > 0 && Buffer.byteLength(c.id, "utf8") <= MAX_CALLBACK_BYTES;

/** The text and keyboard of a message: choices as buttons when Telegram can carry them, else a numbered list. */
export function telegramMarkup(message: OutgoingMessage): { text: string; replyMarkup: unknown } {
  const choices = message.choices ?? [];
  if (message.requestLocation) {
    // One message holds one keyboard: with a location button, the choices ride along as reply buttons whose
    // title comes back as text (the engine matches a choice by its title too).
    const label = LOCATION_LABEL[message.locale] ?? LOCATION_LABEL["pt-BR"]!;
    return {
      text: message.text,
      replyMarkup: {
        keyboard: [[{ text: label, request_location: true }], ...choices.map((c) => [{ text: c.title }])],
        one_time_keyboard: true,
        resize_keyboard: true,
      },
    };
  }
  if (choices.length > 0 && choices.every(fitsCallback)) {
    return {
      text: message.text,
      replyMarkup: { inline_keyboard: choices.map((c) => [{ text: c.title, callback_data: c.id }]) },
    };
  }
  if (choices.length > 0) {
    // An id longer than callback_data holds: the same numbered list SMS gets, read back by number.
    const list = choices.map((c, i) => `${i + 1}. ${c.title}`).join("\n");
    return { text: `${message.text}\n${list}`, replyMarkup: { remove_keyboard: true } };
  }
  // A plain message takes away a location keyboard left open by an earlier question.
  return { text: message.text, replyMarkup: { remove_keyboard: true } };
}

/** Splits a text into sendMessage-sized parts, at a line break when there is one in the second half. */
export function splitText(text: string, max = MAX_TEXT): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const newline = rest.lastIndexOf("\n", max);
    let cut = newline > max / 2 ? newline : max;
    // Never between the two halves of a surrogate pair (an emoji).
    if (/[\uD800-\uDBFF]/.test(rest.charAt(cut - 1))) cut -= 1;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, "");
  }
  parts.push(rest);
  return parts;
}

/** Files Telegram shows as a photo; others go as documents. */
const TELEGRAM_PHOTO_TYPES = new Set(["image/jpeg", "image/png", "image/webp"]);

/** The outbound Telegram adapter: one sendMessage per message (more when the text exceeds 4096 characters). */
export function createTelegramAdapter(options: Omit<TelegramOptions, "webhookSecret">): ChannelAdapter {
  const api = { ...options, webhookSecret: "" };
  return {
    channel: "telegram",
    async send(message) {
      // `to` is the chat id; numeric ids go as numbers, as Telegram documents chat_id (Integer or String).
      const chatId = /^-?\d+$/.test(message.to) ? Number(message.to) : message.to;
      // Files first, each downloaded by Telegram from its link (photos up to 5 MB, documents up to 20 MB).
      for (const file of message.attachments ?? []) {
        const photo = TELEGRAM_PHOTO_TYPES.has(file.mediaType);
        await callApi(api, photo ? "sendPhoto" : "sendDocument", {
          chat_id: chatId,
          [photo ? "photo" : "document"]: file.url,
        });
      }
      const { text, replyMarkup } = telegramMarkup(message);
      const parts = splitText(text);
      let last: { message_id: number; chat: { id: number } } | undefined;
      for (const [i, part] of parts.entries()) {
        last = await callApi(api, "sendMessage", {
          chat_id: chatId,
          text: part,
          // The keyboard goes with the last part, under the question it answers.
          ...(i === parts.length - 1 ? { reply_markup: replyMarkup } : {}),
        });
      }
      return { providerId: telegramProviderId(last!.chat?.id ?? message.to, last!.message_id) };
    },
    async close() {},
  };
}

const MIME_BY_EXTENSION: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  oga: "audio/ogg",
  ogg: "audio/ogg",
  mp3: "audio/mpeg",
  m4a: "audio/mp4",
  mp4: "video/mp4",
  pdf: "application/pdf",
};

/** The inbound Telegram adapter: the secret-token check, the Update parser and the media download. */
export function createTelegramInbound(options: TelegramOptions): InboundAdapter {
  const base = (options.apiUrl || DEFAULT_API_URL).replace(/\/+$/, "");
  return {
    channel: "telegram",
    verify: (request) => verifyTelegramSecret(options.webhookSecret, request),
    parse: (request) => parseTelegramUpdate(request.rawBody),
    async fetchMedia(ref) {
      const file = await callApi<{ file_path?: string }>(
        options,
        `getFile?file_id=${encodeURIComponent(ref)}`,
      );
      if (!file.file_path)
        throw new Error("Telegram getFile answered no file_path (file too big to download?)");
      const response = await fetch(`${base}/file/bot${options.token}/${file.file_path}`, {
        signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
      });
      if (!response.ok) throw new Error(`Telegram file download answered HTTP ${response.status}`);
      const bytes = Buffer.from(await response.arrayBuffer());
      // Telegram's file server often answers application/octet-stream: the path's extension says more.
      const extension = /\.([A-Za-z0-9]+)$/.exec(file.file_path)?.[1]?.toLowerCase() ?? "";
      const header = response.headers.get("content-type")?.split(";")[0]?.trim();
      const mimeType =
        MIME_BY_EXTENSION[extension] ??
        (header && header !== "application/octet-stream" ? header : "application/octet-stream");
      return { bytes, mimeType };
    },
  };
}
