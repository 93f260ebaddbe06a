import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, it } from "node:test";
import pg from "pg";
import { makeProtocol } from "../../domain/protocol.ts";
import { connect, type Db, one } from "../../server/db/index.ts";
import { demandBody, factoriesFor, SE } from "../../tests/factories.ts";
import { staffHeaders, startWebProcess, testApp, testDatabaseUrl } from "../../tests/helpers.ts";
import { follow } from "../../tests/sse-client.ts";
import { buildApp } from "../http/app.ts";
import { hashToken } from "../http/auth.ts";
import { advance, newCursor } from "./cursor.ts";
import { type LiveItem, startEventHub } from "./hub.ts";
import { startPublisher } from "./publisher.ts";

const onServer = Boolean(process.env.DATABASE_URL);

const { app, ctx } = await testApp();
const db = ctx.db;
const base = await app.listen({ port: 0, host: "127.0.0.1" });

/** One server-sent message as a client reads it. */

async function anonymousService(): Promise<string> {
  const row = await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND anonymous_allowed AND attributes = '[]'::jsonb
      ORDER BY code LIMIT 1`,
  );
  return row.code;
}

const factories = factoriesFor({ app, ctx });

/** An anonymous demand at the Sé, as the factories build it. */
const anonymousDemand = (service: string) =>
  ({ service, description: "Poste apagado", identity: "anonymous", at: SE }) as const;

/** Files an anonymous demand through this file's app; answers its protocol. */
async function fileDemand(service: string): Promise<string> {
  return (await factories.fileDemand(anonymousDemand(service))).protocol;
}

/** Files the same demand over real HTTP to another process at `baseUrl`; answers its protocol. */
async function fileDemandAt(baseUrl: string, service: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/demands`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(demandBody(service, anonymousDemand(service))),
  });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return (JSON.parse(text) as { protocol: string }).protocol;
}

/** A department of its own and a demand routed to it. */
async function demandOf(service: string): Promise<{ id: number; protocol: string; department: string }> {
  const code = `EV-${randomBytes(3).toString("hex")}`;
  const department = await one<{ id: number }>(
    db,
    "INSERT INTO departments (code, name) VALUES ($1, $2) RETURNING id",
    [code, `Events ${code}`],
  );
  const protocol = await fileDemand(service);
  const demand = await one<{ id: number }>(
    db,
    "UPDATE demands SET department_id = $2 WHERE protocol = $1 RETURNING id",
    [protocol, department.id],
  );
  return { id: demand.id, protocol, department: code };
}

async function addEvent(demandId: number, type: string, visibility: "public" | "internal") {
  return one<{ id: number }>(
    db,
    `INSERT INTO demand_events (demand_id, type, actor_kind, visibility, data)
     VALUES ($1, $2, 'system', $3, '{"note": "x"}') RETURNING id`,
    [demandId, type, visibility],
  );
}

async function raiseAlarm(demandId: number, department: string) {
  return one<{ id: number }>(
    db,
    `INSERT INTO alarms (kind, demand_id, department_id, dedupe_key)
     SELECT 'deadline_near', $1, id, $3 FROM departments WHERE code = $2 RETURNING id`,
    [demandId, department, `test:${randomBytes(6).toString("hex")}`],
  );
}

const service = await anonymousService();
// On PostgreSQL, one more copy of the template for the tests that play several processes; dropped after the file.
const serverCopyUrl = onServer ? await testDatabaseUrl() : "";

