/**
 * Test helpers: a fresh database per test file (a copy of the prepared template), an in-process app, and the
 * factories that build what a test needs with its parents.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { after } from "node:test";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { hashToken, type StaffRole } from "../server/access/principal.ts";
import { WINDOW_MS as RATE_WINDOW_MS } from "../server/api-keys/limiter.ts";
import { type Config, parseConfig } from "../server/config.ts";
import type { AppContext } from "../server/context.ts";
import { connect, type Db } from "../server/db/index.ts";
import { type ReplicaReader, replicaReader } from "../server/db/replica.ts";
import { buildApp } from "../server/http/app.ts";
import { CURRENT_POINTER, templatePath } from "./template.ts";

/**
 * READ_DATABASE_URL names the replica of the run's template database; each test file reads the replica of its own
 * copy (testReader). It is taken out of the environment so that processes a test starts on a database of its own
 * never inherit a replica of another database.
 */
const REPLICA_OF_TEMPLATE = process.env.READ_DATABASE_URL;
delete process.env.READ_DATABASE_URL;

/** The configuration tests run with: defaults, the run's DATABASE_URL, attachments in a temp folder. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  const parsed = parseConfig({
    DATABASE_URL: process.env.DATABASE_URL || undefined,
    DATA_DIR: `/tmp/responsiva-test-${process.pid}`,
    SHARED_DATA_DIR: process.env.SHARED_DATA_DIR ?? "../shared/data",
    LOG_LEVEL: "silent",
  });
  if ("problems" in parsed) throw new Error(parsed.problems.join("; "));
  // Scores refresh as soon as a worker runs, so a test drains right after a sync; the delay is tested by itself.
  const config = { ...parsed.config, scoreRefreshDelaySeconds: 0, ...overrides };
  // Tests send bursts no provider would take: no shared rate (0) unless a test sets one; the rates themselves are
  // tested in server/notifications/send-rate.test.ts and round-trips.test.ts.
  config.messaging = {
    ...config.messaging,
    sendRates: overrides.messaging?.sendRates ?? { whatsapp: 0, telegram: 0, sms: 0, email: 0 },
  };
  return config;
}

/**
 * A database of this test file's own, copied from the template; closed (and on PostgreSQL dropped) after the file.
 * On PostgreSQL the copy is a new database created WITH TEMPLATE the run's database.
 */
export async function testDb(): Promise<Db> {
  if (!process.env.DATABASE_URL) {
    const db = await connect({ loadDataDir: templateBlob() });
    after(() => db.close());
    return db;
  }
  const db = await connect({ databaseUrl: await testDatabaseUrl(), poolSize: 8 });
  after(() => db.close());
  return db;
}

/** PGlite's test template, a dumped data dir: the tree's own, or if sources changed since prepare ran, the one it built. */
export function templateBlob(): Blob {
  const exact = templatePath();
  const path = existsSync(exact) ? exact : readFileSync(CURRENT_POINTER, "utf8").trim();
  return new Blob([readFileSync(path)]);
}

/**
 * On PostgreSQL: a new database copied from the run's template database, dropped after the file; returns its URL
 * (for tests that start other processes on it).
 */
