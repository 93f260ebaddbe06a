/** Attachments in a local folder: the default, for one machine (or a folder all web machines mount). */
import { createReadStream } from "node:fs";
import { mkdir, rename, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { AttachmentStore } from "./store.ts";

/** A store over the folder `root`; keys are relative paths inside it. */
export function localStore(root: string): AttachmentStore {
  return {
    kind: "local",
    async put(key, content) {
      const path = join(root, key);
      await mkdir(dirname(path), { recursive: true });
      // Written aside, then renamed: a reader sees the whole file or none.
      const partial = `${path}.${process.pid}.partial`;
      await writeFile(partial, content);
      await rename(partial, path);
    },
    async get(key) {
      const path = join(root, key);
      // Stat first, so a missing file is an error here rather than midway through the HTTP answer.
      const { size } = await stat(path);
      return { body: createReadStream(path), sizeBytes: size };
    },
    async delete(key) {
      try {
        await unlink(join(root, key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    },
  };
}
