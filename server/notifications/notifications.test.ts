import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, describe, it } from "node:test";
import { startFakeSmtp } from "../../channels/email/fake.ts";
import { drain as drainJobs, fileDemand as fileDemandAs } from "../../tests/factories.ts";
import { staffHeaders, testConfig, testDatabaseUrl, testDb } from "../../tests/helpers.ts";
import type { AppContext } from "../context.ts";
import { connect, type Db, one } from "../db/index.ts";
import { buildApp } from "../http/app.ts";
import { LOCALES } from "../i18n.ts";
import { startWorker } from "../jobs/runner.ts";
import { closeChannelsOf, sendMessage } from "./jobs.ts";
import { planMessage, startFirstAttempt } from "./planning.ts";
import { SendMessagePayload, TEMPLATES } from "./schemas.ts";
import { renderMessage } from "./templates.ts";

const onServer = Boolean(process.env.DATABASE_URL);
const fake = await startFakeSmtp();
after(() => fake.close());

// On PostgreSQL the file knows its database's URL, so a second connection (a second worker) and a child process
// can share it; on PGlite both workers share the one in-process database.
const databaseUrl = onServer ? await testDatabaseUrl() : undefined;
const db: Db = databaseUrl ? await connect({ databaseUrl, poolSize: 6 }) : await testDb();
if (databaseUrl) after(() => db.close());
const config = testConfig({ smtpUrl: fake.url, publicUrl: "https://156.cidade.example" });
const ctx: AppContext = { db, config };
const app = await buildApp(ctx);
after(() => app.close());
after(() => closeChannelsOf(config));

