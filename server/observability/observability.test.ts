import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { scanDeadlines } from "../deadlines/scan.ts";
import { enqueueDue } from "../jobs/scheduler.ts";
import { runWithRequestId } from "./context.ts";
import { databaseRegistry, processRegistry, scrape } from "./metrics.ts";
import { startMetricsListener } from "./metrics-endpoint.ts";

const TOKEN = "metrics-token-of-the-test";
const { app, ctx } = await testApp({ metricsToken: TOKEN });
const { db } = ctx;

const service = await one<{ code: string; anonymous: boolean }>(
  db,
  `SELECT code, anonymous_allowed AS anonymous FROM services
    WHERE active AND attributes = '[]'::jsonb AND location_required AND anonymous_allowed
    ORDER BY code LIMIT 1`,
);

function fileDemand(requestId: string, identity: "anonymous" | "identified") {
  return app.inject({
    method: "POST",
    url: "/api/v1/demands",
    headers: { "x-request-id": requestId },
    payload: {
      service: service.code,
      description: "Buraco na calçada em frente ao número 120",
      identity,
      location: { lat: -23.5503, lon: -46.634 },
      ...(identity === "identified" ? { citizen: { name: "Pessoa", email: "pessoa@example.org" } } : {}),
    },
  });
}

/** The outbox rows written for a demand, with the request id each carries. */
async function jobsOf(protocol: string) {
  return db.query<{ job: string; request_id: string | null }>(
    `SELECT job, request_id FROM outbox
      WHERE (payload->>'demandId')::bigint = (SELECT id FROM demands WHERE protocol = $1) ORDER BY job`,
    [protocol],
  );
}

