/**
 * The command line as a test sees it: its own process on a database of the test file's own, a copy of the test
 * template on both engines (a new database on PostgreSQL, a data folder unpacked from the dumped template on PGlite:
 * migrated, with the demo city's fixture scope). A city's first day on an empty folder is `emptyDataDir()`.
 */

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { connect, type Db } from "../server/db/index.ts";
import { templateBlob, testDatabaseUrl } from "./helpers.ts";

export interface Run {
  code: number | null;
  out: string;
}

/** A CLI harness for one test file: its data folder is removed after the file. */
export async function cliHarness() {
  const dataDir = mkdtempSync(join(tmpdir(), "responsiva-cli-"));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const databaseUrl = process.env.DATABASE_URL ? await testDatabaseUrl() : undefined;
  // Unpacking the template takes PGlite's start (about 2 s); migrating an empty folder takes several times that.
  if (!databaseUrl)
    await (await connect({ dataDir: `${dataDir}/pglite`, loadDataDir: templateBlob() })).close();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl ?? "",
    DATA_DIR: dataDir,
    SEED_DEMO: "never",
    LOG_LEVEL: "warn",
  };
  // On the embedded database a replica means nothing (and the configuration refuses one without DATABASE_URL).
  if (!databaseUrl) {
    delete env.DATABASE_URL;
    delete env.READ_DATABASE_URL;
  }
  const cli = [process.execPath, "--import", "tsx", "server/cli/main.ts"];
  /** Runs the CLI with `stdin` piped in (no terminal); `script` picks another entry (server/main.ts). */
  function run(args: string[], stdin = "", runEnv = env, script = cli[3]!): Promise<Run> {
    const child = spawn(cli[0]!, [...cli.slice(1, 3), script, ...args], {
      env: runEnv,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    const collect = (c: Buffer) => {
      out += c.toString();
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.stdin.end(stdin);
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, out })));
  }

  /** Runs the CLI on a terminal (a pty from util-linux `script`), typing each answer after its prompt appears. */
  function runOnTerminal(args: string[], answers: { after: string; type: string }[]): Promise<Run> {
    const command = [...cli, ...args].map((a) => `'${a}'`).join(" ");
    const child = spawn("script", ["-qec", command, "/dev/null"], { env, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let answered = 0;
    let seen = 0;
    const onData = (c: Buffer) => {
      out += c.toString();
      const next = answers[answered];
      const at = next ? out.indexOf(next.after, seen) : -1;
      if (next && at >= 0) {
        seen = at + next.after.length;
        answered++;
        child.stdin.write(next.type);
        if (answered === answers.length) setTimeout(() => child.stdin.end(), 2000);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, out })));
  }

  /** Opens this file's database for a check and closes it (PGlite's folder is one process's at a time). */
  async function withDb<T>(use: (db: Db) => Promise<T>): Promise<T> {
    const db = await connect(databaseUrl ? { databaseUrl, poolSize: 2 } : { dataDir: `${dataDir}/pglite` });
    try {
      return await use(db);
    } finally {
      await db.close();
    }
  }

  const accountOf = (email: string) =>
    withDb(async (db) => {
      const rows = await db.query<{ role: string; active: boolean; password_hash: string; sessions: number }>(
        `SELECT role, active, password_hash,
                (SELECT count(*)::int FROM staff_sessions s WHERE s.user_id = u.id) AS sessions
           FROM staff_users u WHERE email = $1`,
        [email],
      );
      return rows[0];
    });

  /** A data folder of its own with nothing in it, as on a city's first day; removed after the file. */
  function emptyDataDir(): string {
    const empty = mkdtempSync(join(tmpdir(), "responsiva-cli-empty-"));
    after(() => rmSync(empty, { recursive: true, force: true }));
    return empty;
  }

  const hasScript = spawnSync("script", ["--version"]).status === 0;
  return { dataDir, databaseUrl, env, run, runOnTerminal, withDb, accountOf, emptyDataDir, hasScript };
}