const SE = { lat: -23.5503, lon: -46.634 };
const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required ORDER BY code LIMIT 1`,
  )
).code;

/** Files a demand through the API with an e-mail contact; returns its id, protocol, department and citizen. */
const fileDemand = (email: string, locale = "pt-BR", name = "Maria da Silva") =>
  fileDemandAs({ app, ctx }, { service, description: "Buraco na calçada", at: SE, email, locale, name });

/** Writes a send-message outbox row, as a workflow command would. */
async function queueMessage(demandId: number, template: string, data?: Record<string, unknown>) {
  return (
    await one<{ id: number }>(
      db,
      "INSERT INTO outbox (job, payload) VALUES ('send-message', $1) RETURNING id",
      [JSON.stringify({ demandId, template, ...(data ? { data } : {}) })],
    )
  ).id;
}

/** Runs the send-message job until nothing is due. */
const drain = (context: AppContext = ctx) => drainJobs(context, [sendMessage]);

const outboxOf = (id: number) =>
  one<{ state: string; attempts: number; run_at: Date; last_error: string | null }>(
    db,
    "SELECT state, attempts, run_at, last_error FROM outbox WHERE id = $1",
    [id],
  );
const messageOf = (outboxId: number) =>
  one<{
    id: number;
    state: string;
    attempts: number;
    channel: string;
    last_error: string | null;
    key: string;
  }>(
    db,
    "SELECT id, state, attempts, channel, last_error, key::text AS key FROM messages WHERE outbox_id = $1",
    [outboxId],
  );
const receiptRowOf = (demandId: number) =>
  one<{ id: number }>(
    db,
    "SELECT id FROM outbox WHERE job = 'send-message' AND (payload->>'demandId')::bigint = $1 ORDER BY id LIMIT 1",
    [demandId],
  );
const mailsTo = (address: string) => fake.received.filter((m) => m.to.includes(address));

describe("messages to citizens", () => {
  it("delivers the receipt of a demand filed through the API over SMTP, in the citizen's language", async () => {
    const demand = await fileDemand("Ana@Example.org", "es", "Ana");
    await drain();
    const mails = mailsTo("ana@example.org");
    assert.equal(mails.length, 1);
    const parsed = await fake.parse(mails[0]!);
    assert.equal(parsed.subject, `Recibimos su solicitud ${demand.protocol}`);
    assert.match(parsed.text ?? "", /^Hola, Ana:/);
    assert.ok(
      parsed.text?.includes(`https://156.cidade.example/acompanhar?protocolo=${demand.protocol}&lang=es`),
    );
    const row = await receiptRowOf(demand.id);
    assert.equal((await outboxOf(row.id)).state, "done");
    const message = await messageOf(row.id);
    assert.equal(message.state, "sent");
    assert.equal(message.channel, "email");
    assert.equal(mails[0]!.messageId, `<${message.key}@responsiva.localhost>`);
    const events = await db.query<{ type: string; visibility: string; data: Record<string, unknown> }>(
      "SELECT type, visibility, data FROM demand_events WHERE demand_id = $1 AND type = 'message.sent'",
      [demand.id],
    );
    assert.equal(events.length, 1);
    assert.equal(events[0]!.visibility, "public");
    assert.deepEqual(events[0]!.data, {
      messageId: message.id,
      template: "demand.received",
      channel: "email",
    });
    assert.ok(!JSON.stringify(events).includes("@"), "the timeline never holds the address");
  });

  it("retries a relay's 4xx with backoff, then delivers the same message once", async () => {
    fake.fail(451, 1);
    const demand = await fileDemand("bruno@example.org");
    await drain();
    const row = await receiptRowOf(demand.id);
    const waiting = await outboxOf(row.id);
    assert.equal(waiting.state, "pending");
    assert.ok(waiting.run_at.getTime() > Date.now() + 10_000, "waits before the next attempt");
    const queued = await messageOf(row.id);
    assert.equal(queued.state, "queued");
    assert.match(queued.last_error ?? "", /451/);
    assert.equal(mailsTo("bruno@example.org").length, 0);
    await db.query("UPDATE outbox SET run_at = now() WHERE id = $1", [row.id]);
    await drain();
    assert.equal((await outboxOf(row.id)).state, "done");
    assert.equal((await messageOf(row.id)).state, "sent");
    assert.equal(mailsTo("bruno@example.org").length, 1);
    const attempts = await db.query<{ outcome: string }>(
      "SELECT outcome FROM message_attempts WHERE message_id = $1 ORDER BY id",
      [queued.id],
    );
    assert.deepEqual(
      attempts.map((a) => a.outcome),
      ["temporary", "sent"],
    );
  });

  it("parks a message the only channel refuses for good as dead, with a delivery_failed alarm", async () => {
    fake.refuseRecipient("carla@example.org", 550);
    const demand = await fileDemand("carla@example.org");
    await drain();
    fake.recover();
    const row = await receiptRowOf(demand.id);
    const dead = await outboxOf(row.id);
    assert.equal(dead.state, "dead");
    assert.equal(dead.attempts, 1, "a permanent refusal is not retried");
    assert.ok(!dead.last_error?.includes("carla@"), "the address is masked in the error");
    assert.equal((await messageOf(row.id)).state, "failed");
    const alarm = await one<{ kind: string; level: number; department_id: number | null; demand_id: number }>(
      db,
      "SELECT kind, level, department_id, demand_id FROM alarms WHERE dedupe_key = $1",
      [`delivery:${row.id}`],
    );
    assert.deepEqual(alarm, {
      kind: "delivery_failed",
      level: 1,
      department_id: demand.department_id,
      demand_id: demand.id,
    });
    const failed = await db.query<{ visibility: string }>(
      "SELECT visibility FROM demand_events WHERE demand_id = $1 AND type = 'message.failed'",
      [demand.id],
    );
    assert.deepEqual(
      failed.map((f) => f.visibility),
      ["internal"],
    );
  });

  it("goes dead with an alarm when a relay keeps answering 4xx until the attempts run out", async () => {
    const demand = await fileDemand("davi@example.org");
    const row = await receiptRowOf(demand.id);
    await db.query("UPDATE outbox SET attempts = $2 - 1 WHERE id = $1", [row.id, sendMessage.maxAttempts]);
    fake.fail(421);
    await drain();
    fake.recover();
    assert.equal((await outboxOf(row.id)).state, "dead");
    assert.equal((await messageOf(row.id)).state, "failed");
    const alarms = await db.query("SELECT 1 FROM alarms WHERE dedupe_key = $1", [`delivery:${row.id}`]);
    assert.equal(alarms.length, 1);
  });

  it("records an answer as delivered only when its message was sent, with the answer text in the mail", async () => {
    const demand = await fileDemand("elisa@example.org", "en", "Elisa");
    await drain();
    const answer = "The hole was filled on 3 March.";
    fake.fail(554, 1);
    const refused = await queueMessage(demand.id, "demand.answered", { answer });
    await drain();
    assert.equal((await outboxOf(refused)).state, "dead");
    const before = await one<{ answer_delivered_at: Date | null }>(
      db,
      "SELECT answer_delivered_at FROM demands WHERE id = $1",
      [demand.id],
    );
    assert.equal(before.answer_delivered_at, null, "a refused answer is not delivered");
    const row = await queueMessage(demand.id, "demand.answered", { answer });
    await drain();
    const after = await one<{ answer_delivered_at: Date | null }>(
      db,
      "SELECT answer_delivered_at FROM demands WHERE id = $1",
      [demand.id],
    );
    assert.ok(after.answer_delivered_at instanceof Date);
    const delivered = await db.query<{ visibility: string; data: { messageId: number } }>(
      "SELECT visibility, data FROM demand_events WHERE demand_id = $1 AND type = 'answer.delivered'",
      [demand.id],
    );
    assert.deepEqual(delivered, [{ visibility: "public", data: { messageId: (await messageOf(row)).id } }]);
    const mails = mailsTo("elisa@example.org");
    const parsed = await fake.parse(mails.at(-1)!);
    assert.equal(parsed.subject, `Answer to your request ${demand.protocol}`);
    assert.ok(parsed.text?.includes(answer));
  });

  it("skips a message whose citizen was erased, without an alarm", async () => {
    const demand = await fileDemand("fabio@example.org");
    await db.query("UPDATE citizens SET erased_at = now() WHERE id = $1", [demand.citizen_id]);
    await db.query("DELETE FROM citizen_contacts WHERE citizen_id = $1", [demand.citizen_id]);
    await drain();
    const row = await receiptRowOf(demand.id);
    assert.equal((await outboxOf(row.id)).state, "done");
    assert.equal((await messageOf(row.id)).state, "skipped");
    assert.equal(mailsTo("fabio@example.org").length, 0);
  });

  it("records no attempt when the citizen is erased between the plan's read and the attempt", async () => {
    fake.fail(451, 1);
    const demand = await fileDemand("gil@example.org");
    await drain();
    const row = await receiptRowOf(demand.id);
    const payload = SendMessagePayload.parse(
      (await one<{ payload: unknown }>(db, "SELECT payload FROM outbox WHERE id = $1", [row.id])).payload,
    );
    const plan = await planMessage(db, row.id, payload, ["email"], config.publicUrl);
    assert.equal(plan.kind, "send");
    if (plan.kind !== "send") return;
    // What the erasure does to the person's messages (server/citizens/commands.ts), committed after the read.
    await db.query("UPDATE messages SET address = NULL, citizen_id = NULL WHERE citizen_id = $1", [
      demand.citizen_id,
    ]);
    assert.equal(await startFirstAttempt(db, plan, plan.recipients[0]!), undefined);
    const message = await messageOf(row.id);
    assert.deepEqual([message.state, message.attempts], ["queued", 1], "only the first run's attempt");
  });
});

