import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { testDatabaseUrl, testDb } from "../../tests/helpers.ts";
import { parseConfig } from "../config.ts";
import { connect, type Db } from "../db/index.ts";
import { login } from "../staff/commands.ts";
import {
  findDemoAccountsWithKnownPassword,
  generatePassword,
  passwordWeakness,
  setAdministrator,
} from "../staff/first-admin.ts";
import { verifyPassword } from "../staff/passwords.ts";
import { seedDemoCity } from "./seed.ts";

// The CLI runs as its own process on this file's database: a copy of the template on PostgreSQL, an empty data
// folder on PGlite (the CLI migrates it, as on a city's first day).
const onServer = Boolean(process.env.DATABASE_URL);
const dataDir = mkdtempSync(join(tmpdir(), "responsiva-cli-"));
after(() => rmSync(dataDir, { recursive: true, force: true }));
const databaseUrl = onServer ? await testDatabaseUrl() : undefined;
const env = {
  ...process.env,
  DATABASE_URL: databaseUrl ?? "",
  DATA_DIR: dataDir,
  SEED_DEMO: "never",
  LOG_LEVEL: "warn",
};
if (!databaseUrl) delete (env as Record<string, string | undefined>).DATABASE_URL;
const cli = [process.execPath, "--import", "tsx", "server/cli/main.ts"];

interface Run {
  code: number | null;
  out: string;
}

