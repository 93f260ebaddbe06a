import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { testConfig, testDb } from "../../tests/helpers.ts";
import type { Config } from "../config.ts";
import type { Db } from "../db/index.ts";
import { startHeartbeat } from "../observability/heartbeat.ts";
import { buildApp } from "./app.ts";

const db = await testDb();

/** The test database behind a switch that makes every query fail as a lost connection would, and a query count. */
function switchable(inner: Db) {
  const state = { down: false, queries: 0 };
  const guard = () => {
    state.queries += 1;
    if (state.down) throw Object.assign(new Error("Connection terminated unexpectedly"), {});
  };
  const wrapped: Db = {
    ...inner,
    kind: inner.kind,
    query: async (text, params) => {
      guard();
      return inner.query(text, params);
    },
    transaction: async (fn) => {
      guard();
      return inner.transaction(fn);
    },
  };
  return { db: wrapped, state };
}

async function appWith(overrides: Partial<Config> = {}, over: Db = db) {
  const app = await buildApp({ db: over, config: testConfig(overrides) });
  after(() => app.close());
  return app;
}

/** The readiness verdict is reused for a second: wait it out. */
const nextVerdict = () => new Promise((resolve) => setTimeout(resolve, 1_100));

describe("health probes", () => {
  it("answers /health without touching the database", async () => {
    const { db: watched, state } = switchable(db);
    const app = await appWith({}, watched);
    await app.ready();
    state.down = true;
    const before = state.queries;
    const res = await app.inject({ method: "GET", url: "/health" });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, "ok");
    assert.equal(state.queries, before, "no query for liveness");
  });

  it("is ready when the database answers and every migration is applied", async () => {
    const app = await appWith();
    const res = await app.inject({ method: "GET", url: "/health/ready" });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().status, "ready");
  });

  it("names the database when it does not answer, in Portuguese by default", async () => {
    const { db: watched, state } = switchable(db);
    const app = await appWith({}, watched);
    await app.ready();
    state.down = true;
    const res = await app.inject({ method: "GET", url: "/health/ready" });
    assert.equal(res.statusCode, 503);
    assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
    assert.equal(res.headers["retry-after"], "5");
    const body = res.json();
    assert.equal(body.code, "not_ready");
    assert.equal(body.title, "Não está pronto");
    assert.deepEqual(
      body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`),
      ["database:unreachable"],
    );
    assert.equal(body.errors[0].detail, "O banco de dados não responde.");
  });

  it("names the migrations not applied yet", async () => {
    const app = await appWith();
    const [last] = await db.query<{ version: string; name: string; checksum: string }>(
      "DELETE FROM schema_migrations WHERE version = '0043' RETURNING version, name, checksum",
    );
    assert.ok(last);
    after(() =>
      db.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
        last.version,
        last.name,
        last.checksum,
      ]),
    );
    const res = await app.inject({
      method: "GET",
      url: "/health/ready",
      headers: { "accept-language": "en" },
    });
    assert.equal(res.statusCode, 503);
    const [problem] = res.json().errors;
    assert.equal(problem.field, "migrations");
    assert.equal(problem.detail, "Migrations not applied yet: 0043.");
  });

  it("expects a recent heartbeat of each expected role, and finds it once the role beats", async () => {
    await db.query("DELETE FROM process_heartbeats");
    const app = await appWith({ expectedRoles: ["web", "worker", "scheduler"] });
    const silent = await app.inject({ method: "GET", url: "/health/ready" });
    assert.equal(silent.statusCode, 503);
    assert.deepEqual(
      silent.json().errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`),
      ["worker:no_heartbeat", "scheduler:no_heartbeat"],
      "web is the process answering: it needs no heartbeat",
    );

    const heartbeat = startHeartbeat(db, ["worker", "scheduler"]);
    await nextVerdict();
    const alive = await app.inject({ method: "GET", url: "/health/ready" });
    assert.equal(alive.statusCode, 200, alive.body);
    const rows = await db.query<{ role: string; pid: number }>("SELECT role, pid FROM process_heartbeats");
    assert.deepEqual(rows.map((r) => r.role).sort(), ["scheduler", "worker"]);
    assert.ok(rows.every((r) => r.pid === process.pid));

    // A stopped process takes its rows with it: the role is silent again at once.
    await heartbeat.stop();
    await nextVerdict();
    const gone = await app.inject({ method: "GET", url: "/health/ready" });
    assert.equal(gone.statusCode, 503);
  });

  it("finds a role silent when its last beat is older than the window", async () => {
    const app = await appWith({ expectedRoles: ["worker"] });
    await db.query(
      `INSERT INTO process_heartbeats (process_id, role, host, pid, beat_at)
       VALUES ('old-host:1:abc:worker', 'worker', 'old-host', 1, now() - interval '2 minutes')`,
    );
    const res = await app.inject({ method: "GET", url: "/health/ready" });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().errors[0].field, "worker");
  });

  it("answers 503 at once while the process drains", async () => {
    const app = await appWith();
    assert.equal((await app.inject({ method: "GET", url: "/health/ready" })).statusCode, 200);
    app.lifecycle.draining = true;
    const res = await app.inject({
      method: "GET",
      url: "/health/ready",
      headers: { "accept-language": "es" },
    });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().errors[0].code, "shutting_down");
    assert.match(res.json().errors[0].detail, /se está deteniendo/);
    assert.equal((await app.inject({ method: "GET", url: "/health" })).statusCode, 200, "still alive");
  });
});
