/**
 * The block quality scores at the demo city's scale (issue 17): every one of São Paulo's 34,710 fiscal blocks seeded
 * (server/areas/seed.ts, scope "full"), synthetic evidence on many of them — inspectors' and citizen auditors'
 * answers spread over the score window, open (some late) and closed demands, satisfaction ratings — then the full
 * refresh of every pair (server/block-scores/refresh.ts, one statement) timed three times, and beside it an
 * incremental refresh of one inspector's day of blocks, the map layer of a central box and the public districts.
 *
 *   npm run bench -- block-scores [--answers=500000] [--demands=100000] [--runs=3] [--db=responsiva_h3_bench] [--keep]
 *
 * PostgreSQL is the server of DATABASE_URL (default postgres://postgres@127.0.0.1:5432); the script creates the
 * database `--db` there and drops it at the end unless `--keep` (a kept database is reused: its city and evidence
 * are not made again). The evidence is made by a few set-based statements (bounded: two cores are shared).
 */
import pg from "pg";
import { readDistricts, readLayer } from "../server/block-scores/queries.ts";
import { refreshBlockScores } from "../server/block-scores/refresh.ts";
import { seedDemoCity } from "../server/cli/seed.ts";
import { loadConfig } from "../server/config.ts";
import { connect } from "../server/db/index.ts";
import { migrate } from "../server/db/migrate.ts";
import { median, option, seconds, serverUrl, timed } from "./common.ts";

/** Inspectors' and auditors' answers, demands and ratings on many blocks, over the last 180 days. */
async function makeEvidence(db: pg.Client, answers: number, demands: number): Promise<void> {
  const q = (text: string, params: unknown[] = []) => db.query(text, params);
  await q(`INSERT INTO staff_users (email, name, password_hash, role)
           VALUES ('bench-inspector@bench.local', 'Bench Inspector', 'x', 'inspector')`);
  await q("INSERT INTO citizens (name) VALUES ('Bench Auditor')");
  // Six services, one questionnaire and published version each.
  await q(`INSERT INTO questionnaires (code, title, service_id)
           SELECT 'bench-' || id, '{"pt-BR": "Zeladoria"}', id FROM (SELECT id FROM services ORDER BY id LIMIT 6) s`);
  await q(`INSERT INTO questionnaire_versions (questionnaire_id, version, state, definition, published_at)
           SELECT id, 1, 'published', '{}', now() FROM questionnaires`);
  // One response per five answers; responses fall on about 60% of the blocks (a block's id hashed), a service each.
  await q(
    `WITH b AS (SELECT array_agg(id ORDER BY id) AS ids FROM blocks),
          v AS (SELECT array_agg(v.id ORDER BY v.id) AS ids FROM questionnaire_versions v),
          u AS (SELECT id FROM staff_users WHERE email = 'bench-inspector@bench.local'),
          c AS (SELECT id FROM citizens WHERE name = 'Bench Auditor')
     INSERT INTO responses (client_id, version_id, channel, respondent_kind, staff_user_id, citizen_id, block_id,
                            answered_at)
     SELECT gen_random_uuid(), v.ids[(1 + g % 6)::int],
            CASE WHEN g % 10 = 0 THEN 'voice' ELSE 'field' END,
            CASE WHEN g % 10 = 0 THEN 'auditor' ELSE 'inspector' END,
            CASE WHEN g % 10 = 0 THEN NULL ELSE u.id END, CASE WHEN g % 10 = 0 THEN c.id END,
            b.ids[(1 + (g * 7919) % (cardinality(b.ids) * 6 / 10))::int],
            now() - make_interval(secs => (g * 104729) % (180 * 86400))
       FROM generate_series(1, $1::bigint) g, b, v, u, c`,
    [Math.ceil(answers / 5)],
  );
  await q(
    `INSERT INTO answers (response_id, question, value, block_id, service_id, score, respondent_kind, answered_at)
     SELECT r.id, 'q' || n, to_jsonb(1 + (r.id + n) % 5), r.block_id, q.service_id, ((r.id * 31 + n) % 5) / 4.0,
            r.respondent_kind, r.answered_at
       FROM responses r
       JOIN questionnaire_versions v ON v.id = r.version_id
       JOIN questionnaires q ON q.id = v.questionnaire_id
       CROSS JOIN generate_series(1, 5) n`,
  );
  // Demands on about 70% of the blocks: 40% open (a third of those late), the rest closed, one in three rated.
  await q(
    `WITH b AS (SELECT array_agg(id ORDER BY id) AS ids FROM blocks),
          s AS (SELECT array_agg(id ORDER BY id) AS ids FROM (SELECT id FROM services ORDER BY id LIMIT 6) x)
     INSERT INTO demands (protocol, service_id, channel, status, identity_mode, block_id, opened_at, due_at,
                          closed_at, description)
     SELECT 'BENCH' || g, s.ids[(1 + g % 6)::int], 'web',
            CASE WHEN g % 5 < 2 THEN 'dispatched' ELSE 'closed' END, 'anonymous',
            b.ids[(1 + (g * 104729) % (cardinality(b.ids) * 7 / 10))::int],
            now() - make_interval(days => (1 + g % 170)::int),
            now() - make_interval(days => (1 + g % 170)::int) + make_interval(days => CASE WHEN g % 3 = 0 THEN 0 ELSE 400 END),
            CASE WHEN g % 5 < 2 THEN NULL ELSE now() - make_interval(days => (g % 170)::int) END, 'bench'
       FROM generate_series(1, $1::bigint) g, b, s`,
    [demands],
  );
  await q(
    `INSERT INTO satisfaction_surveys (demand_id, round, channel, answered_at, rating, solved)
     SELECT id, 0, 'web', closed_at, 1 + id % 5, id % 5 >= 2 FROM demands
      WHERE status = 'closed' AND id % 3 = 0`,
  );
  await q("VACUUM ANALYZE responses, answers, demands, satisfaction_surveys, blocks");
}

