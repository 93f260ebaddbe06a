/**
 * Telegram Bot API webhooks on the wire (https://core.telegram.org/bots/api#update). Telegram signs nothing: the
 * secret given to `setWebhook` as `secret_token` comes back in `X-Telegram-Bot-Api-Secret-Token` on every request,
 * and is compared in constant time. An `Update` carries at most one of `message`, `edited_message`,
 * `callback_query`, `my_chat_member` …; each becomes at most one normalised message keyed by `update_id`, which
 * Telegram repeats unchanged when it retries a delivery. Pure functions over node:crypto.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { InboundError, type InboundMessage, type InboundRequest } from "../channel.ts";

/** The header Telegram puts the webhook's secret token in (lower case, as the port hands headers over). */
export const TELEGRAM_SECRET_HEADER = "x-telegram-bot-api-secret-token";

/** The largest webhook body read: an update is a few kilobytes, anything near this is not Telegram. */
export const MAX_UPDATE_BYTES = 1024 * 1024;

/** A Telegram user (the sender of a message, the presser of a button). */
export interface TelegramUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

/** A chat: in a private chat its id is the user's id. */
export interface TelegramChat {
  id: number;
  type: "private" | "group" | "supergroup" | "channel";
  first_name?: string;
  last_name?: string;
  title?: string;
}

/** One size of a photo; a message's `photo` lists several, smallest first. */
export interface TelegramPhotoSize {
  file_id: string;
  file_unique_id: string;
  width: number;
  height: number;
  file_size?: number;
}

/** A voice note, audio file, video or document: what `getFile` takes is `file_id`. */
export interface TelegramFile {
  file_id: string;
  file_unique_id: string;
  mime_type?: string;
  file_name?: string;
  file_size?: number;
}

/** An inline keyboard as sent with a message (and echoed back in a callback query's message). */
export interface TelegramInlineKeyboard {
  inline_keyboard: { text: string; callback_data?: string }[][];
}

/** The parts of a Message this adapter reads. */
export interface TelegramMessage {
  message_id: number;
  from?: TelegramUser;
  chat: TelegramChat;
  date: number;
  edit_date?: number;
  text?: string;
  caption?: string;
  location?: { latitude: number; longitude: number; live_period?: number };
  venue?: { location: { latitude: number; longitude: number }; title: string; address: string };
  photo?: TelegramPhotoSize[];
  voice?: TelegramFile;
  audio?: TelegramFile;
  video?: TelegramFile;
  video_note?: TelegramFile;
  document?: TelegramFile;
  reply_to_message?: { message_id: number };
  reply_markup?: TelegramInlineKeyboard;
}

/** A press on an inline keyboard button. */
export interface TelegramCallbackQuery {
  id: string;
  from: TelegramUser;
  message?: TelegramMessage;
  chat_instance: string;
  data?: string;
}

/** The bot's own membership changed in a chat: in a private chat, "kicked" means the user blocked the bot. */
export interface TelegramChatMemberUpdated {
  chat: TelegramChat;
  from: TelegramUser;
  date: number;
  old_chat_member: { status: string; user: TelegramUser };
  new_chat_member: { status: string; user: TelegramUser };
}