export async function testDatabaseUrl(): Promise<string> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("testDatabaseUrl needs DATABASE_URL");
  const base = new URL(url);
  const template = base.pathname.slice(1);
  const name = `${template}_t${process.pid}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: withDatabase(base, "postgres") });
  await admin.connect();
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      break;
    } catch (error) {
      // Another file copying the same template at the same instant: wait and try again.
      if (attempt > 20) throw error;
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
    }
  }
  await admin.end();
  // Registered before the caller's own `after` hooks run? Hooks run in order, so the drop is registered last
  // by callers that connect after this returns; FORCE ends any connection left open.
  after(async () => {
    const dropper = new pg.Client({ connectionString: withDatabase(base, "postgres") });
    await dropper.connect();
    await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await dropper.end();
  });
  return withDatabase(base, name);
}

function withDatabase(base: URL, name: string): string {
  const u = new URL(base.toString());
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Waits, if need be, until the next `ms` milliseconds fall in one window of the rate limiter (a fixed minute,
 * server/api-keys/limiter.ts): a test that counts requests up to a limit would see the count start again if the
 * minute turned halfway, as it did once on a slow machine.
 */
export async function withinOneRateWindow(ms: number): Promise<void> {
  const left = RATE_WINDOW_MS - (Date.now() % RATE_WINDOW_MS);
  if (left < ms) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/** The in-process app over a fresh test database. */
export async function testApp(
  overrides: Partial<Config> = {},
): Promise<{ app: FastifyInstance; ctx: AppContext }> {
  const { app, ctx } = await unclosedTestApp(overrides);
  after(() => app.close());
  return { app, ctx };
}

/** As testApp, but the caller closes the app (the browser tests close Chromium first: see tests/browser). */
export async function unclosedTestApp(
  overrides: Partial<Config> = {},
): Promise<{ app: FastifyInstance; ctx: AppContext }> {
  const db = await testDb();
  const config = testConfig(overrides);
  const ctx: AppContext = { db, config, reader: await testReader(db, config) };
  return { app: await buildApp(ctx), ctx };
}

/** True when the run has a streaming replica (READ_DATABASE_URL was set for it). */
export const hasReplica = (): boolean => Boolean(REPLICA_OF_TEMPLATE && process.env.DATABASE_URL);

/**
 * With READ_DATABASE_URL set (CI's PostgreSQL step points it at a streaming replica of the server), the reader of
 * this file's database on the replica: the same database name on the replica's server, once the replica has
 * replayed its creation. Undefined otherwise.
 */
export async function testReader(db: Db, config: Config): Promise<ReplicaReader | undefined> {
  const replicaUrl = REPLICA_OF_TEMPLATE;
  if (!replicaUrl || db.kind !== "postgres") return undefined;
  const [row] = await db.query<{ name: string }>("SELECT current_database() AS name");
  const url = withDatabase(new URL(replicaUrl), row!.name);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const probe = new pg.Client({ connectionString: url });
    try {
      await probe.connect();
      await probe.end();
      break;
    } catch (error) {
      await probe.end().catch(() => {});
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const reader = replicaReader(
    db,
    await connect({ databaseUrl: url, poolSize: 4 }),
    config.readReplicaMaxLagSeconds,
  );
  after(() => reader.close());
  return reader;
}

/** A signed-in staff member of `role` (in the department with `departmentCode`, if given): returns the headers. */
export async function staffHeaders(
  db: Db,
  role: StaffRole,
  departmentCode?: string,
): Promise<{ authorization: string; staffId: number }> {
  const token = randomBytes(24).toString("base64url");
  const department = departmentCode
    ? await db.query<{ id: number }>("SELECT id FROM departments WHERE code = $1", [departmentCode])
    : [];
  const user = await db.query<{ id: number }>(
    `INSERT INTO staff_users (email, name, password_hash, role, department_id)
     VALUES ($1, $2, 'not-a-real-hash', $3, $4) RETURNING id`,
    [
      `${role}-${token.slice(0, 8).toLowerCase()}@test.local`,
      `Test ${role}`,
      role,
      department[0]?.id ?? null,
    ],
  );
  await db.query(
    "INSERT INTO staff_sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')",
    [hashToken(token), user[0]!.id],
  );
  return { authorization: `Bearer ${token}`, staffId: user[0]!.id };
}

/**
 * Starts `server/main.ts --roles=web` as a child process on a free port over `databaseUrl` and resolves with its
 * base URL; the process is stopped with SIGTERM after the calling file.
 */
export function startWebProcess(databaseUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts", "--roles=web"], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: "0", SEED_DEMO: "never", LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = out.match(/up on (http:\/\/[\d.:]+)/);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, child });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

/**
 * Every written channel configured, its APIs at `apiUrl` (by default a loopback port nothing answers on): the
 * webhooks then check signatures instead of answering 503 "not configured".
 */
export function testMessaging(
  apiUrl = "http://127.0.0.1:9",
  twilioAuthToken = "test-twilio-token",
): Config["messaging"] {
  return {
    whatsapp: {
      apiUrl,
      token: "test-whatsapp-token",
      phoneNumberId: "1234567",
      appSecret: "test-whatsapp-secret",
      verifyToken: "test-verify-token",
    },
    telegram: { apiUrl, token: "123:test-telegram-token-xxxxxxxx", webhookSecret: "test-telegram-secret" },
    twilio: {
      apiUrl,
      accountSid: `AC${"0".repeat(32)}`,
      authToken: twilioAuthToken,
      smsFrom: "+5511999990000",
    },
    kannel: {
      sendsmsUrl: `${apiUrl}/cgi-bin/sendsms`,
      username: "responsiva",
      password: "test-kannel-password",
      from: "156",
      webhookSecret: "test-kannel-webhook-secret",
      maxParts: 6,
      foldToGsm: false,
    },
  };
}
