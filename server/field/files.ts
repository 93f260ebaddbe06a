/**
 * Files from the field (issue 17): the tablet uploads each photo once, by its SHA-256, before the sync that names
 * it. A file is checked like a demand's attachment (size, and the real type read from its content), stored in the
 * attachment store under the same content-addressed key, and recorded in field_files.
 */
import type { FastifyReply } from "fastify";
import type { AppContext } from "../context.ts";
import { maybeOne } from "../db/index.ts";
import {
  attachmentHeaders,
  checkAttachment,
  PHOTO_MEDIA_TYPES,
  readAttachment,
  storeAttachment,
} from "../demands/attachments.ts";
import { notFound, unprocessable } from "../errors.ts";
import type { Staff } from "../http/auth.ts";
import { attachmentStoreOf } from "../storage/store.ts";

/** What a tablet may upload: the photos every browser shows, and recordings for voice answers. */
export const FIELD_MEDIA_TYPES = [
  ...PHOTO_MEDIA_TYPES,
  "audio/mpeg",
  "audio/ogg",
  "audio/opus",
  "audio/webm",
  "audio/mp4",
  "audio/aac",
  "audio/wav",
  "audio/x-wav",
];

/** The media types a PUT may declare (the type stored is always the one read from the content). */
export const FIELD_UPLOAD_TYPES = [
  ...FIELD_MEDIA_TYPES,
  "video/webm", // how a browser's recorder labels some audio-only recordings
  "application/octet-stream",
];

/**
 * Stores an uploaded file whose SHA-256 must be `sha256` (422 `hash_mismatch`); 413/415 as for attachments.
 * Answers whether it is new: the same file uploaded again is stored once.
 */
export async function uploadFieldFile(
  ctx: Pick<AppContext, "db" | "config">,
  staff: Staff,
  sha256: string,
  content: Buffer,
): Promise<{ created: boolean; mediaType: string; sizeBytes: number }> {
  const checked = await checkAttachment(
    content,
    undefined,
    "body",
    ctx.config.maxAttachmentBytes,
    FIELD_MEDIA_TYPES,
  );
  if (checked.sha256 !== sha256) throw unprocessable("hash_mismatch", "sha256");
  const key = await storeAttachment(attachmentStoreOf(ctx.config), checked);
  const inserted = await ctx.db.query(
    `INSERT INTO field_files (sha256, media_type, size_bytes, storage_key, uploaded_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, sha256) DO NOTHING RETURNING id`,
    [sha256, checked.mediaType, checked.sizeBytes, key, staff.id],
  );
  return { created: inserted.length > 0, mediaType: checked.mediaType, sizeBytes: checked.sizeBytes };
}

/**
 * Streams a stored field file with its media type, under the attachments' safe headers; with `uploadedBy`, only a
 * file that staff member uploaded (the tablet reads back its own photos), else 404.
 */
export async function sendFieldFile(
  ctx: Pick<AppContext, "db" | "config">,
  reply: FastifyReply,
  sha256: string,
  uploadedBy: number | undefined,
): Promise<FastifyReply> {
  const file = await maybeOne<{ media_type: string; storage_key: string; size_bytes: number }>(
    ctx.db,
    `SELECT media_type, storage_key, size_bytes FROM field_files
      WHERE sha256 = $1 AND ($2::bigint IS NULL OR uploaded_by = $2)`,
    [sha256, uploadedBy ?? null],
  );
  if (!file) throw notFound(`/api/v1/field-files/${sha256}`);
  const stored = await readAttachment(attachmentStoreOf(ctx.config), file.storage_key);
  return reply
    .type(file.media_type)
    .headers({
      ...attachmentHeaders(file.media_type, sha256.slice(0, 16)),
      "content-length": file.size_bytes,
    })
    .send(stored.body);
}
