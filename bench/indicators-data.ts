/**
 * The indicators benchmark's city (issue 15): the real SP156 history (../shared/data/sp156, 52,294 requests of
 * Jan–Apr 2019) imported into a fresh PostgreSQL database with the demo city, then copied to about 10,000,000
 * demands with set-based statements: 24 slots of four months (2019-01 … 2026-12, the last slot cut at today) times 8
 * copies a slot, each copy shifted by its slot's months and a few minutes, its point moved by up to ~500 m.
 *
 * Every copy gets a realistic timeline in `demand_events` (created, dispatched, answered, closed or cancelled; one in
 * 25 closed demands reopened a day after its closure, answered and closed again three days later) and its
 * `demand_facts` row. A copy whose closure would fall after today stays open, and three in ten demands of the last
 * 30 months are left open too (a large backlog: about a million open demands for the map). Copies reuse their
 * original's business-time durations for the same calendar span (the business calendar is computed in TypeScript,
 * so 10 M rows through it would take the facts job ~20 minutes; its rate is measured separately, on the real slice).
 *
 * The load runs with the secondary indexes and foreign keys of demands, demand_events and demand_facts dropped and
 * triggers off (session_replication_role = replica), and makes them again at its end (as the bulk import does,
 * decision 0042); then VACUUM ANALYZE.
 *
 *   npx tsx bench/indicators-data.ts [--demands=10000000] [--db=responsiva_bench_indicators]
 *
 * The database is kept (about 20 GB at 10 M): `dropdb -h 127.0.0.1 -U postgres responsiva_bench_indicators`.
 */
import { join } from "node:path";
import pg from "pg";
import { seedDemoCity } from "../server/cli/seed.ts";
import { loadConfig } from "../server/config.ts";
import { connect } from "../server/db/index.ts";
import { migrate } from "../server/db/migrate.ts";
import { importSp156 } from "../server/imports/sp156.ts";
import { refreshIndicatorFacts } from "../server/indicators/facts.ts";
import { rebuildMapCells } from "../server/indicators/kept.ts";
import { rebuildIndicatorMonths } from "../server/indicators/months.ts";

export const BENCH_DB = "responsiva_bench_indicators";
export const SERVER = "postgres://postgres@127.0.0.1:5432";
const SLOTS = 24;
/** Demand ids of copy k are the original's id + k × STRIDE (more than the slice's ids). */
const STRIDE = 100_000;
const TABLES = ["demands", "demand_events", "demand_facts"];

