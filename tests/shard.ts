/**
 * One shard of a test run (tests/run.ts): claims the queue's files one at a time and runs each inside a describe of
 * its own, named after the file, waiting for its last hook before it claims the next. A claim is a directory made
 * in the run's folder (mkdir either makes it or fails), so two shards never run the same file and every file runs.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { after, describe } from "node:test";
import { pathToFileURL } from "node:url";
import { QUEUE_ENV } from "./list.ts";
import { forgetProcessCaches } from "./process-caches.ts";

/**
 * How long one file may run in a shard before it fails and the shard goes on to the next: the longest file takes
 * under 2 minutes here, and a hung test is caught by this.
 */
export const FILE_TIMEOUT_MS = 600_000;

function claim(run: string, index: number): boolean {
  try {
    mkdirSync(join(run, "claims", String(index)), { recursive: false });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

const run = process.env[QUEUE_ENV];
if (run && process.argv[1]?.startsWith(run)) {
  mkdirSync(join(run, "claims"), { recursive: true });
  const queue = JSON.parse(readFileSync(join(run, "queue.json"), "utf8")) as string[];
  for (let index = 0; index < queue.length; index++) {
    if (!claim(run, index)) continue;
    const file = queue[index] as string;
    await new Promise<void>((ended) => {
      describe(relative(process.cwd(), file), { timeout: FILE_TIMEOUT_MS }, async () => {
        forgetProcessCaches();
        try {
          await import(pathToFileURL(file).href);
        } finally {
          // After the file's own `after` hooks (hooks run in the order they were made).
          after(() => ended());
        }
      });
    });
  }
  // Handles a file left open (a timer, a socket) would keep the shard alive after its last test, as node:test
  // would not wait for them in a process of their own either.
  setTimeout(() => process.exit(), 1_000).unref();
}
