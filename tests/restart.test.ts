/**
 * Two worker+scheduler processes on one PostgreSQL database, one killed with SIGKILL in the middle of routing,
 * deliveries and due timers, then a third started in its place: every demand is routed once, every message is
 * delivered (only those a killed process had out at the SMTP server may arrive twice, with the same Message-ID),
 * every alarm fires once, and each scheduler slot is enqueued once. PGlite is one process, so server only.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, describe, it } from "node:test";
import { startFakeSmtp } from "../channels/email/fake.ts";
import { loadCalendar } from "../server/calendar/queries.ts";
import { connect, one } from "../server/db/index.ts";
import { listAlarmRules, startDeadline } from "../server/deadlines/commands.ts";
import { buildApp } from "../server/http/app.ts";
import { testConfig, testDatabaseUrl } from "./helpers.ts";

const onServer = Boolean(process.env.DATABASE_URL);
// Jobs each worker runs at once: as many messages may be out at the SMTP server when one is killed.
const WORKER_LANES = 4;

function startRoles(databaseUrl: string, smtpUrl: string): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts", "--roles=worker,scheduler"], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      SMTP_URL: smtpUrl,
      SEED_DEMO: "never",
      LOG_LEVEL: "warn",
      PORT: "0",
      WORKER_CONCURRENCY: String(WORKER_LANES),
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.on("data", () => {});
  return child;
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  await exited;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("a restart in the middle of the work", {
  skip: onServer ? false : "needs DATABASE_URL (several processes on one database)",
}, () => {
  it("loses nothing and does nothing twice with two workers and two schedulers, one killed", async () => {
    const url = await testDatabaseUrl();
    const fake = await startFakeSmtp();
    after(() => fake.close());
    const db = await connect({ databaseUrl: url, poolSize: 4 });
    after(() => db.close());
    const app = await buildApp({ db, config: testConfig({ databaseUrl: url, smtpUrl: fake.url }) });
    after(() => app.close());
    const children: ChildProcess[] = [];
    after(async () => {
      for (const c of children) await stop(c, "SIGKILL");
    });

    const service = (
      await one<{ code: string }>(
        db,
        `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch
          ORDER BY code LIMIT 1`,
      )
    ).code;
    const ids: number[] = [];
    for (let i = 0; i < 24; i++) {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/demands",
        payload: {
          service,
          description: `Poste apagado ${i}`,
          location: { lat: -23.5503 - (i % 6) * 0.004, lon: -46.634 - Math.floor(i / 6) * 0.004 },
          citizen: { name: `Pessoa ${i}`, email: `pessoa${i}@example.org` },
        },
      });
      assert.equal(res.statusCode, 201, res.body);
      ids.push(
        (await one<{ id: number }>(db, "SELECT id FROM demands WHERE protocol = $1", [res.json().protocol]))
          .id,
      );
    }
    // Ten clocks whose every alarm instant is past: each must raise its five alarms once.
    const cal = await loadCalendar(db);
    const rules = await listAlarmRules(db);
    const clockIds: number[] = [];
    for (let i = 0; i < 10; i++) {
      await db.transaction(async (tx) => {
        await startDeadline(tx, cal, rules, {
          demandId: ids[i]!,
          stage: "acceptance",
          spec: { amount: 4, unit: "business_hours" },
          departmentId: null,
          startedAt: new Date(Date.now() - 20 * 86_400_000),
        });
        clockIds.push((await one<{ id: number }>(tx, "SELECT max(id)::int AS id FROM deadlines")).id);
      });
    }

    fake.delay(30);
    const a = startRoles(url, fake.url);
    const b = startRoles(url, fake.url);
    children.push(a, b);
    await fake.waitFor(8, 90_000);
    await stop(a, "SIGKILL");

    // B finishes what it can; what A had claimed waits for A's lease. Then the lease runs out (here, at once).
    await until(async () => {
      const rows = await db.query(
        `SELECT 1 FROM outbox WHERE job IN ('route-demand', 'send-message') AND state = 'pending' AND run_at <= now()`,
      );
      return rows.length === 0;
    }, "B to drain the queue");
    // B's own claims finish within a second or two; what stays running after that is A's, leased to a dead process.
    let last = -1;
    let steady = 0;
    await until(async () => {
      const n = (await db.query("SELECT 1 FROM outbox WHERE state = 'running'")).length;
      steady = n === last ? steady + 1 : 0;
      last = n;
      return steady >= 10;
    }, "B to finish its own claims");
    await db.query("UPDATE outbox SET locked_until = now() - interval '1 second' WHERE state = 'running'");
    const c = startRoles(url, fake.url);
    children.push(c);
    await until(async () => {
      const rows = await db.query(
        "SELECT 1 FROM outbox WHERE job IN ('route-demand', 'send-message') AND state IN ('pending', 'running')",
      );
      return rows.length === 0;
    }, "every routing and message to be done");
    await until(async () => {
      const n = await one<{ n: number }>(
        db,
        "SELECT count(*)::int AS n FROM alarms WHERE dedupe_key LIKE 'deadline:%'",
      );
      return n.n >= 50;
    }, "the due alarms");
    await stop(b, "SIGTERM");
    await stop(c, "SIGTERM");

    const orders = await db.query<{ demand_id: number; n: number }>(
      "SELECT demand_id, count(*)::int AS n FROM work_orders WHERE demand_id = ANY($1) GROUP BY demand_id",
      [ids],
    );
    assert.equal(orders.length, 24, "every demand was routed");
    assert.ok(
      orders.every((o) => o.n === 1),
      "and routed once",
    );

    const messages = await db.query<{ id: number; key: string; state: string; in_flight: boolean }>(
      `SELECT m.id, m.key::text AS key, m.state,
              EXISTS (SELECT 1 FROM message_attempts x WHERE x.message_id = m.id AND x.outcome IS NULL) AS in_flight
         FROM messages m WHERE m.demand_id = ANY($1)`,
      [ids],
    );
    // A receipt and a "sent to the department" message per demand.
    assert.equal(messages.length, 48);
    assert.ok(
      messages.every((m) => m.state === "sent"),
      "nothing lost",
    );
    const counts = new Map<string, number>();
    for (const m of fake.received) counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
    for (const m of messages) {
      const n = counts.get(`<${m.key}@responsiva.localhost>`) ?? 0;
      assert.ok(n >= 1, `message ${m.id} arrived`);
      assert.ok(n === 1 || (m.in_flight && n === 2), `message ${m.id} arrived ${n} times`);
    }
    assert.ok(
      messages.filter((m) => m.in_flight).length <= WORKER_LANES,
      "at most those the killed process had out",
    );

    const alarms = await db.query<{ key: string }>(
      "SELECT dedupe_key AS key FROM alarms WHERE dedupe_key LIKE 'deadline:%'",
    );
    for (const id of clockIds) {
      assert.equal(alarms.filter((x) => x.key.startsWith(`deadline:${id}:`)).length, 5, `clock ${id}`);
    }
    const slots = await db.query<{ key: string; n: number }>(
      "SELECT dedupe_key AS key, count(*)::int AS n FROM outbox WHERE job = 'scan-deadlines' GROUP BY 1",
    );
    assert.ok(slots.length >= 1);
    assert.ok(
      slots.every((s) => s.n === 1),
      "one scan per slot, whichever scheduler wrote it",
    );
  });
});
