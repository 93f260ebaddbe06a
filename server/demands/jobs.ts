/** The jobs the demands concept owns: deleting the files of erased uploads that no demand uses any more. */
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { maybeOne, type Sql } from "../db/index.ts";
import type { Job } from "../jobs/runner.ts";

/**
 * Deletes each stored file that no attachment row points to any more; a file another demand still uses (the same
 * photo sent twice is one file) stays. A file already gone is not an error. Returns the keys deleted.
 */
export async function deleteUnreferencedFiles(
  sql: Sql,
  root: string,
  keys: readonly string[],
): Promise<string[]> {
  const deleted: string[] = [];
  for (const key of keys) {
    // Only keys this server made (xx/<sha256>): a payload can never name a path outside the folder.
    if (!/^[0-9a-f]{2}\/[0-9a-f]{64}$/.test(key)) continue;
    const used = await maybeOne(sql, "SELECT 1 FROM attachments WHERE storage_key = $1 LIMIT 1", [key]);
    if (used) continue;
    try {
      await unlink(join(root, key));
      deleted.push(key);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  return deleted;
}

/** Deletes the files of uploads erased with a citizen (queued by eraseCitizen, a few minutes later). */
export const deleteAttachmentFiles: Job = {
  name: "delete-attachment-files",
  payload: z.object({ keys: z.array(z.string()) }),
  maxAttempts: 5,
  async run(ctx, payload: { keys: string[] }) {
    await deleteUnreferencedFiles(ctx.db, join(ctx.config.dataDir, "attachments"), payload.keys);
  },
};
