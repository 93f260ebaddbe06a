/**
 * A worker killed (SIGKILL) between the webhook's acknowledgement and the reply: real `server/main.ts` processes (one
 * web, workers one after another) on one PostgreSQL database, Meta's side played by the WhatsApp fake on loopback.
 *
 * The kills are placed by what the processes are doing, never by a sleep: the test holds a lock on
 * `conversation_replies` so the worker's step waits inside its transaction (its lease on the step's outbox row held)
 * until it is killed; and the fake holds the reply's Messages call open, unanswered, until the sending worker is
 * killed. Workers run with a 3 s lease (WORKER_LEASE_SECONDS), so a dead worker's rows come back in seconds.
 *
 * What "sent" means here: a message counts as sent only when the fake answered its call with success (it is then in
 * `fake.messages`, as WhatsApp would deliver it). A call whose connection dropped before any answer is no message:
 * WhatsApp took nothing. The first test finds each reply sent exactly once after a kill during the step and a kill
 * during the send. The second shows the one window left: WhatsApp answered 200 and the worker died before recording
 * it. The Cloud API has no idempotency key, so the reply is sent again — at least once, never lost (the adapter's
 * stated choice, channels/whatsapp/adapter.ts); that test pins down that it is twice, not zero or three times.
 * PGlite is one process, so this runs on the server database only.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { after, describe, it } from "node:test";
import pg from "pg";
import { type FakeWhatsApp, type HeldCall, startFakeWhatsApp } from "../channels/whatsapp/fake.ts";
import { connect, one } from "../server/db/index.ts";
import { testDatabaseUrl } from "./helpers.ts";

const onServer = Boolean(process.env.DATABASE_URL);
const LEASE_SECONDS = 3;
const ACCOUNT = {
  appSecret: "meta-app-secret-for-crash",
  phoneNumberId: "1097316836",
  token: "EAAG-crash-token",
};

interface Role {
  child: ChildProcess;
  url: string | undefined;
  output: () => string;
}

/** Starts `server/main.ts --roles=<roles>` on `databaseUrl`, WhatsApp at the fake; resolves once it says it is up. */
function startRole(databaseUrl: string, fake: FakeWhatsApp, roles: "web" | "worker"): Promise<Role> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts", `--roles=${roles}`], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: "0",
      SEED_DEMO: "never",
      LOG_LEVEL: "warn",
      DATABASE_POOL_SIZE: "6",
      WORKER_CONCURRENCY: "4",
      WORKER_LEASE_SECONDS: String(LEASE_SECONDS),
      WHATSAPP_API_URL: fake.url,
      WHATSAPP_TOKEN: ACCOUNT.token,
      WHATSAPP_PHONE_NUMBER_ID: ACCOUNT.phoneNumberId,
      WHATSAPP_APP_SECRET: ACCOUNT.appSecret,
      WHATSAPP_VERIFY_TOKEN: "verify-crash-test",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${roles} did not start: ${out}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-20_000);
      if (out.includes(`Roles: ${roles}`)) {
        clearTimeout(timer);
        resolve({ child, url: out.match(/up on (http:\/\/[\d.:]+)/)?.[1], output: () => out });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code, signal) => reject(new Error(`${roles} exited (${code ?? signal}): ${out}`)));
  });
}

/** Sends `signal` to a process and waits until it is gone; returns its exit code. */
async function stop(role: Role, signal: "SIGKILL" | "SIGTERM" = "SIGKILL"): Promise<number | null> {
  const exited = once(role.child, "exit") as Promise<[number | null]>;
  role.child.kill(signal);
  return (await exited)[0];
}

