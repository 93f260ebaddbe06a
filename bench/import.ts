/**
 * Import benchmark: imports the real SP156 slice (52,294 rows) three times, each into a fresh copy of the test
 * template (migrated, demo city seeded), and prints the median rows/s. In the same run it measures a baseline: the
 * same rows, parsed beforehand, written by multi-row INSERTs of 2,000 rows into a plain table of text columns (no
 * constraint, no index), which is the bare insert rate of the engine on this machine.
 *
 *   npx tsx tests/prepare.ts && npx tsx bench/import.ts                   # PGlite
 *   DATABASE_URL=postgres://…/db npx tsx tests/prepare.ts && DATABASE_URL=… npx tsx bench/import.ts
 *
 * On PostgreSQL the DATABASE_URL database is the template (as in the tests); each run gets its own database.
 * `--template=FILE` picks another PGlite template (a dumped data dir).
 */
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import pg from "pg";
import { loadConfig } from "../server/config.ts";
import { connect, type Db } from "../server/db/index.ts";
import { importSp156 } from "../server/imports/sp156.ts";
import { templatePath } from "../tests/template.ts";

const RUNS = 3;
const BATCH = 2000;
const config = loadConfig({ ...process.env, DATABASE_URL: process.env.DATABASE_URL || undefined });
const file = `${config.sharedDataDir}/sp156/sp156_solicitacoes_2019-01_a_2019-04.csv`;
const templateArg = process.argv.find((a) => a.startsWith("--template="))?.slice("--template=".length);

/** Opens a fresh copy of the template and returns it with a function that disposes of it. */
async function freshDb(run: number): Promise<{ db: Db; dispose: () => Promise<void> }> {
  if (!config.databaseUrl) {
    const blob = new Blob([readFileSync(templateArg ?? templatePath())]);
    const db = await connect({ loadDataDir: blob });
    return { db, dispose: () => db.close() };
  }
  const base = new URL(config.databaseUrl);
  const name = `${base.pathname.slice(1)}_bench_import_${process.pid}_${run}`;
  const admin = (sql: string) => adminQuery(base, sql);
  await admin(`CREATE DATABASE "${name}" TEMPLATE "${base.pathname.slice(1)}"`);
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  const db = await connect({ databaseUrl: url.toString(), poolSize: 4 });
  return {
    db,
    dispose: async () => {
      await db.close();
      await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

async function adminQuery(base: URL, sql: string) {
  const url = new URL(base.toString());
  url.pathname = "/postgres";
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Writes the parsed rows into a plain table, 2,000 rows per INSERT; returns rows/s. */
async function baseline(db: Db, rows: string[][]): Promise<number> {
  const columns = rows[0]!.map((_, i) => `c${i}`);
  await db.exec(`CREATE TABLE bench_import_plain (${columns.map((c) => `${c} text`).join(", ")})`);
  const unnest = columns.map((_, i) => `$${i + 1}::text[]`).join(", ");
  const started = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) {
    const slice = rows.slice(i, i + BATCH);
    await db.transaction((tx) =>
      tx.query(
        `INSERT INTO bench_import_plain SELECT * FROM unnest(${unnest})`,
        columns.map((_, c) => slice.map((r) => r[c] ?? null)),
      ),
    );
  }
  return rows.length / ((performance.now() - started) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const rows = (parse(readFileSync(file), { from_line: 2 }) as string[][]).filter((r) => r.length === 19);
const imports: number[] = [];
const baselines: number[] = [];
let engine = "";
for (let run = 1; run <= RUNS; run++) {
  const { db, dispose } = await freshDb(run);
  engine = db.kind;
  try {
    const summary = await importSp156(db, file);
    const rate = summary.rowsRead / (summary.elapsedMs / 1000);
    imports.push(rate);
    const bare = await baseline(db, rows);
    baselines.push(bare);
    console.log(
      `run ${run}: import ${summary.imported} rows (${summary.rejected} rejected) in ${(summary.elapsedMs / 1000).toFixed(1)} s = ${Math.round(rate)} rows/s; baseline ${Math.round(bare)} rows/s`,
    );
  } finally {
    await dispose();
  }
}
console.log(
  `${engine}: import median ${Math.round(median(imports))} rows/s; plain multi-row INSERT baseline median ${Math.round(median(baselines))} rows/s (import = ${Math.round((100 * median(imports)) / median(baselines))}% of baseline)`,
);