/** Runs the CLI with `stdin` piped in (no terminal). */
function run(args: string[], stdin = ""): Promise<Run> {
  const child = spawn(cli[0]!, [...cli.slice(1), ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
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

const hasScript = spawnSync("script", ["--version"]).status === 0;

describe("create-admin", () => {
  it("creates an administrator with a strong generated password, printed once, when there is no terminal", async () => {
    const result = await run(["create-admin", "--email", "Chefe@Prefeitura.example", "--name", "Chefia"]);
    assert.equal(result.code, 0, result.out);
    const printed = result.out.match(/Password \(shown only this once[^:]*\): (\S+)/)?.[1];
    assert.ok(printed, result.out);
    assert.ok(printed.length >= 20, "long and random");
    assert.equal(result.out.split(printed).length - 1, 1, "printed exactly once");
    const account = await accountOf("chefe@prefeitura.example");
    assert.equal(account?.role, "admin");
    assert.ok(!account.password_hash.includes(printed), "only its hash is stored");
    const session = await withDb((db) =>
      login(db, { email: "chefe@prefeitura.example", password: printed, ip: "127.0.0.1" }),
    );
    assert.equal(session.staff.role, "admin");
  });

  it("refuses the demo password from a pipe and changes nothing", async () => {
    const result = await run(
      ["create-admin", "--email", "weak@prefeitura.example", "--password-stdin"],
      "responsiva-admin\n",
    );
    assert.equal(result.code, 65, result.out);
    assert.match(result.out, /Refused: the password is the demo accounts' password/);
    assert.equal(await accountOf("weak@prefeitura.example"), undefined);
  });

  it("judges as weak a short password, a demo password, the e-mail itself and a repeated character", () => {
    const email = "weak@prefeitura.example";
    assert.match(passwordWeakness("short-pass1", email) ?? "", /shorter than 12/);
    assert.match(passwordWeakness("Responsiva-Admin", email) ?? "", /demo/);
    assert.match(passwordWeakness("configured-demo-pw", email, ["Configured-Demo-PW"]) ?? "", /demo/);
    assert.match(passwordWeakness("WEAK@prefeitura.example", email) ?? "", /e-mail/);
    assert.match(passwordWeakness("abababababababab", email) ?? "", /different characters/);
    assert.equal(passwordWeakness("correct horse battery", email), undefined);
    assert.equal(passwordWeakness(generatePassword(), email), undefined, "a generated one always passes");
  });

  it("refuses a command line without a valid e-mail", async () => {
    const result = await run(["create-admin", "--email", "not-an-email", "--generate"]);
    assert.equal(result.code, 64, result.out);
    assert.match(result.out, /--email needs an e-mail address/);
  });

  it("resets an existing account to an active administrator with a new password, ending its sessions", async () => {
    const email = "reset@prefeitura.example";
    const first = await run(
      ["create-admin", "--email", email, "--password-stdin"],
      "first-Strong-passw0rd\n",
    );
    assert.equal(first.code, 0, first.out);
    await withDb(async (db) => {
      await login(db, { email, password: "first-Strong-passw0rd", ip: "127.0.0.1" });
      await db.query("UPDATE staff_users SET role = 'agent', active = false WHERE email = $1", [email]);
    });
    assert.equal((await accountOf(email))?.sessions, 1);
    const reset = await run(
      ["create-admin", "--email", email, "--password-stdin"],
      "second-Strong-passw0rd\n",
    );
    assert.equal(reset.code, 0, reset.out);
    assert.match(reset.out, /Reset the administrator/);
    const account = await accountOf(email);
    assert.equal(account?.role, "admin");
    assert.equal(account.active, true);
    assert.equal(account.sessions, 0, "sessions ended");
    assert.equal(await verifyPassword(account.password_hash, "first-Strong-passw0rd"), false);
    assert.equal(await verifyPassword(account.password_hash, "second-Strong-passw0rd"), true);
  });

  it("asks twice on a terminal without echoing the password", {
    skip: !hasScript && "needs util-linux script",
  }, async () => {
    const email = "tty@prefeitura.example";
    const secret = "Typed-on-a-terminal-42";
    const result = await runOnTerminal(
      ["create-admin", "--email", email],
      [
        { after: "New password", type: "short\r" },
        { after: "New password", type: `${secret}\r` },
        { after: "Again", type: `${secret}\r` },
      ],
    );
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /Refused: the password is shorter than 12 characters/);
    assert.match(result.out, /Created the administrator tty@prefeitura\.example/);
    assert.ok(!result.out.includes(secret), "the password is never echoed");
    const account = await accountOf(email);
    assert.equal(await verifyPassword(account!.password_hash, secret), true);
  });
});

describe("demo seed", () => {
  it("gives the demo city its staff accounts on the embedded database, and on a server only when asked", () => {
    const rule = (env: Record<string, string>) => {
      const parsed = parseConfig(env);
      if ("problems" in parsed) throw new Error(parsed.problems.join("; "));
      return parsed.config.seedDemoAccounts;
    };
    const server = "postgres://responsiva@db.example:5432/responsiva";
    assert.equal(rule({}), true, "npm start: the demo with its accounts");
    assert.equal(rule({ DATABASE_URL: server }), false, "a city's server: no known passwords");
    assert.equal(rule({ DATABASE_URL: server, SEED_DEMO_ACCOUNTS: "true" }), true);
    assert.equal(rule({ SEED_DEMO_ACCOUNTS: "false" }), false);
    assert.ok("problems" in parseConfig({ SEED_DEMO_ACCOUNTS: "yes" }));
  });

  it("loads the demo city without its staff accounts unless asked, and finds those left with the demo password", async () => {
    const db = await testDb();
    const demo = async () =>
      (
        await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM staff_users WHERE email LIKE '%@responsiva.local'",
        )
      )[0]!.n;
    await db.query(
      "DELETE FROM staff_sessions WHERE user_id IN (SELECT id FROM staff_users WHERE email LIKE '%@responsiva.local')",
    );
    await db.query("DELETE FROM staff_users WHERE email LIKE '%@responsiva.local'");
    const options = {
      sharedDataDir: process.env.SHARED_DATA_DIR ?? "../shared/data",
      scope: "fixture" as const,
    };
    await seedDemoCity(db, options);
    assert.equal(await demo(), 0);
    await seedDemoCity(db, { ...options, accounts: true });
    assert.equal(await demo(), 7);
    const known = [process.env.DEMO_ADMIN_PASSWORD ?? "responsiva-admin"];
    assert.equal(
      (await findDemoAccountsWithKnownPassword(db, known)).length,
      7,
      "each start warns about them",
    );
    await setAdministrator(db, { email: "admin@responsiva.local", password: "a-New-secret-for-the-city" });
    assert.equal(
      (await findDemoAccountsWithKnownPassword(db, known)).includes("admin@responsiva.local"),
      false,
    );
    assert.equal((await findDemoAccountsWithKnownPassword(db, known)).length, 6);
  });
});