async function until<T>(check: () => Promise<T | undefined | false>, what: string, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface OutboxRow {
  id: number;
  state: string;
  attempts: number;
  lease_id: string | null;
  locked_until: Date | null;
  done_at: Date | null;
  /** The database's clock when the row was read. */
  now: Date;
}

interface ReplyRow {
  id: number;
  key: string;
  state: string;
  provider_id: string | null;
}

/** The fake, the database and the web process both tests share (top level: `after` then ends them with the file). */
async function setUp() {
  const fake = await startFakeWhatsApp(ACCOUNT);
  after(() => fake.close());
  const url = await testDatabaseUrl();
  const db = await connect({ databaseUrl: url, poolSize: 4 });
  after(() => db.close());
  const web = await startRole(url, fake, "web");
  return { fake, db, url, hook: `${web.url}/webhooks/whatsapp` };
}
const shared = onServer ? await setUp() : undefined;

describe("a worker killed between the webhook's acknowledgement and the reply", {
  skip: onServer ? false : "needs DATABASE_URL (web and worker processes on a shared database)",
}, () => {
  const { fake, db, url, hook } = shared!;

  /** The outbox rows of `job` for the conversation of `from` (its step, or its replies' sends). */
  const outbox = (job: "handle-inbound" | "send-reply", from: string) =>
    db.query<OutboxRow>(
      `SELECT o.id, o.state, o.attempts, o.lease_id, o.locked_until, o.done_at, now() AS now FROM outbox o
        WHERE o.job = $1 AND CASE $1
          WHEN 'handle-inbound' THEN (o.payload->>'inboundId')::bigint IN (SELECT id FROM inbound_messages WHERE sender = $2)
          ELSE (o.payload->>'replyId')::bigint IN (
            SELECT r.id FROM conversation_replies r JOIN conversations c ON c.id = r.conversation_id WHERE c.address = $2)
          END
        ORDER BY o.id`,
      [job, from],
    );
  const replies = (from: string) =>
    db.query<ReplyRow>(
      `SELECT r.id, r.key::text AS key, r.state, r.provider_id FROM conversation_replies r
         JOIN conversations c ON c.id = r.conversation_id WHERE c.address = $1 ORDER BY r.id`,
      [from],
    );
  /** The messages WhatsApp took (answered with success) carrying this reply's key, and the calls made for it. */
  const taken = (key: string) => fake.messages.filter((m) => m.body.biz_opaque_callback_data === key);
  const calls = (key: string) =>
    fake.calls.filter((c) => c.method === "POST" && c.body?.biz_opaque_callback_data === key);
  const heldFor = (from: string): HeldCall[] => fake.held.filter((h) => h.body.to === from);

  /** Every reply of `from` queued and its send held at the fake; returns the replies. */
  const allSendsHeld = (from: string) =>
    until(async () => {
      const rows = await replies(from);
      return rows.length > 0 && heldFor(from).length === rows.length && rows;
    }, "every reply's send to be held at the fake");

  /** Waits until every reply of `from` is recorded sent and every job of its conversation is done. */
  const settled = (from: string) =>
    until(async () => {
      const [steps, sends, rows] = await Promise.all([
        outbox("handle-inbound", from),
        outbox("send-reply", from),
        replies(from),
      ]);
      const done = [...steps, ...sends].every((r) => r.state === "done");
      return done && rows.length > 0 && rows.every((r) => r.state === "sent") && rows;
    }, "the replies to be sent and every job done");

  /** No job of the database is stuck or dead-lettered. */
  const assertNothingStuck = async () => {
    const stuck = await db.query<{ job: string; state: string; last_error: string | null }>(
      "SELECT job, state, last_error FROM outbox WHERE state IN ('dead', 'running') ORDER BY id",
    );
    assert.deepEqual(stuck, [], "no job left running or dead");
  };

  it("sends each reply exactly once after kills during the step and during the send", async (t) => {
    const from = "5511987650101";
    // A lock the step's reply rows must wait for: the first worker's step stops inside its transaction.
    const locker = new pg.Client({ connectionString: url });
    locker.on("error", () => {});
    await locker.connect();
    await locker.query("BEGIN");
    await locker.query("LOCK TABLE conversation_replies IN SHARE MODE");

    const first = await startRole(url, fake, "worker");
    const ack = await fake.post(hook, fake.text(from, "boa noite tem um buraco enorme na r augusta 1200"));
    assert.equal(ack.status, 200, ack.body);
    assert.equal(JSON.parse(ack.body).stored, 1);

    // The step has decided and is writing its replies: it waits for the lock, holding the step's lease.
    const waiting = await until(async () => {
      const [row] = await db.query<{ pid: number }>(
        `SELECT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
          WHERE c.relname = 'conversation_replies' AND NOT l.granted
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      return row;
    }, "the first worker's step to wait for the lock");
    const [running] = await outbox("handle-inbound", from);
    assert.equal(running?.state, "running");
    assert.equal(running.attempts, 1);

    // A second worker is up before the first dies: only the lease keeps it off the step's row.
    fake.hold(true);
    const second = await startRole(url, fake, "worker");
    await stop(first);
    await locker.query("ROLLBACK");
    await locker.end();
    // The dead worker's connection ends once its statement gets the lock and finds nobody there: rolled back.
    await until(
      async () =>
        (await db.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [waiting.pid])).length === 0 && true,
      "the dead worker's database session to end",
    );
    assert.deepEqual(await replies(from), [], "nothing of the killed step was written");
    const [orphan] = await outbox("handle-inbound", from);
    assert.equal(orphan?.state, "running", "the killed worker's row is still leased to it");
    assert.equal(orphan.lease_id, running.lease_id);
    const leaseEnd = orphan.locked_until!;

    // While the lease lasts nobody takes the row; once it has run out the second worker does, and runs the step.
    await until(async () => {
      const [row] = await outbox("handle-inbound", from);
      if (row!.now.getTime() < leaseEnd.getTime()) {
        assert.equal(row!.lease_id, running.lease_id, "the row was taken before the lease ran out");
        return false;
      }
      return true;
    }, "the dead worker's lease to run out");

    // The step's replies go to WhatsApp, which holds every call open: the second worker is killed mid-send.
    const queued = await allSendsHeld(from);
    const [step] = await outbox("handle-inbound", from);
    assert.equal(step?.state, "done");
    assert.equal(step.attempts, 2, "the step ran a second time, on the second worker's claim");
    assert.ok(step.done_at!.getTime() >= leaseEnd.getTime(), "taken only after the lease ran out");
    const sends = await outbox("send-reply", from);
    assert.equal(sends.length, queued.length);
    assert.ok(sends.every((s) => s.state === "running" && s.attempts === 1));
    await stop(second);
    await Promise.all(heldFor(from).map((h) => h.dropped));
    for (const r of queued) assert.equal(taken(r.key).length, 0, "a dropped call is no message");

    // A third worker takes the sends once their lease runs out; WhatsApp answers this time.
    fake.hold(false);
    const third = await startRole(url, fake, "worker");
    const sent = await settled(from);
    t.diagnostic(`replies: ${sent.length}`);
    assert.deepEqual(
      sent.map((r) => r.id),
      queued.map((r) => r.id),
      "the step's replies, not written again",
    );
    for (const r of sent) {
      const messages = taken(r.key);
      assert.equal(messages.length, 1, `reply ${r.id} sent exactly once`);
      assert.equal(r.provider_id, messages[0]!.id, "recorded with the id WhatsApp answered");
      assert.equal(calls(r.key).length, 2, "one call dropped by the kill, one answered");
    }
    for (const s of await outbox("send-reply", from)) assert.equal(s.attempts, 2);
    const inbound = await one<{ n: number; handled: number; conversations: number }>(
      db,
      `SELECT count(*)::int AS n, count(handled_at)::int AS handled,
              count(DISTINCT conversation_id)::int AS conversations FROM inbound_messages WHERE sender = $1`,
      [from],
    );
    assert.deepEqual(inbound, { n: 1, handled: 1, conversations: 1 });
    await assertNothingStuck();
    assert.equal(await stop(third, "SIGTERM"), 0);
  });

  it("sends again, never loses, a reply WhatsApp took just before its worker died unrecorded", async (t) => {
    const from = "5511987650102";
    fake.hold(true);
    const worker = await startRole(url, fake, "worker");
    const ack = await fake.post(hook, fake.text(from, "oi, tem um poste apagado na rua da consolação 500"));
    assert.equal(ack.status, 200, ack.body);
    const queued = await allSendsHeld(from);
    // Frozen, the worker cannot read WhatsApp's answers, which reach its socket: then it dies with them unread.
    worker.child.kill("SIGSTOP");
    for (const h of heldFor(from)) assert.equal(h.answer(), true);
    await stop(worker);
    fake.hold(false);
    for (const r of queued) assert.equal(taken(r.key).length, 1);
    assert.ok(
      (await replies(from)).every((r) => r.state === "queued"),
      "the dead worker recorded nothing",
    );

    const next = await startRole(url, fake, "worker");
    const sent = await settled(from);
    t.diagnostic(`replies: ${sent.length}`);
    assert.deepEqual(
      sent.map((r) => r.id),
      queued.map((r) => r.id),
    );
    for (const r of sent) {
      const messages = taken(r.key);
      // No idempotency key in the Cloud API: the citizen sees this reply twice, and the second is the one recorded.
      assert.equal(messages.length, 2, `reply ${r.id} sent again after the unrecorded answer`);
      assert.equal(r.provider_id, messages[1]!.id);
    }
    await assertNothingStuck();
    assert.equal(await stop(next, "SIGTERM"), 0);
  });
});
