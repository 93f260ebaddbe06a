/**
 * The call planner at São Paulo's scale (issue 18): every one of the city's 34,710 fiscal blocks seeded (scope
 * "full"), 100,000 citizen auditors enrolled on them with one to four weekly windows and a limit of one to four calls
 * a week, block scores on 60 % of the blocks and open demands (a third late) on others; then a week's plan
 * (server/auditors/planner.ts, one statement per part, PLAN_PARTS parts at once) timed `--runs` times from an empty week, and beside it, in the same run,
 * the floor: the same number of calls written by plain INSERTs in as many parts at once, with no planning at all (the plan writes no job:
 * the dispatcher queues each call's try when its time comes).
 *
 *   npm run bench -- auditor-planner [--auditors=100000] [--runs=3] [--db=responsiva_planner_bench] [--keep]
 *
 * PostgreSQL is the server of DATABASE_URL (default postgres://postgres@127.0.0.1:5432); the database `--db` is made
 * there and dropped at the end unless `--keep` (a kept database is reused: its city and auditors are not made again).
 */
import pg from "pg";
import { PLAN_PARTS, planWeek } from "../server/auditors/planner.ts";
import { seedDemoCity } from "../server/cli/seed.ts";
import { loadConfig } from "../server/config.ts";
import { connect, one } from "../server/db/index.ts";
import { migrate } from "../server/db/migrate.ts";
import { median, option, seconds, serverUrl, timed } from "./common.ts";

/** The auditors, their windows and consents, a questionnaire a call can ask, and the blocks' situations. */
async function makeAuditors(db: pg.Client, auditors: number): Promise<void> {
  const q = (text: string, params: unknown[] = []) => db.query(text, params);
  await q(`INSERT INTO questionnaires (code, title, service_id)
           VALUES ('bench-auditor', '{"pt-BR": "Coleta"}', (SELECT id FROM services ORDER BY id LIMIT 1))`);
  await q(`INSERT INTO questionnaire_versions (questionnaire_id, version, state, definition, published_at)
           SELECT id, 1, 'published',
                  '{"questions": [{"name": "coleta", "type": "yes_no", "required": true,
                                   "label": {"pt-BR": "A coleta passou?"}}]}', now()
             FROM questionnaires WHERE code = 'bench-auditor'`);
  await q(`INSERT INTO citizens (name) SELECT 'Auditor ' || g FROM generate_series(1, $1::int) g`, [
    auditors,
  ]);
  await q(
    `WITH b AS (SELECT array_agg(id ORDER BY id) AS ids FROM blocks),
          c AS (SELECT id, row_number() OVER (ORDER BY id) AS g FROM citizens WHERE name LIKE 'Auditor %')
     INSERT INTO auditors (citizen_id, phone, block_id, point, max_calls_per_week, consent_at, consent_channel,
                           consent_text_version)
     SELECT c.id, '+5511' || lpad((900000000 + c.g)::text, 9, '0'), bl.id, ST_PointOnSurface(bl.geom),
            1 + c.g % 4, now(), 'portal', '2025-06'
       FROM c CROSS JOIN b JOIN blocks bl ON bl.id = b.ids[(1 + (c.g * 7919) % cardinality(b.ids))::int]`,
  );
  // One to four windows each, on weekdays two apart (never overlapping), two hours from 08:00–18:00.
  await q(
    `INSERT INTO auditor_windows (auditor_id, weekday, starts, ends)
     SELECT a.id, (a.id + 2 * k) % 7, make_time(8 + ((a.id * 13 + k * 5) % 11)::int, 0, 0),
            make_time(10 + ((a.id * 13 + k * 5) % 11)::int, 0, 0)
       FROM auditors a CROSS JOIN generate_series(0, 3) k WHERE k <= a.id % 4`,
  );
  await q(`INSERT INTO consents (citizen_id, purpose, granted, policy_version, channel)
           SELECT citizen_id, 'citizen_auditor', true, '2025-06', 'portal' FROM auditors`);
  // Scores on 60 % of the blocks (two services, anywhere from bad to good), open demands on 20 %, a third late.
  await q(
    `INSERT INTO block_scores (block_id, service_id, score, components, evidence)
     SELECT b.id, s.id, (b.id * 37 + s.id * 11) % 101, '{}', 5
       FROM blocks b CROSS JOIN (SELECT id FROM services ORDER BY id LIMIT 2) s WHERE b.id % 10 < 6`,
  );
  await q(
    `INSERT INTO demands (protocol, service_id, channel, status, identity_mode, block_id, opened_at, due_at,
                          description)
     SELECT 'BENCHA' || b.id || '-' || n, (SELECT id FROM services ORDER BY id LIMIT 1), 'web', 'dispatched',
            'anonymous', b.id, now() - interval '10 days',
            now() + CASE WHEN (b.id + n) % 3 = 0 THEN interval '-2 days' ELSE interval '20 days' END, 'bench'
       FROM blocks b CROSS JOIN generate_series(1, 3) n WHERE b.id % 5 = 0 AND n <= 1 + b.id % 3`,
  );
  await q("VACUUM ANALYZE auditors, auditor_windows, consents, block_scores, demands, citizens");
}