/** One webhook request's body. */
export interface TelegramUpdate {
  update_id: number;
  message?: TelegramMessage;
  edited_message?: TelegramMessage;
  callback_query?: TelegramCallbackQuery;
  my_chat_member?: TelegramChatMemberUpdated;
}

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/** True when the request carries the configured secret token; an empty secret accepts nothing. */
export function verifyTelegramSecret(secret: string, request: InboundRequest): boolean {
  const given = request.headers[TELEGRAM_SECRET_HEADER];
  if (!secret || given === undefined) return false;
  // Digests first: equal lengths for timingSafeEqual, and the secret's length does not leak either.
  return timingSafeEqual(digest(given), digest(secret));
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isFile = (value: unknown): value is TelegramFile =>
  isObject(value) && typeof value.file_id === "string";

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

function isMessage(value: unknown): value is TelegramMessage {
  return (
    isObject(value) &&
    Number.isSafeInteger(value.message_id) &&
    typeof value.date === "number" &&
    isObject(value.chat) &&
    Number.isSafeInteger(value.chat.id)
  );
}

/** "Ana Souza" from first and last name; undefined when the user has neither. */
function nameOf(user: TelegramUser | undefined): string | undefined {
  const name = [user?.first_name, user?.last_name].filter((p) => typeof p === "string" && p).join(" ");
  return name || undefined;
}

/** The id `send` returned for our message `messageId` in `chatId`: replies name it in `inReplyTo`. */
export const telegramProviderId = (chatId: number | string, messageId: number) => `${chatId}:${messageId}`;

/** The largest size of a photo: `photo` lists the sizes Telegram made, the original last. */
function largest(sizes: TelegramPhotoSize[]): TelegramPhotoSize | undefined {
  const area = (p: TelegramPhotoSize) => p.file_size ?? p.width * p.height;
  return sizes
    .filter(isFile)
    .reduce<TelegramPhotoSize | undefined>((a, p) => (!a || area(p) > area(a) ? p : a), undefined);
}

function contentOf(m: TelegramMessage, edited: boolean): InboundMessage["content"] | undefined {
  const caption = m.caption || undefined;
  const point = m.venue?.location ?? m.location;
  if (point && typeof point.latitude === "number" && typeof point.longitude === "number") {
    // A live location edits its message every few seconds: only the first share is the citizen's answer.
    if (edited) return undefined;
    return {
      kind: "location",
      lat: point.latitude,
      lon: point.longitude,
      name: m.venue?.title,
      address: m.venue?.address,
    };
  }
  const photo = Array.isArray(m.photo) ? largest(m.photo) : undefined;
  if (photo) return { kind: "media", media: "image", ref: photo.file_id, caption };
  const file = (media: "image" | "audio" | "video" | "document", f: TelegramFile) => ({
    kind: "media" as const,
    media,
    ref: f.file_id,
    mimeType: f.mime_type,
    fileName: f.file_name,
    caption,
  });
  if (isFile(m.voice)) return file("audio", m.voice);
  if (isFile(m.audio)) return file("audio", m.audio);
  if (isFile(m.video)) return file("video", m.video);
  if (isFile(m.video_note)) return file("video", m.video_note);
  // A photo sent "as a file" arrives as a document: it is still the photo a service asks for.
  if (isFile(m.document))
    return file(m.document.mime_type?.startsWith("image/") ? "image" : "document", m.document);
  if (typeof m.text === "string") return { kind: "text", text: m.text };
  // Stickers, contacts, polls …: nothing the conversation can use; answered 200 so Telegram does not retry.
  return undefined;
}

function fromMessage(id: string, m: unknown, edited: boolean): InboundMessage[] {
  if (!isMessage(m))
    throw new InboundError("bad_update", "the update's message lacks message_id, date or chat.id");
  const content = contentOf(m, edited);
  if (!content) return [];
  const replyTo = m.reply_to_message?.message_id;
  return [
    {
      channel: "telegram",
      providerMessageId: id,
      from: String(m.chat.id),
      profileName: nameOf(m.from),
      sentAt: iso(edited && typeof m.edit_date === "number" ? m.edit_date : m.date),
      inReplyTo: Number.isSafeInteger(replyTo) ? telegramProviderId(m.chat.id, replyTo!) : undefined,
      content,
    },
  ];
}

function fromCallback(id: string, q: unknown, now: Date): InboundMessage[] {
  if (!isObject(q) || typeof q.id !== "string" || !isObject(q.from) || !Number.isSafeInteger(q.from.id)) {
    throw new InboundError("bad_update", "the callback_query lacks id or from.id");
  }
  const query = q as unknown as TelegramCallbackQuery;
  // A game button carries no data: nothing we offered.
  if (typeof query.data !== "string") return [];
  const message = isMessage(query.message) ? query.message : undefined;
  const title = message?.reply_markup?.inline_keyboard
    ?.flat()
    .find((b) => b.callback_data === query.data)?.text;
  return [
    {
      channel: "telegram",
      providerMessageId: id,
      from: String(message?.chat.id ?? query.from.id),
      profileName: nameOf(query.from),
      // A callback query carries no time of its own; the press is happening now.
      sentAt: now.toISOString(),
      inReplyTo: message ? telegramProviderId(message.chat.id, message.message_id) : undefined,
      content: { kind: "choice", id: query.data, title },
    },
  ];
}

function fromMembership(id: string, u: unknown): InboundMessage[] {
  if (!isObject(u) || !isObject(u.chat) || !Number.isSafeInteger(u.chat.id) || !isObject(u.new_chat_member)) {
    throw new InboundError("bad_update", "the my_chat_member update lacks chat.id or new_chat_member");
  }
  const update = u as unknown as TelegramChatMemberUpdated;
  // "kicked" is the bot blocked (private chat) or removed (group); "member" again after an unblock is not an answer.
  if (update.new_chat_member.status !== "kicked") return [];
  return [
    {
      channel: "telegram",
      providerMessageId: id,
      from: String(update.chat.id),
      profileName: nameOf(update.from),
      sentAt: iso(typeof update.date === "number" ? update.date : 0),
      content: { kind: "opt-out" },
    },
  ];
}

/**
 * Reads one webhook body into its messages (none for update kinds the conversation has no use for); an
 * `InboundError` when the body is too large, not JSON or not an Update.
 */
export function parseTelegramUpdate(rawBody: Buffer, now: Date = new Date()): InboundMessage[] {
  if (rawBody.length > MAX_UPDATE_BYTES) throw new InboundError("too_large", "the update exceeds 1 MiB");
  let update: unknown;
  try {
    update = JSON.parse(rawBody.toString("utf8"));
  } catch {
    throw new InboundError("bad_json", "the update is not JSON");
  }
  if (!isObject(update) || !Number.isSafeInteger(update.update_id)) {
    throw new InboundError("bad_update", "the body is not a Telegram Update (no update_id)");
  }
  const id = String(update.update_id);
  if (update.message !== undefined) return fromMessage(id, update.message, false);
  if (update.edited_message !== undefined) return fromMessage(id, update.edited_message, true);
  if (update.callback_query !== undefined) return fromCallback(id, update.callback_query, now);
  if (update.my_chat_member !== undefined) return fromMembership(id, update.my_chat_member);
  return [];
}