describe("message templates", () => {
  const data = {
    answer: "Resposta do órgão",
    question: "Qual é o número da casa?",
    survivingProtocol: "20260000000017",
    surveyUrl: "https://156.cidade.example/avaliar/abc",
  };
  it("renders every template in pt-BR, en and es with every variable filled in", () => {
    for (const template of TEMPLATES) {
      const subjects = new Set<string>();
      for (const locale of LOCALES) {
        const { subject, text } = renderMessage(template, locale, {
          name: "Maria",
          protocol: "20260000000025",
          service: "Tapa-buraco",
          department: "Subprefeitura Sé",
          trackUrl: "https://156.cidade.example/acompanhar?protocolo=20260000000025",
          data,
        });
        assert.ok(!/\{\w+\}/.test(subject + text), `${template} ${locale} left a placeholder`);
        assert.ok(!subject.startsWith("messages."), `${template} ${locale} has no subject text`);
        assert.ok(text.includes("20260000000025"), `${template} ${locale} names the protocol`);
        assert.ok(text.includes("Maria"));
        subjects.add(subject);
      }
      assert.equal(subjects.size, 3, `${template} is written in three languages`);
    }
    const render = (template: (typeof TEMPLATES)[number]) =>
      renderMessage(template, "pt-BR", {
        name: null,
        protocol: "1",
        service: "s",
        department: "Subprefeitura Sé",
        trackUrl: "t",
        data,
      }).text;
    assert.ok(render("demand.answered").includes(data.answer));
    assert.ok(render("demand.complement_requested").includes(data.question));
    assert.ok(render("demand.merged").includes(data.survivingProtocol));
    assert.ok(render("survey.requested").includes(data.surveyUrl));
    assert.ok(render("survey.reminder").includes(data.surveyUrl));
    assert.ok(render("demand.dispatched").includes("Subprefeitura Sé"));
  });

  it("refuses a payload that lacks what its template needs", () => {
    assert.equal(SendMessagePayload.safeParse({ demandId: 1, template: "demand.answered" }).success, false);
    assert.equal(
      SendMessagePayload.safeParse({ demandId: 1, template: "demand.merged", data: {} }).success,
      false,
    );
    assert.equal(
      SendMessagePayload.safeParse({
        demandId: 1,
        template: "demand.answered",
        data: { answer: "ok", extra: 1 },
      }).success,
      true,
    );
    assert.equal(SendMessagePayload.safeParse({ demandId: 1, template: "demand.unknown" }).success, false);
  });
});