/** Empties the week: no call and no try queued, as before the first run. */
async function emptyWeek(db: pg.Client): Promise<void> {
  await db.query("DELETE FROM outbox WHERE job = 'place-auditor-call'");
  await db.query("DELETE FROM auditor_calls");
  await db.query("VACUUM ANALYZE auditor_calls, outbox");
}

export async function runAuditorPlannerBench(argv: string[]): Promise<void> {
  const name = option(argv, "db", "responsiva_planner_bench");
  const runs = Number(option(argv, "runs", "3"));
  const auditors = Number(option(argv, "auditors", "100000"));
  const keep = argv.includes("--keep");
  const server = serverUrl();
  const url = `${server}/${name}`;
  const admin = new pg.Client({ connectionString: `${server}/postgres` });
  await admin.connect();
  const { rows } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  const fresh = rows.length === 0;
  if (fresh) await admin.query(`CREATE DATABASE ${name}`);

  const config = loadConfig({ ...process.env, DATABASE_URL: url });
  const db = await connect({ databaseUrl: url, poolSize: PLAN_PARTS });
  const raw = new pg.Client({ connectionString: url });
  await raw.connect();
  try {
    if (fresh) {
      let [ms] = await timed(async () => {
        await migrate(db);
        await seedDemoCity(db, { sharedDataDir: config.sharedDataDir, scope: "full", accounts: false });
      });
      console.log(`full demo city seeded in ${seconds(ms)}`);
      [ms] = await timed(() => makeAuditors(raw, auditors));
      console.log(`auditors made in ${seconds(ms)}`);
    }
    const counts = await one<Record<string, number>>(
      db,
      `SELECT (SELECT count(*)::int FROM blocks) AS blocks, (SELECT count(*)::int FROM auditors) AS auditors,
              (SELECT count(DISTINCT block_id)::int FROM auditors) AS auditor_blocks,
              (SELECT count(*)::int FROM auditor_windows) AS windows,
              (SELECT count(*)::int FROM block_scores) AS scores,
              (SELECT count(*)::int FROM demands WHERE status = 'dispatched') AS open_demands`,
    );
    console.log(JSON.stringify(counts));

    // Next week, planned from now: every window of it lies ahead.
    const now = new Date();
    const week = new Date(now.getTime() + 7 * 86_400_000);
    const plan: number[] = [];
    const floor: number[] = [];
    let planned = 0;
    for (let i = 0; i < runs; i++) {
      await emptyWeek(raw);
      const [ms, out] = await timed(() => planWeek(db, week, now));
      plan.push(ms);
      planned = out.planned;
      console.log(`plan ${i + 1}: ${seconds(ms)} (${out.planned} calls for ${out.auditors} auditors)`);
      await emptyWeek(raw);
      // The floor: as many calls, written by plain INSERTs in as many parts at once (no situation, window or spread).
      const [floorMs] = await timed(() =>
        Promise.all(
          Array.from({ length: PLAN_PARTS }, (_, part) =>
            db.transaction((tx) =>
              tx.query(
                `INSERT INTO auditor_calls (auditor_id, version_id, due_at, until_at)
                 SELECT a.id, (SELECT id FROM questionnaire_versions ORDER BY id DESC LIMIT 1),
                        $2::timestamptz + make_interval(mins => g % 600), $2::timestamptz + interval '12 hours'
                   FROM generate_series(1, $1::int) g
                   JOIN auditors a ON a.id = (SELECT min(id) FROM auditors) + g % $3::int
                  WHERE g % $4::int = $5::int`,
                [planned, week.toISOString(), counts.auditors, PLAN_PARTS, part],
              ),
            ),
          ),
        ),
      );
      floor.push(floorMs);
      console.log(`floor ${i + 1}: ${seconds(floorMs)} (${planned} calls written)`);
    }
    console.log(
      `\n${planned} calls for next week, ${counts.auditors} auditors on ${counts.auditor_blocks} blocks`,
    );
    console.log(`week's plan, median of ${runs}:  ${seconds(median(plan))}`);
    console.log(`floor (the writes alone):     ${seconds(median(floor))}`);
    console.log(`plan / floor:                 ${(median(plan) / median(floor)).toFixed(2)}`);
  } finally {
    await raw.end();
    await db.close();
    if (!keep) await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runAuditorPlannerBench(process.argv.slice(2));
