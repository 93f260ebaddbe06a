/**
 * SIGTERM drains a process that plays every role: live-event streams get a `reconnect` event and end, new
 * connections are refused, a request whose body is still arriving is answered in full, and the process exits 0 well
 * within SHUTDOWN_TIMEOUT_MS, its log JSON lines with the request's id. Runs on PGlite (a copy of the test template)
 * or, with DATABASE_URL, on a database of its own.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { connect, type Db, one } from "../server/db/index.ts";
import { hashToken } from "../server/http/auth.ts";
import { testDatabaseUrl } from "./helpers.ts";
import { follow } from "./sse-client.ts";
import { CURRENT_POINTER } from "./template.ts";

const SHUTDOWN_TIMEOUT_MS = 10_000;

/** A database for the process (its environment), with an admin session whose token opens the staff stream. */
async function prepare(): Promise<{ env: Record<string, string>; token: string }> {
  let db: Db;
  let env: Record<string, string>;
  if (process.env.DATABASE_URL) {
    const url = await testDatabaseUrl();
    db = await connect({ databaseUrl: url, poolSize: 1 });
    env = { DATABASE_URL: url };
  } else {
    // The process opens DATA_DIR/pglite: the template is unpacked there, then closed for the process to take.
    const root = mkdtempSync(join(tmpdir(), "responsiva-shutdown-"));
    after(() => rmSync(root, { recursive: true, force: true }));
    const template = readFileSync(readFileSync(CURRENT_POINTER, "utf8").trim());
    db = await connect({ dataDir: join(root, "pglite"), loadDataDir: new Blob([template]) });
    env = { DATA_DIR: root };
  }
  const token = randomBytes(32).toString("base64url");
  const user = await one<{ id: number }>(
    db,
    `INSERT INTO staff_users (email, name, password_hash, role)
     VALUES ('shutdown-admin@test.local', 'Shutdown admin', 'not-a-hash', 'admin') RETURNING id`,
  );
  await db.query(
    "INSERT INTO staff_sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')",
    [hashToken(token), user.id],
  );
  await db.close();
  return { env, token };
}

/** Starts every role and resolves with its URL once it says it is up; `output` is what it wrote to stdout. */
function startProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    env: {
      ...process.env,
      ...env,
      PORT: "0",
      SEED_DEMO: "never",
      LOG_LEVEL: "info",
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise<{ child: ChildProcess; url: string; output: () => string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not up in time:\n${stdout}\n${stderr}`)), 180_000);
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      const match = /Responsiva is up on (http:\/\/[\d.:]+)/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => stdout });
      }
    });
    child.on("exit", (code) => reject(new Error(`exited with ${code}:\n${stdout}\n${stderr}`)));
  });
}

/** Sends a POST whose body arrives in two halves; resolves with the answer once `release` sends the second. */
function slowPost(url: string, path: string, body: string, headers: Record<string, string>) {
  const half = Math.floor(body.length / 2);
  let release = () => {};
  const answer = new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(`${url}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          ...headers,
        },
      });
      req.on("response", (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on("error", reject);
      req.write(body.slice(0, half));
      release = () => req.end(body.slice(half));
    },
  );
  return { answer, release: () => release() };
}

async function refusesConnections(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    return false;
  } catch {
    return true;
  }
}

describe("a SIGTERM", () => {
  it("tells streams to reconnect, finishes the request in flight and exits 0 within the bound", async () => {
    const { env, token } = await prepare();
    const { child, url, output } = await startProcess(env);
    const service = (await (await fetch(`${url}/api/v1/services`)).json()) as {
      code: string;
      anonymousAllowed: boolean;
    }[];
    const stream = await follow(`${url}/api/v1/events`, { authorization: `Bearer ${token}` });
    const code = service.find((s) => s.anonymousAllowed)?.code;
    assert.ok(code, "an anonymous service in the fixture city");
    const body = JSON.stringify({
      service: code,
      description: "Buraco na calçada em frente ao número 120",
      identity: "anonymous",
      location: { lat: -23.5503, lon: -46.634 },
    });
    const slow = slowPost(url, "/api/v1/demands", body, { "x-request-id": "slow-intake-1" });
    await new Promise((r) => setTimeout(r, 300));

    const exited = new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    const signalled = Date.now();
    child.kill("SIGTERM");

    const farewell = await stream.until((m) => m.data?.kind === "reconnect", 5000);
    assert.equal(farewell.id, undefined, "the farewell moves no client's Last-Event-ID");
    let refused = false;
    for (let i = 0; i < 20 && !refused; i++) {
      refused = await refusesConnections(url);
      if (!refused) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(refused, "new connections are refused while the request is still in flight");
    assert.equal(child.exitCode, null, "the process waits for the request in flight");

    slow.release();
    const answer = await slow.answer;
    assert.equal(answer.status, 201, answer.body);
    assert.equal(answer.headers["x-request-id"], "slow-intake-1");
    assert.match(JSON.parse(answer.body).protocol, /^\d+$/);

    const code0 = await exited;
    const took = Date.now() - signalled;
    assert.equal(code0, 0, output().slice(-3000));
    assert.ok(took < SHUTDOWN_TIMEOUT_MS, `exited after ${took} ms`);

    const lines = output()
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const completed = lines.find((l) => l.msg === "request completed" && l.requestId === "slow-intake-1");
    assert.ok(completed, "the request's log line carries its id");
    assert.equal((completed.res as { statusCode: number }).statusCode, 201);
    assert.equal((completed.req as { url: string }).url, "/api/v1/demands");
    assert.ok(lines.some((l) => l.msg === "SIGTERM: stopping"));
  });
});
