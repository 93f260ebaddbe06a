/**
 * Attachments: photos and documents sent with a demand. The type is read from the content (magic bytes), never
 * from the file name or the declared type; files are stored by their SHA-256 in the attachment store (the local
 * folder under DATA_DIR or an S3-compatible bucket: server/storage/).
 */
import { createHash } from "node:crypto";
import { fileTypeFromBuffer } from "file-type";
import { AppError, serviceUnavailable } from "../errors.ts";
import type { AttachmentStore, StoredFile } from "../storage/store.ts";

/** Media types a citizen may attach, as detected from the content. */
export const ALLOWED_MEDIA_TYPES = ["image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf"];

/**
 * Media types of a photo: what every browser shows. The portal's photo field takes only these (a PDF or a HEIC sent
 * as a "photo" is refused), while API clients may still attach documents under another field name.
 */
export const PHOTO_MEDIA_TYPES = ["image/jpeg", "image/png", "image/webp"];

/** The multipart field name whose files must be photos. */
export const PHOTO_FIELD = "photos";

/** At most this many files per demand. */
export const MAX_ATTACHMENTS = 5;

/** A received file, checked and ready to store. */
export interface CheckedAttachment {
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  originalName: string | undefined;
  content: Buffer;
}

/**
 * Checks one uploaded file's size and real type (one of `allowed`: any attachment type, or photos only); throws a
 * 413 or 415 problem naming the field.
 */
export async function checkAttachment(
  content: Buffer,
  originalName: string | undefined,
  field: string,
  maxBytes: number,
  allowed: readonly string[] = ALLOWED_MEDIA_TYPES,
): Promise<CheckedAttachment> {
  if (content.length > maxBytes) {
    throw new AppError(413, "attachment_too_large", { max: Math.floor(maxBytes / 1024 / 1024) }, [
      { field, code: "attachment_too_large" },
    ]);
  }
  const detected = await fileTypeFromBuffer(content);
  const mediaType = detected?.mime === "image/heif" ? "image/heic" : detected?.mime;
  if (!mediaType || !allowed.includes(mediaType)) {
    const photosOnly = allowed === PHOTO_MEDIA_TYPES;
    throw new AppError(
      415,
      "attachment_type_not_allowed",
      { types: photosOnly ? "JPEG, PNG, WebP" : "JPEG, PNG, WebP, HEIC, PDF" },
      [
        {
          field,
          code: "attachment_type_not_allowed",
          ...(photosOnly ? { key: "fields.photo_type_not_allowed" } : {}),
        },
      ],
    );
  }
  return {
    mediaType,
    sizeBytes: content.length,
    sha256: createHash("sha256").update(content).digest("hex"),
    originalName: originalName?.slice(0, 200),
    content,
  };
}

/** The storage key of a file: content-addressed, so the same photo sent twice is stored once. */
export function storageKey(a: CheckedAttachment): string {
  return `${a.sha256.slice(0, 2)}/${a.sha256}`;
}

/**
 * Writes the file to the store before the demand's transaction, so the rows committed with the demand always point
 * at a complete file. A store that fails leaves no row; a transaction that fails leaves at most an unreferenced file.
 */
export async function storeAttachment(store: AttachmentStore, a: CheckedAttachment): Promise<string> {
  const key = storageKey(a);
  try {
    await store.put(key, a.content, a.mediaType, a.sha256);
  } catch (error) {
    // The caller may retry (a 503 with Retry-After); the operator finds the store's own answer in the log's cause.
    const unavailable = serviceUnavailable(30);
    unavailable.cause = error;
    throw unavailable;
  }
  return key;
}

/** Reads a stored file back, as a stream. */
export function readAttachment(store: AttachmentStore, key: string): Promise<StoredFile> {
  return store.get(key);
}

/** Image types a browser shows as an image (checked by magic bytes on the way in): the only ones served inline. */
const INLINE_MEDIA_TYPES = new Set(["image/jpeg", "image/png", "image/webp"]);

/**
 * The headers a user's file is served with: never sniffed as another type, under a sandboxing policy that runs
 * nothing, shown inline only when it is a verified image and downloaded otherwise (a PDF that is also HTML is
 * never rendered as a page of this site).
 */
export function attachmentHeaders(mediaType: string, name: string): Record<string, string> {
  const inline = INLINE_MEDIA_TYPES.has(mediaType);
  const extension = mediaType.split("/")[1]?.replace(/[^a-z0-9]/g, "") ?? "bin";
  const fileName = `${name.replace(/[^\w.-]/g, "_")}.${extension}`;
  return {
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
    "content-disposition": `${inline ? "inline" : "attachment"}; filename="${fileName}"`,
    "cache-control": "private, no-store",
  };
}