/** Builds the city and its evidence when the database is new, times the refreshes and reads, and prints them. */
export async function runBlockScoresBench(argv: string[]): Promise<void> {
  const name = option(argv, "db", "responsiva_h3_bench");
  const runs = Number(option(argv, "runs", "3"));
  const answers = Number(option(argv, "answers", "500000"));
  const demands = Number(option(argv, "demands", "100000"));
  const keep = argv.includes("--keep");
  const server = serverUrl();
  const url = `${server}/${name}`;
  const admin = new pg.Client({ connectionString: `${server}/postgres` });
  await admin.connect();
  const { rows } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  const fresh = rows.length === 0;
  if (fresh) await admin.query(`CREATE DATABASE ${name}`);

  const config = loadConfig({ ...process.env, DATABASE_URL: url });
  const db = await connect({ databaseUrl: url, poolSize: 2 });
  try {
    if (fresh) {
      let [ms] = await timed(async () => {
        await migrate(db);
        await seedDemoCity(db, { sharedDataDir: config.sharedDataDir, scope: "full", accounts: false });
      });
      console.log(`full demo city seeded in ${seconds(ms)}`);
      const raw = new pg.Client({ connectionString: url });
      await raw.connect();
      [ms] = await timed(() => makeEvidence(raw, answers, demands));
      await raw.end();
      console.log(`evidence made in ${seconds(ms)}`);
    }
    const [counts] = await db.query<Record<string, number>>(
      `SELECT (SELECT count(*)::int FROM blocks) AS blocks,
              (SELECT count(*)::int FROM answers) AS answers,
              (SELECT count(DISTINCT block_id)::int FROM answers) AS answered_blocks,
              (SELECT count(*)::int FROM demands) AS demands,
              (SELECT count(*)::int FROM demands WHERE status <> 'closed') AS open_demands,
              (SELECT count(*)::int FROM satisfaction_surveys WHERE rating IS NOT NULL) AS ratings`,
    );
    console.log(JSON.stringify(counts));

    const full: number[] = [];
    for (let i = 0; i < runs; i++) {
      const [ms, outcome] = await timed(() => db.transaction((tx) => refreshBlockScores(tx, null)));
      full.push(ms);
      console.log(
        `full refresh ${i + 1}: ${seconds(ms)} (${outcome.written} written, ${outcome.removed} removed)`,
      );
    }
    const [pairs] = await db.query<{ n: number; blocks: number }>(
      "SELECT count(*)::int AS n, count(DISTINCT block_id)::int AS blocks FROM block_scores",
    );

    // One inspector's day: 60 answers on about as many blocks.
    const day = (
      await db.query<{ id: number }>("SELECT DISTINCT block_id AS id FROM answers ORDER BY 1 LIMIT 60")
    ).map((r) => Number(r.id));
    const incremental: number[] = [];
    for (let i = 0; i < runs; i++) {
      incremental.push((await timed(() => db.transaction((tx) => refreshBlockScores(tx, day))))[0]);
    }
    // The command centre's map over the centre (about 2 × 2 km around the Sé) and the public districts.
    const layer: number[] = [];
    const districts: number[] = [];
    let features = 0;
    for (let i = 0; i < runs; i++) {
      const [ms, rows] = await timed(() => readLayer(db, [-46.645, -23.56, -46.625, -23.54], null));
      layer.push(ms);
      features = rows.length;
      districts.push((await timed(() => readDistricts(db, null)))[0]);
    }
    console.log(`\n${pairs!.n} block × service scores on ${pairs!.blocks} blocks`);
    console.log(`full refresh, median of ${runs}:        ${seconds(median(full))}`);
    console.log(`incremental (${day.length} blocks), median: ${(median(incremental)).toFixed(1)} ms`);
    console.log(`map layer (${features} blocks), median:     ${median(layer).toFixed(1)} ms`);
    console.log(`public districts, median:          ${median(districts).toFixed(1)} ms`);
  } finally {
    await db.close();
    if (!keep) await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runBlockScoresBench(process.argv.slice(2));
