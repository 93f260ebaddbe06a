/**
 * Outbox delivery throughput: N `send-message` rows queued, M workers (`startWorker`, in this process) deliver
 * them over SMTP to the fake server on loopback (channels/email/fake.ts); messages/s from the first claim to the
 * last row done. Baseline in the same run: raw nodemailer `sendMail` of N messages to the same server with M
 * concurrent senders, no database. Each run also checks that the server got every message exactly once.
 *
 *   npm run bench -- delivery [--db=postgres|pglite] [--messages=2000] [--workers=1,4] [--no-pool]
 *
 * PostgreSQL is reached as BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1/postgres): the script creates
 * `bench_delivery_<pid>` there and drops it at the end. PGlite runs in memory. Both paths reuse SMTP connections
 * (nodemailer's pool, the adapter's default); `--no-pool` opens one per message (`?pool=false`) for both.
 */
import nodemailer from "nodemailer";
import pg from "pg";
import { startFakeSmtp } from "../channels/email/fake.ts";
import { seedDemoCity } from "../server/cli/seed.ts";
import { parseConfig } from "../server/config.ts";
import type { AppContext } from "../server/context.ts";
import { connect, type Db, one } from "../server/db/index.ts";
import { migrate } from "../server/db/migrate.ts";
import { enqueueMany } from "../server/jobs/enqueue.ts";
import { startWorker } from "../server/jobs/runner.ts";
import { closeChannelsOf, sendMessage } from "../server/notifications/jobs.ts";

interface Options {
  db: "postgres" | "pglite";
  messages: number;
  workers: number[];
  pool: boolean;
}

function parseOptions(argv: string[]): Options {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  return {
    db: get("db") === "pglite" ? "pglite" : "postgres",
    messages: Number(get("messages") ?? 2000),
    workers: (get("workers") ?? "1,4").split(",").map(Number),
    pool: !argv.includes("--no-pool"),
  };
}

/** One citizen with an e-mail address and one demand of theirs, for the messages to be about. */
async function prepareDemand(db: Db): Promise<number> {
  const citizen = await one<{ id: number }>(
    db,
    "INSERT INTO citizens (name, locale) VALUES ('Bench', 'pt-BR') RETURNING id",
  );
  await db.query("INSERT INTO citizen_contacts (citizen_id, channel, value) VALUES ($1, 'email', $2)", [
    citizen.id,
    "bench@example.org",
  ]);
  const demand = await one<{ id: number }>(
    db,
    `INSERT INTO demands (protocol, service_id, channel, identity_mode, citizen_id)
     VALUES (next_protocol(), (SELECT id FROM services ORDER BY id LIMIT 1), 'web', 'identified', $1) RETURNING id`,
    [citizen.id],
  );
  return demand.id;
}

/** Runs `workers` concurrent loops of `fn` until `total` calls were made. */
async function concurrently(total: number, workers: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < total) await fn(next++);
    }),
  );
}

/** Runs the bench with the options given on the command line. */
export async function runDeliveryBench(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  const fake = await startFakeSmtp();
  const smtpUrl = `${fake.url}?pool=${options.pool}`;
  const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1/postgres";
  const name = `bench_delivery_${process.pid}`;
  let databaseUrl: string | undefined;
  let admin: pg.Client | undefined;
  if (options.db === "postgres") {
    admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
  }
  const db = await connect({ databaseUrl, poolSize: 10 });
  const rows: string[] = [];
  try {
    await migrate(db);
    await seedDemoCity(db, {
      sharedDataDir: process.env.SHARED_DATA_DIR ?? "../shared/data",
      scope: "fixture",
    });
    const demandId = await prepareDemand(db);
    const parsed = parseConfig({ DATABASE_URL: databaseUrl, SMTP_URL: smtpUrl, LOG_LEVEL: "silent" });
    if ("problems" in parsed) throw new Error(parsed.problems.join("; "));
    const config = parsed.config;

    for (const m of options.workers) {
      // Outbox delivery: queue N rows, start M workers, time until every row is done.
      const ids = await enqueueMany(
        db,
        "send-message",
        Array.from({ length: options.messages }, () => ({ demandId, template: "demand.closed" as const })),
      );
      const before = fake.received.length;
      const ctx: AppContext = { db, config };
      const started = performance.now();
      const workers = Array.from({ length: m }, () => startWorker(ctx, [sendMessage], 20));
      for (;;) {
        const left = await one<{ n: number }>(
          db,
          "SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1) AND state <> 'done'",
          [ids],
        );
        if (left.n === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const seconds = (performance.now() - started) / 1000;
      for (const w of workers) await w.stop();
      const got = fake.received.slice(before);
      const distinct = new Set(got.map((g) => g.messageId)).size;
      if (got.length !== options.messages || distinct !== options.messages) {
        throw new Error(
          `expected ${options.messages} messages once each, got ${got.length} (${distinct} distinct)`,
        );
      }
      rows.push(row(options, "outbox → SMTP", m, options.messages / seconds));

      // Baseline: the same number of messages straight through nodemailer, no database.
      const transport = nodemailer.createTransport({ url: smtpUrl });
      const t0 = performance.now();
      await concurrently(options.messages, m, async (i) => {
        await transport.sendMail({
          from: config.mailFrom,
          to: "bench@example.org",
          subject: `Solicitação ${i} encerrada`,
          text: "Olá.\n\nSua solicitação foi encerrada.\n",
        });
      });
      const baseline = options.messages / ((performance.now() - t0) / 1000);
      transport.close();
      rows.push(row(options, "raw nodemailer", m, baseline));
    }
    await closeChannelsOf(config);
  } finally {
    await db.close();
    await fake.close();
    if (admin) {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  }
  console.log(`\n| database | path | SMTP connections | workers | messages | messages/s |`);
  console.log(`| --- | --- | --- | --: | --: | --: |`);
  for (const r of rows) console.log(r);
}

function row(options: Options, path: string, workers: number, rate: number): string {
  const db = options.db === "postgres" ? "PostgreSQL" : "PGlite";
  const pool = options.pool ? "pooled (≤ 5)" : "one per message";
  return `| ${db} | ${path} | ${pool} | ${workers} | ${options.messages} | ${Math.round(rate).toLocaleString("en")} |`;
}

if (import.meta.url === `file://${process.argv[1]}`) await runDeliveryBench(process.argv.slice(2));
