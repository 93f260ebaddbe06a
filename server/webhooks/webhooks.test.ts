import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, beforeEach, describe, it } from "node:test";
import pg from "pg";
import { fileDemand as fileDemandAs } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { connect, type Db, one } from "../db/index.ts";
import { runOnce, startWorker } from "../jobs/runner.ts";
import { fanOutWebhooks, subscribes } from "./fan-out.ts";
import { DELIVERY_MAX_ATTEMPTS, deliverWebhookJob } from "./jobs.ts";
import { signWebhook, type Verification, verifyWebhookSignature } from "./signature.ts";

// Praça da Sé, in the district of SÉ.
const SE = { lat: -23.5503, lon: -46.634 };
const onServer = Boolean(process.env.DATABASE_URL);

const { app, ctx } = await testApp();
const db = ctx.db;
const admin = await staffHeaders(db, "admin");
const deliver = deliverWebhookJob({ timeoutMs: 2000 });

const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND anonymous_allowed AND attributes = '[]'::jsonb
      ORDER BY code LIMIT 1`,
  )
).code;

/** One request a receiver got, with what its own check of the signature said. */
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  verified: Verification;
}

/**
 * A receiver on 127.0.0.1 that checks every request's signature (per path, with the secret the test gives it) and
 * replay window, and answers as told: 204, 500, 410, or never. It can go down (connection refused) and come back
 * on the same port. `accepted` counts the webhook-ids it took, as an idempotent receiver would.
 */
async function startReceiver() {
  let mode: "ok" | "fail" | "gone" | "hang" = "ok";
  const secrets = new Map<string, string>();
  const received: Received[] = [];
  const accepted = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const path = req.url ?? "/";
      const verified = verifyWebhookSignature({
        secret: secrets.get(path) ?? "whsec_AA==",
        headers: req.headers,
        body,
      });
      received.push({ path, headers: req.headers, body, verified });
      if (mode === "hang") return;
      if (!verified.ok) return void res.writeHead(401).end(verified.reason);
      if (mode === "fail") return void res.writeHead(500).end("down for maintenance");
      if (mode === "gone") return void res.writeHead(410).end();
      const id = String(req.headers["webhook-id"]);
      accepted.set(id, (accepted.get(id) ?? 0) + 1);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const receiver = {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    secrets,
    received,
    accepted,
    setMode(m: typeof mode) {
      mode = m;
    },
    /** Closes the port: attempts are refused until `up()`. */
    async down() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async up() {
      await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    },
    close() {
      server.closeAllConnections();
      server.close();
    },
    bodiesAt: (path: string) => received.filter((r) => r.path === path).map((r) => JSON.parse(r.body)),
  };
  return receiver;
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

const receivers: Receiver[] = [];
after(() => {
  for (const r of receivers) r.close();
});
async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

async function subscribe(r: Receiver, path: string, eventTypes: string[], active = true) {
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/webhooks",
    headers: { authorization: admin.authorization },
    payload: { url: r.url(path), eventTypes, description: `test ${path}`, active },
  });
  assert.equal(res.statusCode, 201, res.body);
  const created = res.json() as { id: number; secret: string };
  r.secrets.set(path, created.secret);
  return created;
}

/** Files a demand at the Sé through the API, anonymous unless a citizen is given. */
const fileDemand = (citizen?: { name: string; email: string }) =>
  fileDemandAs(
    { app, ctx },
    { service, description: "Poste apagado em frente ao número 12", at: SE, ...(citizen ?? {}) },
  );

async function addEvent(demandId: number, type: string, visibility: "public" | "internal", data = {}) {
  const row = await one<{ id: number }>(
    db,
    `INSERT INTO demand_events (demand_id, type, actor_kind, visibility, data)
     VALUES ($1, $2, 'system', $3, $4) RETURNING id`,
    [demandId, type, visibility, JSON.stringify(data)],
  );
  return row.id;
}

/** Fans out, then runs the delivery job until nothing is due. */
async function drain(database: Db = db) {
  await fanOutWebhooks(database);
  while ((await runOnce({ db: database, config: ctx.config }, [deliver])) > 0) {}
}

/** Time travel: every waiting delivery attempt is due now. */
async function makeRetriesDue() {
  await db.query("UPDATE outbox SET run_at = now() WHERE job = 'deliver-webhook' AND state = 'pending'");
}

async function deliveriesOf(subscriptionId: number) {
  const res = await app.inject({
    url: `/api/v1/webhooks/${subscriptionId}/deliveries?limit=200`,
    headers: { authorization: admin.authorization },
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as Array<{
    id: number;
    webhookId: string;
    eventId: number;
    eventType: string;
    state: string;
    attempts: number;
    lastStatus: number | null;
    lastError: string | null;
    nextAttemptAt: string | null;
    requestId: string | null;
  }>;
}

// Each test starts with no subscription listening and no attempt waiting, so one test's events stay its own.
beforeEach(async () => {
  await db.query("UPDATE webhook_subscriptions SET active = false");
  await db.query("UPDATE outbox SET state = 'done' WHERE job = 'deliver-webhook' AND state <> 'done'");
  for (const r of receivers) r.setMode("ok");
});

describe("webhook subscriptions", () => {
  it("rejects a URL that is not http or https, and a malformed event type, with problem+json", async () => {
    const r = await receiver();
    const post = (payload: Record<string, unknown>) =>
      app.inject({
        method: "POST",
        url: "/api/v1/webhooks",
        headers: { authorization: admin.authorization },
        payload,
      });
    for (const [url, code] of [
      ["ftp://example.org/hook", "unsupported_url_scheme"],
      ["javascript:alert(1)", "unsupported_url_scheme"],
      ["file:///etc/passwd", "unsupported_url_scheme"],
      ["not a url", "invalid_format"],
      ["https://user:pw@example.org/hook", "url_credentials_not_allowed"],
    ]) {
      const res = await post({ url, eventTypes: ["demand.created"] });
      assert.equal(res.statusCode, 400, url);
      assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
      const problem = res.json() as {
        code: string;
        errors: Array<{ field: string; code: string; detail: string }>;
      };
      assert.equal(problem.code, "invalid_input");
      assert.deepEqual(
        problem.errors.map((e) => [e.field, e.code]),
        [["url", code]],
        url,
      );
      assert.ok(problem.errors[0]!.detail.length > 0);
    }
    for (const type of ["Demand Created", "demand", "demand.", "demand.*.closed", "", "*.created"]) {
      const res = await post({ url: r.url("/x"), eventTypes: [type] });
      assert.equal(res.statusCode, 400, type);
      assert.equal((res.json() as { errors: Array<{ field: string }> }).errors[0]!.field, "eventTypes.0");
    }
    const empty = await post({ url: r.url("/x"), eventTypes: [] });
    assert.equal(empty.statusCode, 400);
    const { id } = await subscribe(r, "/x", ["demand.created"]);
    const patch = await app.inject({
      method: "PATCH",
      url: `/api/v1/webhooks/${id}`,
      headers: { authorization: admin.authorization },
      payload: { url: "gopher://example.org" },
    });
    assert.equal(patch.statusCode, 400);
    const missing = await app.inject({
      url: "/api/v1/webhooks/999999",
      headers: { authorization: admin.authorization },
    });
    assert.equal(missing.statusCode, 404);
    assert.equal((missing.json() as { code: string }).code, "unknown_webhook");
  });

  it("lets only admins manage subscriptions and read the delivery log", async () => {
    for (const role of ["supervisor", "manager", "agent"] as const) {
      const { authorization } = await staffHeaders(db, role);
      const list = await app.inject({ url: "/api/v1/webhooks", headers: { authorization } });
      assert.equal(list.statusCode, 403, role);
      const create = await app.inject({
        method: "POST",
        url: "/api/v1/webhooks",
        headers: { authorization },
        payload: { url: "https://example.org/hook", eventTypes: ["*"] },
      });
      assert.equal(create.statusCode, 403, role);
    }
    assert.equal((await app.inject({ url: "/api/v1/webhooks" })).statusCode, 401);
  });

  it("shows the secret once, delivers a signed body without personal data, and logs the delivery", async () => {
    const r = await receiver();
    const created = await subscribe(r, "/signed", ["demand.created"]);
    assert.match(created.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    const list = await app.inject({
      url: "/api/v1/webhooks",
      headers: { authorization: admin.authorization },
    });
    assert.ok(!list.body.includes(created.secret), "the secret is not shown again");
    const demand = await fileDemand({ name: "Maria Aparecida", email: "maria.aparecida@example.org" });
    await drain();
    assert.equal(r.received.length, 1);
    const [got] = r.received;
    assert.deepEqual(got!.verified, { ok: true });
    const event = await one<{ id: number }>(
      db,
      "SELECT id FROM demand_events WHERE demand_id = $1 AND type = 'demand.created'",
      [demand.id],
    );
    assert.equal(got!.headers["webhook-id"], `evt_${event.id}`);
    assert.equal(got!.headers["content-type"], "application/json");
    // The event was caused by the filing request: the delivery carries that request's id, not the fan-out's.
    const caused = await one<{ request_id: string | null }>(
      db,
      "SELECT request_id FROM demand_events WHERE id = $1",
      [event.id],
    );
    assert.match(String(caused.request_id), /^[0-9a-f-]{36}$/);
    assert.equal(got!.headers["x-request-id"], caused.request_id);
    const body = JSON.parse(got!.body);
    assert.equal(body.type, "demand.created");
    assert.equal(body.data.protocol, demand.protocol);
    assert.equal(body.data.eventId, event.id);
    assert.equal(body.data.demand.status, "new");
    assert.equal(body.data.demand.service.code, service);
    const district = await one<{ code: string; name: string }>(
      db,
      "SELECT di.code, di.name FROM demands d JOIN districts di ON di.code = d.district_code WHERE d.id = $1",
      [demand.id],
    );
    assert.deepEqual(body.data.demand.district, district);
    for (const personal of ["Maria", "maria.aparecida", "@", "Poste apagado", "-23.55", "-46.63"]) {
      assert.ok(!got!.body.includes(personal), `the body carries no ${personal}`);
    }
    // A replay outside the window, a changed body and another secret are all refused.
    const later = new Date(Date.now() + 10 * 60_000);
    assert.deepEqual(
      verifyWebhookSignature({
        secret: created.secret,
        headers: got!.headers as Record<string, string>,
        body: got!.body,
        now: later,
      }),
      { ok: false, reason: "outside_window" },
    );
    assert.deepEqual(
      verifyWebhookSignature({
        secret: created.secret,
        headers: got!.headers as Record<string, string>,
        body: got!.body.replace("demand.created", "demand.closed"),
      }),
      { ok: false, reason: "bad_signature" },
    );
    assert.deepEqual(
      verifyWebhookSignature({
        secret: "whsec_c2VjcmV0",
        headers: got!.headers as Record<string, string>,
        body: got!.body,
      }),
      { ok: false, reason: "bad_signature" },
    );
    const [delivery] = await deliveriesOf(created.id);
    assert.equal(delivery!.state, "delivered");
    assert.equal(delivery!.attempts, 1);
    assert.equal(delivery!.lastStatus, 204);
    assert.equal(delivery!.webhookId, `evt_${event.id}`);
    const detail = await app.inject({
      url: `/api/v1/webhooks/${created.id}/deliveries/${delivery!.id}`,
      headers: { authorization: admin.authorization },
    });
    const shown = detail.json() as { body: unknown; attemptLog: Array<{ status: number }> };
    assert.deepEqual(shown.body, body);
    assert.deepEqual(
      shown.attemptLog.map((a) => a.status),
      [204],
    );
  });

  it("sends the id of the staff request that caused an event as X-Request-Id, and logs it", async () => {
    const r = await receiver();
    const { id } = await subscribe(r, "/traced", ["demand.cancelled"]);
    const demand = await fileDemand();
    const agent = await staffHeaders(db, "agent");
    const cancel = await app.inject({
      method: "POST",
      url: `/api/v1/demands/${demand.protocol}/cancel`,
      headers: { authorization: agent.authorization, "x-request-id": "h13-cancel-5e1d" },
      payload: { reason: "Trote: endereço inexistente." },
    });
    assert.equal(cancel.statusCode, 204, cancel.body);
    await drain();
    assert.deepEqual(
      r.received.map((x) => [JSON.parse(x.body).type, x.headers["x-request-id"]]),
      [["demand.cancelled", "h13-cancel-5e1d"]],
    );
    const [delivery] = await deliveriesOf(id);
    assert.equal(delivery!.requestId, "h13-cancel-5e1d");
    // An event no request caused (the scheduler's, a script's) carries none: its attempts send the job's own id.
    await addEvent(demand.id, "demand.cancelled", "public");
    await drain();
    const [untraced] = await deliveriesOf(id);
    assert.equal(untraced!.requestId, null);
    assert.match(String(r.received.at(-1)!.headers["x-request-id"]), /^job-\d+$/);
  });

  it("signs with both secrets for a while after a rotation", async () => {
    const r = await receiver();
    const created = await subscribe(r, "/rotated", ["demand.*"]);
    const rotated = await app.inject({
      method: "POST",
      url: `/api/v1/webhooks/${created.id}/rotate-secret`,
      headers: { authorization: admin.authorization },
    });
    assert.equal(rotated.statusCode, 200, rotated.body);
    const { secret, previousSecretUntil } = rotated.json() as { secret: string; previousSecretUntil: string };
    assert.notEqual(secret, created.secret);
    assert.ok(Date.parse(previousSecretUntil) > Date.now() + 23 * 3600_000);
    await fileDemand();
    await drain();
    const [got] = r.received;
    assert.equal(String(got!.headers["webhook-signature"]).split(" ").length, 2);
    for (const s of [secret, created.secret]) {
      assert.deepEqual(
        verifyWebhookSignature({
          secret: s,
          headers: got!.headers as Record<string, string>,
          body: got!.body,
        }),
        {
          ok: true,
        },
      );
    }
  });
});

describe("signature", () => {
  // The published test vector of the Standard Webhooks libraries: any of them can verify what we send.
  const vector = {
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    headers: {
      "Webhook-Id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "Webhook-Timestamp": "1614265330",
      "Webhook-Signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    },
    body: '{"test": 2432232314}',
  };

  it("reproduces the Standard Webhooks reference signature and verifies it inside the window only", () => {
    assert.equal(
      signWebhook(vector.secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, vector.body),
      vector.headers["Webhook-Signature"],
    );
    assert.deepEqual(verifyWebhookSignature({ ...vector, now: new Date(1614265330_000 + 60_000) }), {
      ok: true,
    });
    assert.deepEqual(verifyWebhookSignature({ ...vector, now: new Date(1614265330_000 + 301_000) }), {
      ok: false,
      reason: "outside_window",
    });
    assert.deepEqual(verifyWebhookSignature({ ...vector, now: new Date(1614265330_000 - 301_000) }), {
      ok: false,
      reason: "outside_window",
    });
    assert.deepEqual(verifyWebhookSignature({ ...vector, headers: { "webhook-id": "x" } }), {
      ok: false,
      reason: "missing_headers",
    });
    const other = { ...vector.headers, "Webhook-Signature": "v1a,abc v2,xyz" };
    assert.deepEqual(verifyWebhookSignature({ ...vector, headers: other, now: new Date(1614265330_000) }), {
      ok: false,
      reason: "bad_signature",
    });
  });
});

describe("fan-out", () => {
  it("matches event types exactly, by prefix and by wildcard", () => {
    assert.ok(subscribes(["demand.closed"], "demand.closed"));
    assert.ok(!subscribes(["demand.closed"], "demand.closed_by_import"));
    assert.ok(subscribes(["demand.*"], "demand.closed"));
    assert.ok(!subscribes(["demand.*"], "demandx.closed"));
    assert.ok(!subscribes(["demand.*"], "answer.delivered"));
    assert.ok(subscribes(["*"], "answer.delivered"));
  });

  it("sends each subscription only the public event types it asked for", async () => {
    const r = await receiver();
    await subscribe(r, "/created", ["demand.created"]);
    await subscribe(r, "/demand", ["demand.*"]);
    await subscribe(r, "/answer", ["answer.delivered"]);
    await subscribe(r, "/paused", ["*"], false);
    const demand = await fileDemand();
    await addEvent(demand.id, "demand.queued", "internal");
    await addEvent(demand.id, "demand.closed", "public", { outcome: "solved" });
    await addEvent(demand.id, "answer.delivered", "public", { means: "phone" });
    await addEvent(demand.id, "message.sent", "public", { channel: "email" });
    await drain();
    const types = (path: string) => r.bodiesAt(path).map((b: { type: string }) => b.type);
    assert.deepEqual(types("/created"), ["demand.created"]);
    assert.deepEqual(types("/demand").sort(), ["demand.closed", "demand.created"]);
    assert.deepEqual(types("/answer"), ["answer.delivered"]);
    assert.deepEqual(types("/paused"), []);
    assert.ok(r.received.every((x) => x.verified.ok));
    assert.deepEqual(r.bodiesAt("/answer")[0].data.details, { means: "phone" });
  });

  it("writes one delivery per event even when two workers fan out and deliver at once", async () => {
    const r = await receiver();
    const { id } = await subscribe(r, "/busy", ["*"]);
    const demand = await fileDemand();
    for (let i = 0; i < 59; i++) await addEvent(demand.id, "demand.noted", "public", { n: i });
    // A second connection where there is a server, as two worker processes would have.
    const second: Db = onServer
      ? await connect({ databaseUrl: await testDatabaseUrlOfThisDb(), poolSize: 4 })
      : db;
    try {
      await Promise.all([fanOutWebhooks(db, 7), fanOutWebhooks(second, 7), fanOutWebhooks(db, 13)]);
      const counted = await one<{ n: number; distinct: number }>(
        db,
        "SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS distinct FROM webhook_deliveries WHERE subscription_id = $1",
        [id],
      );
      assert.deepEqual(counted, { n: 60, distinct: 60 });
      const workers = [
        startWorker({ db, config: ctx.config }, [deliver], 10),
        startWorker({ db: second, config: ctx.config }, [deliver], 10),
      ];
      try {
        await waitUntil(async () => (await deliveriesOf(id)).every((d) => d.state === "delivered"));
      } finally {
        for (const w of workers) await w.stop();
      }
    } finally {
      if (second !== db) await second.close();
    }
    const ids = r.received.map((x) => String(x.headers["webhook-id"]));
    assert.equal(ids.length, 60, "no event sent twice");
    assert.equal(new Set(ids).size, 60, "every event sent");
  });

  it("delivers an event whose transaction committed after a later one (PostgreSQL)", {
    skip: !onServer,
  }, async () => {
    const r = await receiver();
    await subscribe(r, "/late", ["demand.noted"]);
    const demand = await fileDemand();
    const client = new pg.Client({ connectionString: await testDatabaseUrlOfThisDb() });
    await client.connect();
    try {
      await client.query("BEGIN");
      const early = await client.query<{ id: string }>(
        `INSERT INTO demand_events (demand_id, type, actor_kind, visibility) VALUES ($1, 'demand.noted', 'system', 'public')
         RETURNING id`,
        [demand.id],
      );
      const later = await addEvent(demand.id, "demand.noted", "public");
      assert.ok(Number(early.rows[0]!.id) < later);
      await drain();
      assert.deepEqual(
        r.bodiesAt("/late").map((b: { data: { eventId: number } }) => b.data.eventId),
        [later],
      );
      await client.query("COMMIT");
      await drain();
      assert.deepEqual(
        r.bodiesAt("/late").map((b: { data: { eventId: number } }) => b.data.eventId),
        [later, Number(early.rows[0]!.id)],
      );
    } finally {
      await client.end();
    }
  });
});

describe("delivery", () => {
  it("survives the receiver being down (refused, then 500s) and delivers every event once when it returns", async () => {
    const r = await receiver();
    const { id } = await subscribe(r, "/outage", ["*"]);
    await r.down();
    const demand = await fileDemand();
    for (let i = 0; i < 4; i++) await addEvent(demand.id, "demand.noted", "public", { n: i });
    await drain();
    let log = await deliveriesOf(id);
    assert.equal(log.length, 5);
    for (const d of log) {
      assert.equal(d.state, "pending");
      assert.equal(d.attempts, 1);
      assert.equal(d.lastStatus, null);
      assert.match(d.lastError ?? "", /ECONNREFUSED/);
      assert.ok(Date.parse(d.nextAttemptAt ?? "") > Date.now() + 10_000, "waits before trying again");
    }
    // Back, but failing: two rounds of 500s, with more events meanwhile.
    await r.up();
    r.setMode("fail");
    for (let round = 0; round < 2; round++) {
      await addEvent(demand.id, "demand.noted", "public", { round });
      await makeRetriesDue();
      await drain();
    }
    log = await deliveriesOf(id);
    assert.equal(log.length, 7);
    assert.ok(log.every((d) => d.state === "pending" && d.lastStatus === 500));
    assert.equal(r.accepted.size, 0);
    const backoff = await one<{ seconds: number }>(
      db,
      `SELECT min(extract(epoch FROM o.run_at - now()))::float8 AS seconds
         FROM webhook_deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE d.subscription_id = $1 AND d.attempts = 3`,
      [id],
    );
    assert.ok(backoff.seconds > 60, "the third failure waits longer than the first");
    // Healthy again: every event arrives, each once.
    r.setMode("ok");
    await makeRetriesDue();
    await drain();
    log = await deliveriesOf(id);
    assert.ok(log.every((d) => d.state === "delivered"));
    assert.equal(r.accepted.size, 7);
    assert.ok(
      [...r.accepted.values()].every((n) => n === 1),
      "each event accepted once",
    );
    const before = r.received.length;
    await makeRetriesDue();
    await drain();
    assert.equal(r.received.length, before, "nothing is sent again");
  });

  it("gives up after the attempts run out, shows it dead, and redelivers it on an admin's word", async () => {
    const r = await receiver();
    const { id } = await subscribe(r, "/dead", ["demand.created"]);
    r.setMode("fail");
    await fileDemand();
    await fanOutWebhooks(db);
    await db.query(
      `UPDATE outbox SET attempts = $2 - 1 WHERE id IN (SELECT outbox_id FROM webhook_deliveries WHERE subscription_id = $1)`,
      [id, DELIVERY_MAX_ATTEMPTS],
    );
    await drain();
    const [dead] = await deliveriesOf(id);
    assert.equal(dead!.state, "dead");
    assert.equal(dead!.lastStatus, 500);
    const view = await app.inject({
      url: `/api/v1/webhooks/${id}`,
      headers: { authorization: admin.authorization },
    });
    assert.equal((view.json() as { deliveries: { dead: number } }).deliveries.dead, 1);
    const letters = await app.inject({
      url: "/api/v1/dead-letters?job=deliver-webhook",
      headers: { authorization: admin.authorization },
    });
    assert.equal((letters.json() as unknown[]).length >= 1, true, "also among the dead letters");
    r.setMode("ok");
    const again = await app.inject({
      method: "POST",
      url: `/api/v1/webhooks/${id}/deliveries/${dead!.id}/redeliver`,
      headers: { authorization: admin.authorization, "x-request-id": "h13-redeliver-7f3a" },
    });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.headers["x-request-id"], "h13-redeliver-7f3a");
    const before = r.received.length;
    await drain();
    const [delivered] = await deliveriesOf(id);
    assert.equal(delivered!.state, "delivered");
    assert.equal(r.accepted.get(dead!.webhookId), 1);
    // The request that caused the delivery names it: its id went into the outbox row, the job ran under it, and
    // the POST to the receiver carries it.
    const queued = await one<{ request_id: string | null }>(
      db,
      `SELECT o.request_id FROM webhook_deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE d.id = $1`,
      [dead!.id],
    );
    assert.equal(queued.request_id, "h13-redeliver-7f3a");
    assert.deepEqual(
      r.received.slice(before).map((x) => x.headers["x-request-id"]),
      ["h13-redeliver-7f3a"],
    );
    const unknown = await app.inject({
      method: "POST",
      url: `/api/v1/webhooks/${id}/deliveries/999999/redeliver`,
      headers: { authorization: admin.authorization },
    });
    assert.equal(unknown.statusCode, 404);
  });

  it("switches a subscription off when the receiver answers 410 Gone", async () => {
    const r = await receiver();
    const { id } = await subscribe(r, "/gone", ["*"]);
    r.setMode("gone");
    await fileDemand();
    await drain();
    const [delivery] = await deliveriesOf(id);
    assert.equal(delivery!.state, "dead");
    assert.equal(delivery!.attempts, 1, "410 is not retried");
    const view = await app.inject({
      url: `/api/v1/webhooks/${id}`,
      headers: { authorization: admin.authorization },
    });
    assert.deepEqual(
      (({ active, disabledReason }) => ({ active, disabledReason }))(
        view.json() as { active: boolean; disabledReason: string },
      ),
      { active: false, disabledReason: "gone" },
    );
    await fileDemand();
    await drain();
    assert.equal((await deliveriesOf(id)).length, 1, "no new deliveries while switched off");
    const on = await app.inject({
      method: "PATCH",
      url: `/api/v1/webhooks/${id}`,
      headers: { authorization: admin.authorization },
      payload: { active: true },
    });
    assert.equal((on.json() as { disabledReason: string | null }).disabledReason, null);
  });

  it("counts a receiver that does not answer in time as a failed attempt", async () => {
    const r = await receiver();
    const { id } = await subscribe(r, "/slow", ["demand.created"]);
    r.setMode("hang");
    await fileDemand();
    await fanOutWebhooks(db);
    await runOnce(ctx, [deliverWebhookJob({ timeoutMs: 200 })]);
    const [delivery] = await deliveriesOf(id);
    assert.equal(delivery!.state, "pending");
    assert.match(delivery!.lastError ?? "", /no answer within 200 ms/);
    await r.down();
  });

  it("deletes a subscription with its log; its waiting attempts then send nothing", async () => {
    const r = await receiver();
    const { id } = await subscribe(r, "/deleted", ["*"]);
    await fileDemand();
    await fanOutWebhooks(db);
    const res = await app.inject({
      method: "DELETE",
      url: `/api/v1/webhooks/${id}`,
      headers: { authorization: admin.authorization },
    });
    assert.equal(res.statusCode, 204);
    await drain();
    assert.equal(r.received.length, 0);
    const gone = await app.inject({
      url: `/api/v1/webhooks/${id}/deliveries`,
      headers: { authorization: admin.authorization },
    });
    assert.equal(gone.statusCode, 404);
  });
});

/** On PostgreSQL: the URL of this file's own database (for a second connection to it). */
async function testDatabaseUrlOfThisDb(): Promise<string> {
  const { current } = await one<{ current: string }>(db, "SELECT current_database() AS current");
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${current}`;
  return url.toString();
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
