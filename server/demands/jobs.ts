import { maybeOne, type Sql } from "../db/index.ts";
import { JOB_PAYLOADS } from "../jobs/payloads.ts";
import type { Job } from "../jobs/runner.ts";
import { type AttachmentStore, attachmentStoreOf } from "../storage/store.ts";

/**
 * Deletes each stored file that no attachment row points to any more; a file another demand still uses (the same
 * photo sent twice is one file) stays. A file already gone is not an error. Returns the keys deleted.
 */
export async function deleteUnreferencedFiles(
  sql: Sql,
  store: AttachmentStore,
  keys: readonly string[],
): Promise<string[]> {
  const deleted: string[] = [];
  for (const key of keys) {
    // Only keys this server made (xx/<sha256>): a payload can never name a path outside the folder.
    if (!/^[0-9a-f]{2}\/[0-9a-f]{64}$/.test(key)) continue;
    const used = await maybeOne(sql, "SELECT 1 FROM attachments WHERE storage_key = $1 LIMIT 1", [key]);
    if (used) continue;
    await store.delete(key);
    deleted.push(key);
  }
  return deleted;
}

/** Deletes the files of uploads erased with a citizen (queued by eraseCitizen, a few minutes later). */
export const deleteAttachmentFiles: Job<(typeof JOB_PAYLOADS)["delete-attachment-files"]> = {
  name: "delete-attachment-files",
  payload: JOB_PAYLOADS["delete-attachment-files"],
  maxAttempts: 5,
  async run(ctx, payload) {
    await deleteUnreferencedFiles(ctx.db, attachmentStoreOf(ctx.config), payload.keys);
  },
};
