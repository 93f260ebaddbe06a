/**
 * A worker process told to stop (SIGTERM) in the middle of slow work: it claims nothing more, lets running jobs finish
 * for a bounded time, and gives back at once every row it still holds, so no claimed row waits for its lease. The
 * process is the real `server/main.ts --roles=worker`, its slow jobs real `send-message` rows held by a slow SMTP
 * server. PGlite is one process, so server only (the same stop is tested in process in server/jobs/jobs.test.ts).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, describe, it } from "node:test";
import { startFakeSmtp } from "../channels/email/fake.ts";
import { connect, one } from "../server/db/index.ts";
import { buildApp } from "../server/http/app.ts";
import { claimDue, giveBack } from "../server/jobs/leases.ts";
import { testConfig, testDatabaseUrl } from "./helpers.ts";

const onServer = Boolean(process.env.DATABASE_URL);
const SHUTDOWN_TIMEOUT_MS = 8000; // the worker lets running jobs finish for half of it

function startWorkerProcess(databaseUrl: string, smtpUrl: string): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts", "--roles=worker"], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      SMTP_URL: smtpUrl,
      SEED_DEMO: "never",
      LOG_LEVEL: "warn",
      WORKER_CONCURRENCY: "4",
      DATABASE_POOL_SIZE: "8",
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.on("data", () => {});
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return child;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Row {
  id: number;
  job: string;
  state: string;
  lease_id: string | null;
  locked_until: Date | null;
}

describe("a worker stopped with SIGTERM", {
  skip: onServer ? false : "needs DATABASE_URL (a worker process on a shared database)",
}, () => {
  it("leaves no claimed row waiting for its lease, and a second worker takes them at once", async () => {
    const url = await testDatabaseUrl();
    const fake = await startFakeSmtp();
    after(() => fake.close());
    const db = await connect({ databaseUrl: url, poolSize: 4 });
    after(() => db.close());
    const app = await buildApp({ db, config: testConfig({ databaseUrl: url, smtpUrl: fake.url }) });
    after(() => app.close());
    const service = (
      await one<{ code: string }>(
        db,
        `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch
          ORDER BY code LIMIT 1`,
      )
    ).code;
    for (let i = 0; i < 12; i++) {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/demands",
        payload: {
          service,
          description: `Buraco na calçada ${i}`,
          location: { lat: -23.5503 - (i % 4) * 0.004, lon: -46.634 - Math.floor(i / 4) * 0.004 },
          citizen: { name: `Pessoa ${i}`, email: `pessoa${i}@example.org` },
        },
      });
      assert.equal(res.statusCode, 201, res.body);
    }
    const work = "job IN ('route-demand', 'send-message')";
    const rows = () =>
      db.query<Row>(`SELECT id, job, state, lease_id, locked_until FROM outbox WHERE ${work}`);

    // Each message takes 15 s at the SMTP server: longer than the 4 s the worker lets running jobs finish.
    fake.delay(15_000);
    const first = startWorkerProcess(url, fake.url);
    const exited = new Promise<number | null>((resolve) => first.once("exit", (code) => resolve(code)));
    await until(
      async () => (await rows()).filter((r) => r.job === "send-message" && r.state === "running").length >= 2,
      "the worker to be busy sending",
    );
    const claimed = (await rows()).filter((r) => r.state === "running").map((r) => r.id);
    const sentAt = Date.now();
    first.kill("SIGTERM");
    assert.equal(await exited, 0, "the worker exits cleanly");
    assert.ok(Date.now() - sentAt < SHUTDOWN_TIMEOUT_MS + 3000, "within the shutdown bound");

    const after1 = await rows();
    const leased = after1.filter(
      (r) => r.state === "running" || r.lease_id !== null || r.locked_until !== null,
    );
    assert.deepEqual(leased, [], "no row is left leased to the stopped worker");
    for (const id of claimed) {
      const row = after1.find((r) => r.id === id)!;
      assert.ok(row.state === "done" || row.state === "pending", `claimed row ${id} is ${row.state}`);
    }
    const givenBack = after1.filter((r) => claimed.includes(r.id) && r.state === "pending").map((r) => r.id);
    assert.ok(givenBack.length > 0, "the slow sends were given back");

    // Another worker takes them now, not a lease later: a claim right after the exit gets every one of them.
    const taken = await claimDue(db, ["route-demand", "send-message"], 100);
    assert.deepEqual(
      taken.map((r) => r.id).sort(),
      after1
        .filter((r) => r.state === "pending")
        .map((r) => r.id)
        .sort(),
    );
    await giveBack(db, taken, false);
    // And a second worker process finishes the work (its own start-up time aside, nothing waits for a lease).
    fake.delay(0);
    const second = startWorkerProcess(url, fake.url);
    await until(async () => (await rows()).every((r) => r.state === "done"), "the second worker to finish");
    const gone = new Promise((resolve) => second.once("exit", resolve));
    second.kill("SIGTERM");
    await gone;
  });
});