const metrics = (headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
  app.inject({ method: "GET", url: "/metrics", headers });

describe("request ids", () => {
  it("gives every answer an id, keeping a sane X-Request-Id and replacing anything else", async () => {
    const fresh = await app.inject({ method: "GET", url: "/health" });
    assert.match(String(fresh.headers["x-request-id"]), /^[0-9a-f-]{36}$/);
    const kept = await app.inject({
      method: "GET",
      url: "/health",
      headers: { "x-request-id": "lb-7f3a.42" },
    });
    assert.equal(kept.headers["x-request-id"], "lb-7f3a.42");
    for (const bad of ["two words", "x".repeat(200), '{"forged":1}', "-starts-with-dash"]) {
      const res = await app.inject({ method: "GET", url: "/health", headers: { "x-request-id": bad } });
      assert.notEqual(res.headers["x-request-id"], bad);
      assert.match(String(res.headers["x-request-id"]), /^[0-9a-f-]{36}$/);
    }
  });

  it("writes the request id on every job a request queues, in one statement or a transaction", async () => {
    const anonymous = await fileDemand("intake-anonymous-1", "anonymous");
    assert.equal(anonymous.statusCode, 201, anonymous.body);
    assert.deepEqual(await jobsOf(anonymous.json().protocol), [
      { job: "route-demand", request_id: "intake-anonymous-1" },
    ]);
    const identified = await fileDemand("intake-identified-1", "identified");
    assert.equal(identified.statusCode, 201, identified.body);
    const jobs = await jobsOf(identified.json().protocol);
    assert.deepEqual(
      jobs.map((j) => j.job),
      ["route-demand", "send-message"],
    );
    assert.ok(jobs.every((j) => j.request_id === "intake-identified-1"));
  });

  it("leaves the id empty for work queued outside a request, and never leaks one into the next", async () => {
    await runWithRequestId("inside-1", () => db.transaction((tx) => tx.query("SELECT 1")));
    // A slot long past, so the row is this test's own.
    const slot = new Date("2001-01-01T00:00:00Z");
    assert.equal(await enqueueDue(db, [{ job: "purge-expired", everySeconds: 3600 }], slot), 1);
    const row = await one<{ request_id: string | null }>(
      db,
      "SELECT request_id FROM outbox WHERE dedupe_key = $1",
      [`purge-expired@${slot.getTime() / 1000}`],
    );
    assert.equal(row.request_id, null);
  });
});

describe("metrics", () => {
  it("answers 404 without a configured token, 401 without the right one", async () => {
    const { app: closed } = await testApp();
    assert.equal((await closed.inject({ method: "GET", url: "/metrics" })).statusCode, 404);
    const none = await metrics({});
    assert.equal(none.statusCode, 401);
    assert.match(String(none.headers["www-authenticate"]), /^Bearer/);
    assert.equal((await metrics({ authorization: `Bearer ${TOKEN}x` })).statusCode, 401);
    assert.equal((await metrics({ authorization: TOKEN })).statusCode, 401);
  });

  it("counts requests per route pattern and status class, never per raw URL", async () => {
    await app.inject({ method: "GET", url: "/api/v1/demands/2026000000012" });
    await app.inject({ method: "GET", url: "/no/such/page/123" });
    const res = await metrics();
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
    const text = res.body;
    assert.match(
      text,
      /responsiva_http_requests_total\{method="GET",route="\/health",status_class="2xx"\} \d+/,
    );
    assert.match(
      text,
      /responsiva_http_request_duration_seconds_bucket\{le="0\.005",method="POST",route="\/api\/v1\/demands",status_class="2xx"\}/,
    );
    assert.match(text, /route="\/api\/v1\/demands\/:protocol",status_class="4xx"/);
    assert.match(text, /route="unmatched",status_class="4xx"/);
    assert.doesNotMatch(text, /2026000000012|no\/such/);
  });

  it("reads outbox depth and age, dead letters, deliveries and open alarms from the database", async () => {
    await db.query(
      `INSERT INTO outbox (job, payload, state, run_at) VALUES
         ('h3-metric-job', '{}', 'pending', now() - interval '90 seconds'),
         ('h3-metric-job', '{}', 'pending', now() + interval '1 hour'),
         ('h3-metric-job', '{}', 'dead', now())`,
    );
    const message = await one<{ id: number }>(
      db,
      `INSERT INTO messages (outbox_id, template, locale)
       VALUES ((SELECT max(id) FROM outbox), 'demand.received', 'pt-BR') RETURNING id`,
    );
    await db.query(
      `INSERT INTO message_attempts (message_id, channel, outcome, finished_at) VALUES
         ($1, 'email', 'sent', now()), ($1, 'email', 'temporary', now()), ($1, 'email', 'sent', now()),
         ($1, 'sms', 'sent', now() - interval '1 hour')`,
      [message.id],
    );
    await db.query(
      "INSERT INTO alarms (kind, level, dedupe_key) VALUES ('delivery_failed', 1, 'h3-metrics-test')",
    );
    // A registry of its own: the app's reuses the figures of a scrape for a few seconds.
    const text = await scrape([databaseRegistry(db)]);
    assert.match(text, /responsiva_outbox_depth\{job="h3-metric-job"\} 2\n/);
    const age = Number(
      /responsiva_outbox_oldest_age_seconds\{job="h3-metric-job"\} ([\d.]+)/.exec(text)?.[1],
    );
    assert.ok(age >= 90 && age < 120, `oldest age ${age}`);
    assert.match(text, /responsiva_outbox_dead\{job="h3-metric-job"\} 1\n/);
    assert.match(text, /responsiva_database_up 1\n/);
    assert.match(text, /responsiva_message_deliveries_recent\{channel="email",outcome="sent"\} 2\n/);
    assert.match(text, /responsiva_message_deliveries_recent\{channel="email",outcome="temporary"\} 1\n/);
    assert.doesNotMatch(text, /channel="sms"/, "an attempt older than the window is not recent");
    assert.match(text, /responsiva_alarms_open\{kind="delivery_failed",level="1"\} 1\n/);
    assert.match(text, /responsiva_db_pool_size [1-9]/);
    assert.match(text, /responsiva_db_pool_in_use \d/);
    // The route serves the process's own metrics beside them.
    const all = (await metrics()).body;
    assert.match(all, /nodejs_eventloop_lag_seconds \d/);
    assert.match(all, /process_resident_memory_bytes \d/);
    assert.match(all, /responsiva_outbox_depth/);
  });

  it("times each deadline scan", async () => {
    const before = await scrape([processRegistry()]);
    const count = (text: string) =>
      Number(/responsiva_deadline_scan_duration_seconds_count (\d+)/.exec(text)?.[1] ?? 0);
    await scanDeadlines(db);
    const afterScan = await scrape([processRegistry()]);
    assert.equal(count(afterScan), count(before) + 1);
  });

  it("serves the same figures on a listener of their own, and nothing else there", async () => {
    const listener = await startMetricsListener("127.0.0.1", 0, app.metricsRegistries);
    after(() => listener.close());
    const res = await fetch(listener.url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /responsiva_outbox_depth/);
    assert.equal((await fetch(listener.url.replace("/metrics", "/health"))).status, 404);
  });
});