describe("delivery with several workers", () => {
  it("two workers running at once deliver each of many messages exactly once", async () => {
    const demand = await fileDemand("gabi@example.org");
    await drain();
    const rows: number[] = [];
    for (let i = 0; i < 40; i++) rows.push(await queueMessage(demand.id, "demand.closed"));
    // A second database connection where there is a server: two workers as two processes would have them.
    const second: Db = databaseUrl ? await connect({ databaseUrl, poolSize: 4 }) : db;
    const configs = [config, { ...config }];
    const workers = [
      startWorker({ db, config: configs[0]! }, [sendMessage], 10),
      startWorker({ db: second, config: configs[1]! }, [sendMessage], 10),
    ];
    fake.delay(3);
    try {
      await waitUntil(async () => {
        const left = await db.query("SELECT 1 FROM outbox WHERE id = ANY($1) AND state <> 'done'", [rows]);
        return left.length === 0;
      });
    } finally {
      fake.delay(0);
      for (const w of workers) await w.stop();
      await closeChannelsOf(configs[1]!);
      if (second !== db) await second.close();
    }
    const keys = await db.query<{ key: string }>(
      "SELECT key::text AS key FROM messages WHERE outbox_id = ANY($1)",
      [rows],
    );
    const wanted = new Set(keys.map((k) => `<${k.key}@responsiva.localhost>`));
    const got = fake.received.filter((m) => wanted.has(m.messageId)).map((m) => m.messageId);
    assert.equal(wanted.size, 40);
    assert.equal(got.length, 40, "no message sent twice");
    assert.equal(new Set(got).size, 40, "every message sent");
  });

  it("a worker process killed mid-batch leaves nothing lost, and resends at most the one in flight", {
    skip: onServer ? false : "needs DATABASE_URL (a second process on the same database)",
  }, async () => {
    const demand = await fileDemand("hugo@example.org");
    await drain();
    const rows: number[] = [];
    for (let i = 0; i < 30; i++) rows.push(await queueMessage(demand.id, "demand.reopened"));
    fake.delay(40);
    const child = startWorkerProcess(databaseUrl!, fake.url);
    try {
      const before = fake.received.length;
      await fake.waitFor(before + 6, 60_000);
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      fake.delay(0);
    }
    const sentByChild = await db.query(
      "SELECT 1 FROM messages WHERE outbox_id = ANY($1) AND state = 'sent'",
      [rows],
    );
    assert.ok(
      sentByChild.length > 0 && sentByChild.length < 30,
      `killed mid-batch (${sentByChild.length} sent)`,
    );
    // Five minutes later the dead worker's leases have run out; another worker takes its rows.
    await db.query("UPDATE outbox SET locked_until = now() - interval '1 second' WHERE state = 'running'");
    await drain();
    const messages = await db.query<{ id: number; key: string; state: string; in_flight: boolean }>(
      `SELECT m.id, m.key::text AS key, m.state,
              EXISTS (SELECT 1 FROM message_attempts a WHERE a.message_id = m.id AND a.outcome IS NULL) AS in_flight
         FROM messages m WHERE m.outbox_id = ANY($1)`,
      [rows],
    );
    assert.equal(messages.length, 30);
    assert.ok(
      messages.every((m) => m.state === "sent"),
      "nothing lost",
    );
    const counts = new Map<string, number>();
    for (const m of fake.received) counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
    const inFlight = messages.filter((m) => m.in_flight);
    assert.ok(inFlight.length <= 1, "one worker has one message out at a time");
    for (const m of messages) {
      const n = counts.get(`<${m.key}@responsiva.localhost>`) ?? 0;
      assert.ok(n >= 1, `message ${m.id} arrived`);
      // Only a message whose attempt was out when the process died may arrive twice, with the same Message-ID.
      assert.ok(n === 1 || (m.in_flight && n === 2), `message ${m.id} arrived ${n} times`);
    }
  });
});