describe("live events", () => {
  it("delivers a demand filed through the API to a connected staff stream within a second", async () => {
    const { authorization } = await staffHeaders(db, "supervisor");
    const stream = await follow(`${base}/api/v1/events`, { authorization });
    const protocol = await fileDemand(service);
    const committed = Date.now();
    const message = await stream.until((m) => m.data?.protocol === protocol, 1000);
    assert.ok(Date.now() - committed < 1000);
    assert.equal(message.data?.type, "demand.created");
    assert.equal(message.data?.kind, "event");
    assert.match(message.id ?? "", /^\d+:\d+$/);
  });

  it("shows a department role only its own department's demands' events and alarms", async () => {
    const mine = await demandOf(service);
    const theirs = await demandOf(service);
    const { authorization } = await staffHeaders(db, "department_staff", mine.department);
    const stream = await follow(`${base}/api/v1/events`, { authorization });
    await addEvent(theirs.id, "demand.noted", "internal");
    await raiseAlarm(theirs.id, theirs.department);
    const event = await addEvent(mine.id, "demand.noted", "internal");
    const alarm = await raiseAlarm(mine.id, mine.department);
    await stream.until((m) => m.data?.kind === "event" && m.data.id === event.id);
    await stream.until((m) => m.data?.kind === "alarm" && m.data.id === alarm.id);
    const protocols = new Set(stream.data().map((d) => d.protocol));
    assert.deepEqual([...protocols], [mine.protocol], "nothing of the other department's demand");
  });

  it("refuses a department role the stream of another department's demand", async () => {
    const theirs = await demandOf(service);
    const mine = await demandOf(service);
    const { authorization } = await staffHeaders(db, "focal_point", mine.department);
    const res = await app.inject({
      url: `/api/v1/events?demand=${theirs.protocol}`,
      headers: { authorization, accept: "text/event-stream" },
    });
    assert.equal(res.statusCode, 403);
  });

  it("filters a staff stream by demand and by type", async () => {
    const a = await demandOf(service);
    const b = await demandOf(service);
    const { authorization } = await staffHeaders(db, "manager");
    const stream = await follow(`${base}/api/v1/events?demand=${a.protocol}&types=demand.answered`, {
      authorization,
    });
    await addEvent(b.id, "demand.answered", "public");
    await addEvent(a.id, "demand.noted", "public");
    await raiseAlarm(a.id, a.department);
    const wanted = await addEvent(a.id, "demand.answered", "public");
    await stream.until((m) => m.data?.id === wanted.id);
    assert.deepEqual(
      stream.data().map((d) => [d.protocol, d.type]),
      [[a.protocol, "demand.answered"]],
    );
  });

  it("carries on the public stream only the public events of that protocol, without who did them", async () => {
    const a = await demandOf(service);
    const b = await demandOf(service);
    const stream = await follow(`${base}/api/v1/demands/${a.protocol}/events`);
    assert.match(stream.lastId() ?? "", /^\d+$/, "the public stream's ids name events only");
    await addEvent(a.id, "demand.noted", "internal");
    await addEvent(b.id, "demand.noted", "public");
    await raiseAlarm(a.id, a.department);
    const shown = await addEvent(a.id, "demand.dispatched", "public");
    await stream.until((m) => m.data?.id === shown.id);
    const data = stream.data();
    assert.deepEqual(
      data.map((d) => [d.protocol, d.type, d.visibility]),
      [[a.protocol, "demand.dispatched", "public"]],
    );
    assert.equal(data[0]?.actor, "system", "the actor's kind, never a staff id");
  });

  it("replays the events missed since Last-Event-ID, then follows live", async () => {
    const a = await demandOf(service);
    const { authorization } = await staffHeaders(db, "agent");
    const first = await follow(`${base}/api/v1/events?demand=${a.protocol}`, { authorization });
    const seen = await addEvent(a.id, "demand.noted", "public");
    await first.until((m) => m.data?.id === seen.id);
    const lastId = first.lastId()!;
    first.close();
    const missed = [
      await addEvent(a.id, "demand.triaged", "internal"),
      await addEvent(a.id, "x.y", "public"),
    ];
    const alarm = await raiseAlarm(a.id, a.department);
    const second = await follow(`${base}/api/v1/events?demand=${a.protocol}`, {
      authorization,
      "last-event-id": lastId,
    });
    const later = await addEvent(a.id, "demand.closed", "public");
    await second.until((m) => m.data?.id === later.id);
    assert.deepEqual(
      second.data().map((d) => [d.kind, d.id]),
      [
        ["event", missed[0]!.id],
        ["event", missed[1]!.id],
        ["alarm", alarm.id],
        ["event", later.id],
      ],
    );
  });

  it("answers a client that does not ask for an event stream with the catch-up, then ends", async () => {
    const a = await demandOf(service);
    const before = await addEvent(a.id, "demand.noted", "public");
    const missed = await addEvent(a.id, "demand.noted", "public");
    const res = await app.inject({ url: `/api/v1/demands/${a.protocol}/events?lastEventId=${before.id}` });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers["content-type"] as string, /^text\/event-stream/);
    assert.match(res.body, new RegExp(`id: ${missed.id}\\ndata: \\{"kind":"event","id":${missed.id},`));
    assert.doesNotMatch(res.body, new RegExp(`"id":${before.id},`));
  });

  it("refuses a malformed Last-Event-ID and an unknown protocol with problems", async () => {
    const { authorization } = await staffHeaders(db, "admin");
    const bad = await app.inject({
      url: "/api/v1/events",
      headers: { authorization, "last-event-id": "x1" },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, "invalid_input");
    const unknown = await app.inject({ url: `/api/v1/demands/${makeProtocol(2026, 99_999_999)}/events` });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, "unknown_protocol");
  });

  it("ends open streams when the app closes, so closing does not wait for clients", async () => {
    const other = await buildApp(ctx);
    const otherBase = await other.listen({ port: 0, host: "127.0.0.1" });
    const { authorization } = await staffHeaders(db, "admin");
    const res = await fetch(`${otherBase}/api/v1/events`, {
      headers: { accept: "text/event-stream", authorization },
    });
    // Close only once the catch-up has ended with its cursor: before that the stream holds just the retry hint.
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let body = "";
    while (!/\nid: \d+:\d+\n\n/.test(body)) {
      const { value, done } = await reader.read();
      assert.ok(!done, `the stream ended before its cursor: ${JSON.stringify(body)}`);
      body += value;
    }
    const started = Date.now();
    const closing = other.close();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      body += value;
    }
    await closing;
    assert.ok(Date.now() - started < 2000);
    // The last frame tells the client to come back (to another process, after a deploy), not that the stream failed.
    assert.match(
      body,
      /^retry: \d+\n\nid: \d+:\d+\n\nevent: reconnect\ndata: \{"kind":"reconnect","retryMs":\d+\}\n\n$/,
    );
    assert.equal(other.eventHub.connected(), 0);
  });

  it("frees the hub subscription when the client goes away", async () => {
    const { authorization } = await staffHeaders(db, "admin");
    const before = app.eventHub.connected();
    const stream = await follow(`${base}/api/v1/events`, { authorization });
    assert.equal(app.eventHub.connected(), before + 1);
    stream.close();
    const deadline = Date.now() + 2000;
    while (app.eventHub.connected() > before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(app.eventHub.connected(), before);
  });
});