function option(argv: string[], name: string, fallback: string): string {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

const ms = (t: number) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

export async function buildIndicatorsCity(argv: string[]): Promise<void> {
  const target = Number(option(argv, "demands", "10000000"));
  const name = option(argv, "db", BENCH_DB);
  const admin = new pg.Client({ connectionString: `${SERVER}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = `${SERVER}/${name}`;
  const config = loadConfig({ ...process.env, DATABASE_URL: url });
  let t = Date.now();
  const db = await connect({ databaseUrl: url });
  await migrate(db);
  await seedDemoCity(db, { sharedDataDir: config.sharedDataDir, scope: "fixture", accounts: false });
  const file = join(config.sharedDataDir, "sp156", "sp156_solicitacoes_2019-01_a_2019-04.csv");
  const summary = await importSp156(db, file, { bulk: true });
  console.log(`imported ${summary.rowsRead} SP156 rows in ${ms(t)}`);
  t = Date.now();
  while ((await refreshIndicatorFacts(db)) > 0) {
    /* until caught up */
  }
  console.log(`facts of the real slice by the job in ${ms(t)}`);
  await db.close();

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const q = (text: string, params: unknown[] = []) => client.query(text, params);
  const { rows: base } = await q("SELECT count(*)::int AS n, max(id)::int AS max FROM demands");
  const baseCount = base[0].n as number;
  if ((base[0].max as number) >= STRIDE) throw new Error(`ids above ${STRIDE}: raise STRIDE`);
  const copies = Math.max(0, Math.ceil(target / baseCount) - 1);
  console.log(`${baseCount} real demands; ${copies} copies for ~${target}`);

  // Secondary indexes and foreign keys off for the load, remade at its end.
  const { rows: indexes } = await q(
    `SELECT pg_get_indexdef(i.indexrelid) AS def, quote_ident(c.relname) AS name
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = ANY ($1::regclass[]) AND NOT i.indisprimary
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`,
    [TABLES],
  );
  const { rows: keys } = await q(
    `SELECT k.conrelid::regclass::text AS tbl, quote_ident(k.conname) AS name, pg_get_constraintdef(k.oid) AS def
       FROM pg_constraint k WHERE k.contype = 'f' AND k.conrelid = ANY ($1::regclass[])`,
    [TABLES],
  );
  for (const k of keys) await q(`ALTER TABLE ${k.tbl} DROP CONSTRAINT ${k.name}`);
  for (const i of indexes) await q(`DROP INDEX ${i.name}`);
  await q("SET session_replication_role = replica");

  // The copy of each real demand: its instants shifted, its state as of now.
  t = Date.now();
  for (let k = 1; k <= copies; k++) {
    const slot = k % SLOTS;
    const rep = Math.floor(k / SLOTS);
    const shift = `make_interval(months => ${slot * 4}, mins => ${rep * 37 + (k % 7)})`;
    await q("DROP TABLE IF EXISTS copy");
    await q(
      `CREATE TEMP TABLE copy AS
       SELECT d.id + ${k * STRIDE} AS id, d.id AS base_id, d.opened_at + ${shift} AS opened_at,
              CASE WHEN d.status IN ('closed', 'cancelled') AND d.closed_at + ${shift} <= now()
                     AND NOT (d.opened_at + ${shift} > now() - interval '30 months' AND (d.id + ${k}) % 10 < 3)
                   THEN d.status ELSE (ARRAY['dispatched', 'in_progress', 'accepted'])[1 + (d.id + ${k}) % 3] END
                AS status,
              d.closed_at + ${shift} AS closed_at,
              -- The service's deadline in calendar time (business days as 7/5 days, business hours as whole days).
              coalesce(d.due_at + ${shift}, d.opened_at + ${shift} + CASE s.deadline_unit
                WHEN 'calendar_days' THEN make_interval(days => s.deadline_amount)
                WHEN 'business_days' THEN make_interval(hours => s.deadline_amount * 24 * 7 / 5)
                ELSE make_interval(hours => s.deadline_amount * 24 / 9) END) AS due_at,
              ((d.id * 7919 + ${k} * 104729) % 1000 - 500) / 1e5 AS dx,
              ((d.id * 104729 + ${k} * 7919) % 1000 - 500) / 1e5 AS dy,
              (d.id + ${k}) % 25 = 0 AS reopens
         FROM demands d JOIN services s ON s.id = d.service_id
        WHERE d.id < ${STRIDE} AND d.opened_at + ${shift} <= now()`,
    );
    await q(
      `INSERT INTO demands (id, protocol, service_id, channel, status, description, identity_mode, location, address,
              district_code, subprefeitura_code, block_id, department_id, attributes, opened_at, closed_at, due_at,
              created_at, outcome, answered_at, reopen_count, answer_delivered_at)
       OVERRIDING SYSTEM VALUE
       SELECT c.id, d.protocol || '-' || ${k}, d.service_id, d.channel, c.status, d.description, 'anonymous',
              ST_Translate(d.location, c.dx, c.dy), d.address, d.district_code, d.subprefeitura_code, d.block_id,
              d.department_id, '{}', c.opened_at,
              CASE WHEN c.status IN ('closed', 'cancelled') THEN c.closed_at + CASE WHEN c.reopens AND c.status = 'closed' THEN interval '4 days' ELSE interval '0' END END,
              c.due_at, c.opened_at, CASE WHEN c.status IN ('closed', 'cancelled') THEN d.outcome END,
              CASE WHEN c.status = 'closed' THEN c.closed_at END,
              CASE WHEN c.reopens AND c.status = 'closed' THEN 1 ELSE 0 END,
              CASE WHEN c.status = 'closed' AND c.base_id % 10 <> 9 THEN c.closed_at END
         FROM copy c JOIN demands d ON d.id = c.base_id`,
    );
    await q(
      `INSERT INTO demand_facts (demand_id, opened_at, channel, service_id, department_id, district_code,
              subprefeitura_code, status, district_only, first_answer_at, first_answer_calendar_minutes,
              first_answer_business_minutes, closed_at, closure_calendar_minutes, closure_business_minutes,
              paused_minutes, due_at, on_time, answer_delivered, reopened, rating, solved, imported, lon, lat)
       SELECT c.id, c.opened_at, f.channel, f.service_id, f.department_id, f.district_code, f.subprefeitura_code,
              c.status, f.district_only,
              a.answer, (extract(epoch FROM a.answer - c.opened_at) / 60)::int, f.closure_business_minutes,
              a.closed, (extract(epoch FROM a.closed - c.opened_at) / 60)::int,
              f.closure_business_minutes + CASE WHEN c.reopens THEN 1440 ELSE 0 END,
              0, c.due_at,
              CASE WHEN c.status = 'closed' AND c.due_at IS NOT NULL THEN a.answer <= c.due_at END,
              c.status = 'closed' AND c.base_id % 10 <> 9, c.reopens AND c.status = 'closed',
              CASE WHEN c.status = 'closed' AND (c.id % 5) = 0 THEN 1 + (c.id / 5) % 5 END,
              CASE WHEN c.status = 'closed' AND (c.id % 5) = 0 THEN (c.id / 5) % 5 >= 2 END,
              false, f.lon + c.dx, f.lat + c.dy
         FROM copy c
         JOIN demand_facts f ON f.demand_id = c.base_id
         CROSS JOIN LATERAL (SELECT CASE WHEN c.status = 'closed' THEN c.closed_at END AS answer,
                                    CASE WHEN c.status = 'closed' THEN c.closed_at + CASE WHEN c.reopens THEN interval '4 days' ELSE interval '0' END END AS closed) a`,
    );
    await q(
      `INSERT INTO demand_events (demand_id, at, type, actor_kind, visibility, data)
       SELECT c.id, e.at, e.type, e.actor, 'public', '{}'::jsonb
         FROM copy c
         CROSS JOIN LATERAL (VALUES
           (c.opened_at, 'demand.created', 'citizen', true),
           (c.opened_at + interval '20 minutes', 'demand.dispatched', 'system', c.status <> 'cancelled'),
           (c.closed_at, 'demand.answered', 'staff', c.status = 'closed'),
           (c.closed_at, 'demand.closed', 'staff', c.status = 'closed'),
           (c.closed_at, 'demand.cancelled', 'staff', c.status = 'cancelled'),
           (c.closed_at + interval '1 day', 'demand.reopened', 'citizen', c.status = 'closed' AND c.reopens),
           (c.closed_at + interval '4 days', 'demand.answered', 'staff', c.status = 'closed' AND c.reopens),
           (c.closed_at + interval '4 days', 'demand.closed', 'staff', c.status = 'closed' AND c.reopens)
         ) AS e(at, type, actor, keep)
        WHERE e.keep
        ORDER BY e.at`,
    );
    if (k % 12 === 0 || k === copies) {
      console.log(`copy ${k}/${copies} after ${ms(t)}`);
    }
  }
  await q("DROP TABLE IF EXISTS copy");
  await q("SET session_replication_role = origin");
  t = Date.now();
  for (const i of indexes) await q(i.def);
  for (const k of keys) await q(`ALTER TABLE ${k.tbl} ADD CONSTRAINT ${k.name} ${k.def}`);
  await q("SELECT setval(pg_get_serial_sequence('demands', 'id'), (SELECT max(id) FROM demands))");
  // Past every copy's events: the facts job starts from here, as if it had read them all.
  await q("UPDATE indicator_cursor SET after_event_id = (SELECT max(id) FROM demand_events), gaps = '{}'");
  console.log(`indexes and keys made again in ${ms(t)}`);
  t = Date.now();
  await q("VACUUM ANALYZE");
  console.log(`vacuum analyze in ${ms(t)}`);
  const { rows: sizes } = await q(
    `SELECT (SELECT count(*) FROM demands)::int AS demands, (SELECT count(*) FROM demand_events)::int AS events,
            (SELECT count(*) FROM demand_facts WHERE status NOT IN ('closed', 'cancelled', 'merged'))::int AS open,
            pg_size_pretty(pg_database_size(current_database())) AS size`,
  );
  console.log(JSON.stringify(sizes[0]));
  await client.end();
  // The summaries as production keeps them (the benchmark times building them again from zero).
  const summaries = await connect({ databaseUrl: url });
  t = Date.now();
  await rebuildMapCells(summaries);
  console.log(`map cells built in ${ms(t)}`);
  t = Date.now();
  const months = await rebuildIndicatorMonths(summaries, "America/Sao_Paulo");
  console.log(`${months} months of indicators built in ${ms(t)}`);
  await summaries.close();
}

if (import.meta.url === `file://${process.argv[1]}`) await buildIndicatorsCity(process.argv.slice(2));
