/**
 * Files an agent attaches to a reply in the inbox (a form, a photo of the finished work, a notice in PDF): stored
 * like a demand's attachments (content-addressed in the attachment store, type read from the bytes), named in the
 * reply's body, and handed to providers as a link they fetch: `GET /media/replies/<token>`, where the token names
 * the reply and the file and is signed with a key of the database (signing_keys), valid for MEDIA_DAYS. WhatsApp,
 * Twilio and Telegram download the file from that link; e-mail attaches its bytes; SMS and the portal's chat show
 * the link.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { OutgoingAttachment } from "../../channels/channel.ts";
import { maybeOne, type Sql } from "../db/index.ts";
import { signingKey } from "../db/signing-keys.ts";
import { readAttachment } from "../demands/attachments.ts";
import { notFound } from "../errors.ts";
import type { AttachmentStore } from "../storage/store.ts";

/** One file of a reply, as conversation_replies.body.attachments holds it. */
export interface ReplyAttachment {
  /** The attachment store's key. */
  key: string;
  mediaType: string;
  fileName: string;
  sizeBytes: number;
}

/** At most this many files on one reply. */
export const MAX_REPLY_ATTACHMENTS = 3;

/** How long a file's link works: long enough for a citizen to open an SMS's link days later. */
export const MEDIA_DAYS = 30;

const KEY_NAME = "reply-media";

function mac(key: Buffer, replyId: number, index: number, expires: number): string {
  return createHmac("sha256", key).update(`reply-media:${replyId}:${index}:${expires}`).digest("base64url");
}

/** The signed links of a reply's files, made now, valid for MEDIA_DAYS; relative with `publicUrl` "". */
export async function replyMediaUrls(
  sql: Sql,
  publicUrl: string,
  replyId: number,
  count: number,
  now = Date.now(),
): Promise<string[]> {
  if (count === 0) return [];
  const key = await signingKey(sql, KEY_NAME);
  const expires = Math.floor(now / 1000) + MEDIA_DAYS * 24 * 3600;
  return Array.from(
    { length: count },
    (_, index) =>
      `${publicUrl}/media/replies/${replyId}.${index}.${expires}.${mac(key, replyId, index, expires)}`,
  );
}

/** A reply's files as adapters take them: the link, and the bytes for channels that attach them (e-mail). */
export async function outgoingAttachments(
  sql: Sql,
  store: AttachmentStore,
  publicUrl: string,
  replyId: number,
  files: readonly ReplyAttachment[],
  withContent: boolean,
): Promise<OutgoingAttachment[]> {
  const urls = await replyMediaUrls(sql, publicUrl, replyId, files.length);
  return Promise.all(
    files.map(async (f, i) => ({
      url: urls[i]!,
      mediaType: f.mediaType,
      fileName: f.fileName,
      ...(withContent ? { content: await bytesOf(store, f.key) } : {}),
    })),
  );
}

async function bytesOf(store: AttachmentStore, key: string): Promise<Buffer> {
  const file = await readAttachment(store, key);
  const chunks: Buffer[] = [];
  for await (const chunk of file.body) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/**
 * The file a link names, when its signature holds and it has not expired; a 404 otherwise (a guessed, altered or
 * old link learns nothing, not even that the reply exists).
 */
export async function fileOfMediaToken(sql: Sql, token: string, now = Date.now()): Promise<ReplyAttachment> {
  const gone = () => notFound(`/media/replies/${token.split(".")[0] ?? ""}`);
  const match = /^(\d{1,15})\.(\d)\.(\d{10})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) throw gone();
  const [replyId, index, expires] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (expires * 1000 < now) throw gone();
  const expected = Buffer.from(mac(await signingKey(sql, KEY_NAME), replyId, index, expires));
  const given = Buffer.from(match[4]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw gone();
  const row = await maybeOne<{ attachments: ReplyAttachment[] | null }>(
    sql,
    `SELECT r.body->'attachments' AS attachments FROM conversation_replies r
       JOIN conversations c ON c.id = r.conversation_id
      WHERE r.id = $1 AND c.address <> ''`,
    [replyId],
  );
  const file = row?.attachments?.[index];
  if (!file) throw gone();
  return file;
}

/** The links of a reply's files written into a text, for channels that carry no files (SMS) or a template. */
export function withLinks(text: string, attachments: readonly OutgoingAttachment[]): string {
  if (attachments.length === 0) return text;
  return `${attachments.map((a) => `${a.fileName}: ${a.url}`).join("\n")}\n${text}`;
}