/** Waits until `found` holds, checking every 10 ms; fails after `timeoutMs`. */
async function waitFor(found: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!found()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const eventIds = (items: LiveItem[]) => items.flatMap((i) => (i.kind === "event" ? [i.row.id] : []));

describe("the id cursor", () => {
  it("remembers the ids it jumped over and returns a late one once", () => {
    const cursor = newCursor(4);
    assert.deepEqual(
      advance(cursor, [{ id: 5 }, { id: 7 }], 0).map((r) => r.id),
      [5, 7],
    );
    assert.deepEqual([...cursor.gaps.keys()], [6]);
    assert.deepEqual(
      advance(cursor, [{ id: 6 }, { id: 7 }], 1).map((r) => r.id),
      [6],
    );
    assert.equal(cursor.gaps.size, 0);
    assert.deepEqual(advance(cursor, [{ id: 6 }], 2), []);
  });
});

describe("the hub", () => {
  it("reads at once when this process commits, without waiting for the safety-net read", async () => {
    const hub = await startEventHub(db, { safetyPollMs: 60_000 });
    after(() => hub.stop());
    const got: LiveItem[] = [];
    const subscription = await hub.subscribe((items) => got.push(...items));
    const demand = await demandOf(service);
    const event = await addEvent(demand.id, "demand.noted", "public");
    await waitFor(() => eventIds(got).includes(event.id), 1000, "the committed event");
    subscription.unsubscribe();
    assert.equal(hub.connected(), 0);
  });
});

describe("the hub across connections", {
  skip: onServer ? false : "needs DATABASE_URL (PGlite is one process)",
}, () => {
  const url = serverCopyUrl;
  const dbs: Db[] = [];
  async function open(): Promise<Db> {
    const opened = await connect({ databaseUrl: url, poolSize: 2 });
    dbs.push(opened);
    return opened;
  }
  after(async () => {
    for (const d of dbs) await d.close();
  });

  it("wakes on another process's NOTIFY, without waiting for the safety-net read", async () => {
    const [here, there] = [await open(), await open()];
    const hub = await startEventHub(here, { safetyPollMs: 60_000, origin: "here" });
    const publisher = startPublisher(there, { origin: "there" });
    try {
      const got: LiveItem[] = [];
      await hub.subscribe((items) => got.push(...items));
      const demand = await one<{ id: number }>(
        there,
        `INSERT INTO demands (protocol, service_id, channel, identity_mode)
         SELECT next_protocol(), id, 'web', 'anonymous' FROM services ORDER BY id LIMIT 1 RETURNING id`,
      );
      const event = await one<{ id: number }>(
        there,
        `INSERT INTO demand_events (demand_id, type, actor_kind, visibility)
         VALUES ($1, 'demand.noted', 'system', 'public') RETURNING id`,
        [demand.id],
      );
      await waitFor(() => eventIds(got).includes(event.id), 1000, "the event announced by NOTIFY");
    } finally {
      await publisher.stop();
      await hub.stop();
    }
  });

  it("delivers once an event whose id commits after a higher one", async () => {
    const here = await open();
    const hub = await startEventHub(here, { safetyPollMs: 100, origin: "here" });
    const slow = new pg.Client({ connectionString: url });
    const fast = new pg.Client({ connectionString: url });
    await Promise.all([slow.connect(), fast.connect()]);
    try {
      const got: LiveItem[] = [];
      await hub.subscribe((items) => got.push(...items));
      const insert = `INSERT INTO demand_events (demand_id, type, actor_kind, visibility)
        SELECT id, 'demand.noted', 'system', 'public' FROM demands ORDER BY id LIMIT 1 RETURNING id`;
      await slow.query("BEGIN");
      const late = (await slow.query(insert)).rows[0].id as number;
      const early = (await fast.query(insert)).rows[0].id as number;
      assert.ok(late < early);
      await waitFor(() => eventIds(got).includes(early), 2000, "the higher id");
      await slow.query("COMMIT");
      await waitFor(() => eventIds(got).includes(late), 2000, "the lower id committed later");
      await new Promise((r) => setTimeout(r, 300));
      const ids = eventIds(got);
      assert.deepEqual(
        [late, early].map((id) => ids.filter((x) => x === id).length),
        [1, 1],
      );
    } finally {
      await Promise.all([slow.end(), fast.end()]);
      await hub.stop();
    }
  });
});

describe("live events across processes", {
  skip: onServer ? false : "needs DATABASE_URL (PGlite is one process)",
}, () => {
  it("brings a demand filed in process A to a stream of process B within a second", async () => {
    const url = serverCopyUrl;
    const [a, b] = await Promise.all([startWebProcess(url), startWebProcess(url)]);
    const client = new pg.Client({ connectionString: url });
    client.on("error", () => {}); // the database is dropped with FORCE after the test
    await client.connect();
    const token = randomBytes(24).toString("base64url");
    try {
      const user = await client.query(
        `INSERT INTO staff_users (email, name, password_hash, role)
         VALUES ('events-b@test.local', 'Events B', 'not-a-hash', 'supervisor') RETURNING id`,
      );
      await client.query(
        "INSERT INTO staff_sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')",
        [hashToken(token), user.rows[0].id],
      );
      const stream = await follow(`${b!.url}/api/v1/events`, { authorization: `Bearer ${token}` });
      for (let round = 0; round < 3; round++) {
        const protocol = await fileDemandAt(a!.url, service);
        const committed = Date.now();
        await stream.until((m) => m.data?.protocol === protocol, 1000);
        assert.ok(Date.now() - committed < 1000);
      }
      stream.close();
    } finally {
      await client.end();
    }
  });
});