describe("dead letters", () => {
  it("lists dead messages with their last error for supervisors, and a retry delivers one", async () => {
    fake.refuseRecipient("iris@example.org", 550);
    const demand = await fileDemand("iris@example.org");
    await drain();
    fake.recover();
    const row = await receiptRowOf(demand.id);
    const supervisor = await staffHeaders(db, "supervisor");
    const list = await app.inject({
      method: "GET",
      url: "/api/v1/dead-letters?job=send-message",
      headers: { authorization: supervisor.authorization },
    });
    assert.equal(list.statusCode, 200);
    const entry = (list.json() as Array<Record<string, unknown>>).find((d) => d.id === row.id);
    assert.ok(entry, "the dead message is listed");
    assert.equal(entry.protocol, demand.protocol);
    assert.match(String(entry.lastError), /550/);
    assert.ok(!String(entry.lastError).includes("iris@"));
    assert.deepEqual(entry.message, {
      id: (await messageOf(row.id)).id,
      template: "demand.received",
      channel: "email",
      state: "failed",
    });

    const retry = await app.inject({
      method: "POST",
      url: `/api/v1/dead-letters/${row.id}/retry`,
      headers: { authorization: supervisor.authorization },
    });
    assert.equal(retry.statusCode, 200, retry.body);
    assert.equal((await outboxOf(row.id)).state, "pending");
    await drain();
    assert.equal((await messageOf(row.id)).state, "sent");
    assert.equal(mailsTo("iris@example.org").length, 1);
    const again = await app.inject({
      method: "POST",
      url: `/api/v1/dead-letters/${row.id}/retry`,
      headers: { authorization: supervisor.authorization },
    });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, "not_dead");
    const retried = await db.query<{ actor_id: number }>(
      "SELECT actor_id FROM demand_events WHERE demand_id = $1 AND type = 'message.retried'",
      [demand.id],
    );
    assert.deepEqual(retried, [{ actor_id: supervisor.staffId }]);
    // The retry is in the audit log, once (the refused second one wrote nothing), without the error's address.
    const audited = await db.query<{
      staff_id: number;
      entity_type: string;
      before: unknown;
      after: unknown;
    }>(
      `SELECT staff_id, entity_type, before, after FROM audit_log
        WHERE action = 'dead_letter.retried' AND entity_id = $1`,
      [String(row.id)],
    );
    assert.deepEqual(audited, [
      {
        staff_id: supervisor.staffId,
        entity_type: "outbox",
        before: { job: "send-message", state: "dead", attempts: entry.attempts },
        after: { job: "send-message", state: "pending", attempts: 0 },
      },
    ]);
  });

  it("lists a demand's messages for staff, without the address, and hides another department's", async () => {
    const demand = await fileDemand("joao@example.org");
    await drain();
    const agent = await staffHeaders(db, "agent");
    const res = await app.inject({
      method: "GET",
      url: `/api/v1/demands/${demand.protocol}/messages`,
      headers: { authorization: agent.authorization },
    });
    assert.equal(res.statusCode, 200);
    const messages = res.json() as Array<{ template: string; state: string; channel: string }>;
    assert.deepEqual(
      messages.map((m) => [m.template, m.state, m.channel]),
      [["demand.received", "sent", "email"]],
    );
    assert.ok(!res.body.includes("joao@"));
    const other = await one<{ code: string }>(
      db,
      "SELECT code FROM departments WHERE id IS DISTINCT FROM $1 ORDER BY id LIMIT 1",
      [demand.department_id],
    );
    const outsider = await staffHeaders(db, "department_staff", other.code);
    const hidden = await app.inject({
      method: "GET",
      url: `/api/v1/demands/${demand.protocol}/messages`,
      headers: { authorization: outsider.authorization },
    });
    assert.equal(hidden.statusCode, 404);
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `server/main.ts --roles=worker` on the database, sending e-mail to the fake. */
function startWorkerProcess(url: string, smtpUrl: string): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts", "--roles=worker"], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      SMTP_URL: smtpUrl,
      SEED_DEMO: "never",
      LOG_LEVEL: "warn",
      DATA_DIR: `/tmp/responsiva-test-${process.pid}`,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return child;
}
