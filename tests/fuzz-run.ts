/**
 * The runner of the fuzzer (tests/fuzz-cases.ts makes the cases): sends a case in-process and reports what is wrong
 * with the answer (a 5xx, a stack trace, a row written for a refused request), with the database probe that tells
 * whether a request wrote anything and the admin whose session admin cases carry.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Db } from "../server/db/index.ts";
import { hashToken } from "../server/http/auth.ts";
import type { FuzzRequest } from "./fuzz-cases.ts";

// A stack frame, a source path or a runtime error's name: nothing of the sort belongs in an answer.
const LEAKS = [
  /^\s*at .+(:\d+:\d+|\(native\)|\(<anonymous>\))\)?$/m,
  /(\/work\/|\/home\/|node_modules|file:\/\/\/|[\w-]+\.(ts|js|mjs):\d+)/,
  /\b(TypeError|RangeError|ReferenceError|SyntaxError|AssertionError): /,
  /\b(error: )?(invalid byte sequence|unsupported Unicode escape|syntax error at or near|violates (check|unique|foreign key) constraint)/,
];

/** Tables a refused request may legitimately write to: counters and the record of failed sign-ins. */
const MAY_CHANGE_ON_REFUSAL = new Set(["api_usage", "login_failures", "staff_sessions", "audit_log"]);

/** Watches the database for writes: the next transaction id, and the row counts of every table. */
export class WriteProbe {
  private counts = new Map<string, number>();
  private xid = "";
  private countSql = "";

  constructor(private readonly db: Db) {}

  /** Reads the first snapshot. */
  async start(): Promise<void> {
    const tables = await this.db.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'spatial_ref_sys' ORDER BY 1`,
    );
    this.countSql = tables
      .map((t) => `SELECT '${t.name}' AS name, count(*)::int AS n FROM "${t.name}"`)
      .join(" UNION ALL ");
    await this.snapshot();
  }

  private async nextXid(): Promise<string> {
    const rows = await this.db.query<{ x: string }>(
      "SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x",
    );
    return rows[0]!.x;
  }

  /** Takes the current state as the baseline. */
  async snapshot(): Promise<void> {
    this.xid = await this.nextXid();
    const rows = await this.db.query<{ name: string; n: number }>(this.countSql);
    this.counts = new Map(rows.map((r) => [r.name, Number(r.n)]));
  }

  /** Moves the baseline past any write since the last look (counted only when some transaction got an id). */
  async rebase(): Promise<void> {
    if ((await this.nextXid()) !== this.xid) await this.snapshot();
  }

  /**
   * The tables whose row count changed since the baseline, outside those a refusal may touch; counted only when
   * some transaction got an id since (a read-only request never does), so most cases cost one small query.
   */
  async changedTables(): Promise<string[]> {
    if ((await this.nextXid()) === this.xid) return [];
    const before = this.counts;
    await this.snapshot();
    return [...this.counts]
      .filter(([name, n]) => before.get(name) !== n && !MAY_CHANGE_ON_REFUSAL.has(name))
      .map(([name, n]) => `${name} ${before.get(name)}→${n}`);
  }
}

/**
 * The admin whose session admin cases carry: created for the run; when a case ends the session or demotes the user
 * (a 401 or 403), the next admin case reactivates it and signs in again.
 */
export interface FuzzAdmin {
  userId: number;
  token?: string;
}

/** Creates the run's admin. */
export async function createFuzzAdmin(db: Db): Promise<FuzzAdmin> {
  const rows = await db.query<{ id: number }>(
    `INSERT INTO staff_users (email, name, password_hash, role) VALUES ($1, 'Fuzz admin', 'not-a-hash', 'admin')
     RETURNING id`,
    [`fuzz-${randomBytes(4).toString("hex")}@test.local`],
  );
  return { userId: Number(rows[0]!.id) };
}

async function adminToken(db: Db, admin: FuzzAdmin): Promise<string> {
  if (admin.token) return admin.token;
  const token = randomBytes(24).toString("base64url");
  await db.query("UPDATE staff_users SET active = true, role = 'admin' WHERE id = $1", [admin.userId]);
  await db.query(
    "INSERT INTO staff_sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + interval '1 day')",
    [hashToken(token), admin.userId],
  );
  admin.token = token;
  return token;
}

/** What was wrong with one answer; undefined when nothing was. */
export interface Finding {
  request: string;
  status: number;
  problem: string;
  body: string;
}

const CASE_TIMEOUT_MS = 30_000;

/**
 * Sends one case and checks the answer: no 5xx, no stack trace or source path, and for a refused (4xx) request no
 * row written. Answers the status and what was wrong, if anything. The probe's baseline is moved past whatever an accepted request wrote.
 */
export async function runCase(
  app: FastifyInstance,
  probe: WriteProbe,
  request: FuzzRequest,
  admin: FuzzAdmin,
): Promise<{ status: number; finding?: Finding }> {
  const headers = { ...request.headers };
  if (request.asAdmin) headers.authorization = `Bearer ${await adminToken(app.ctx.db, admin)}`;
  await probe.rebase();
  const label = `${request.method} ${request.url.slice(0, 300)}${request.asAdmin ? " (admin)" : ""} ${
    headers["content-type"] ?? ""
  } ${typeof request.payload === "string" ? request.payload.slice(0, 300) : request.payload ? `<${request.payload.length} bytes>` : ""}`;
  let timer: NodeJS.Timeout | undefined;
  const res = await Promise.race([
    app.inject({
      method: request.method as "GET",
      url: request.url,
      headers,
      ...(request.payload !== undefined ? { payload: request.payload } : {}),
    }),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), CASE_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (!res)
    return {
      status: 0,
      finding: { request: label, status: 0, problem: `no answer in ${CASE_TIMEOUT_MS} ms`, body: "" },
    };
  if (request.asAdmin && (res.statusCode === 401 || res.statusCode === 403)) admin.token = undefined;
  const body = res.body;
  const finding = (problem: string) => ({
    status: res.statusCode,
    finding: { request: label, status: res.statusCode, problem, body: body.slice(0, 500) },
  });
  if (res.statusCode >= 500) return finding("5xx");
  const leak = LEAKS.find((re) => re.test(body));
  if (leak) return finding(`answer leaks internals (${leak.source.slice(0, 40)})`);
  if (res.statusCode >= 400) {
    const changed = await probe.changedTables();
    if (changed.length > 0) return finding(`refused but wrote: ${changed.join(", ")}`);
  }
  return { status: res.statusCode };
}
