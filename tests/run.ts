/**
 * `npm test` and `npm run test:browser`: builds the template (tests/prepare.ts), then runs the test files under
 * node:test, a few long-lived processes ("shards") at a time instead of one process per file. Each shard claims the
 * next file of the run's queue (longest first), imports it inside a describe named after it, and claims again when
 * it has ended, so a file's tests, hooks and report are as they would be in a process of its own, without paying
 * again for a process, the server's modules and PGlite's WebAssembly at every file (decision 0069). The few files
 * that change what a process holds for good (globals read at import, signals) run in processes of their own.
 *
 *   tsx tests/run.ts [--browser] [file ...]   the given files instead of every test file
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { OWN_PROCESS, QUEUE_ENV, testFiles } from "./list.ts";

const args = process.argv.slice(2);
const browser = args.includes("--browser");
const named = args.filter((a) => !a.startsWith("--"));
const files = named.length > 0 ? named : testFiles(browser);
const missing = files.filter((f) => !existsSync(f));
if (missing.length > 0) {
  console.error(`no such test file: ${missing.join(", ")}`);
  process.exit(64);
}

const prepare = spawn(process.execPath, [...process.execArgv, "tests/prepare.ts"], { stdio: "inherit" });
const prepared = await new Promise<number>((done) => prepare.on("exit", (code) => done(code ?? 1)));
if (prepared !== 0) process.exit(prepared);

// Two at a time on this project's 2-core machines; more where there are more cores (TEST_CONCURRENCY to choose).
const concurrency = Number(process.env.TEST_CONCURRENCY) || Math.min(4, Math.max(2, availableParallelism()));
const own = files.filter((f) => OWN_PROCESS.includes(f));
const shared = files.filter((f) => !OWN_PROCESS.includes(f));

mkdirSync(".cache", { recursive: true });
const run = resolve(mkdtempSync(".cache/test-run-"));
writeFileSync(join(run, "queue.json"), JSON.stringify(shared.map((f) => resolve(f))));
const shards: string[] = [];
for (let i = 1; i <= Math.min(concurrency, shared.length); i++) {
  const shard = join(run, `shard-${i}.ts`);
  writeFileSync(shard, `import ${JSON.stringify(resolve("tests/shard.ts"))};\n`);
  shards.push(shard);
}

const tsx = resolve("node_modules/.bin/tsx");
const child = spawn(
  tsx,
  [
    "--test",
    `--test-concurrency=${concurrency}`,
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=./tests/file-times.mjs",
    "--test-reporter-destination=stdout",
    // No --test-timeout: node:test would put it on a shard as a whole. Each file in a shard has FILE_TIMEOUT_MS.
    // The shards first: they drain the queue; the files of their own start as a shard ends.
    ...shards,
    ...own,
  ],
  { stdio: "inherit", env: { ...process.env, [QUEUE_ENV]: run } },
);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
const code = await new Promise<number>((done) =>
  child.on("exit", (exitCode, signal) => done(exitCode ?? (signal ? 1 : 0))),
);
rmSync(run, { recursive: true, force: true });
process.exit(code);
