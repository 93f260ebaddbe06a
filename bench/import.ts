/**
 * Import benchmark on a PostgreSQL server: a real quarter of SP156 (2019-01..03, cut from the development slice at
 * run time into a temporary file, never committed) imported three times, each into a fresh copy of the test
 * template database (migrated, demo city seeded), beside the yardstick measured in the same run on the same
 * database: a bare `COPY … FROM STDIN (FORMAT csv)` of the same file into a plain table of 19 text columns (no
 * constraint, no index). Prints each run and the medians of import rows/s, COPY rows/s and their ratio.
 *
 * A third figure shows what the demands table itself costs: the copied rows inserted by one bare set-based
 * `INSERT INTO demands … SELECT` from that plain table (its indexes, foreign keys and search-pending trigger, none
 * of the import's checks, placement, events or clocks), the floor any import of these rows into it stands on.
 *
 * A fifth, the yardstick in the import's own terms: the rows the import wrote (demands, their timeline events, the
 * open demands' work orders, clocks and alarm points) copied out in PostgreSQL's binary format after the run and
 * COPYed back into the same tables of another fresh copy of the template, in one transaction (their indexes, keys and
 * triggers in place): what merely storing the import's result costs, without reading, checking or placing a row.
 *
 * A fourth: the search index job (decision 0040) run after the import until nothing is pending, the work the import
 * no longer does row by row; with it, the import's whole cost as a rate beside COPY.
 *
 * Each run also imports the file as a bulk load (`importSp156(…, { bulk: true })`, decision 0042) into a second fresh
 * copy, and prints where each import's time went (ImportSummary.stages, milliseconds summed over batches) with
 * --stages.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/DB npx tsx tests/prepare.ts
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/DB npx tsx bench/import.ts [--runs=3] [--stages]
 *     [--months=2019-01,2019-02,2019-03]
 *
 * The DATABASE_URL database is the template (as in the tests); each run gets its own database, dropped after it.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { loadConfig } from "../server/config.ts";
import { connect } from "../server/db/index.ts";
import { indexPendingDemands } from "../server/demands/search-index.ts";
import { type ImportSummary, importSp156 } from "../server/imports/sp156.ts";

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const RUNS = Number(arg("runs") ?? 3);
const STAGES = process.argv.includes("--stages");
const MONTHS = (arg("months") ?? "2019-01,2019-02,2019-03").split(",");
const config = loadConfig({ ...process.env, DATABASE_URL: process.env.DATABASE_URL || undefined });
if (!config.databaseUrl) {
  console.error(
    "bench/import.ts measures the import on a PostgreSQL server: set DATABASE_URL (see its header)",
  );
  process.exit(64);
}
const base = new URL(config.databaseUrl);
const source = `${config.sharedDataDir}/sp156/sp156_solicitacoes_2019-01_a_2019-04.csv`;

/** Writes the header and the rows opened in `months` (the first column starts with the date) to a new file. */
async function cutQuarter(target: string): Promise<number> {
  const { createInterface } = await import("node:readline");
  const out = createWriteStream(target);
  let rows = 0;
  let header = true;
  for await (const line of createInterface({
    input: createReadStream(source),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    if (header || MONTHS.includes(line.slice(0, 7))) {
      if (!header) rows++;
      out.write(`${line}\n`);
    }
    header = false;
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return rows;
}

function urlOf(name: string): string {
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The bare COPY of the file into a plain table: rows/s. */
async function copyRate(url: string, file: string, rows: number): Promise<number> {
  return withClient(url, async (client) => {
    const columns = Array.from({ length: 19 }, (_, i) => `c${i} text`).join(", ");
    await client.query(`CREATE TABLE bench_import_plain (${columns})`);
    const started = performance.now();
    await pipeline(
      createReadStream(file, { highWaterMark: 1 << 20 }),
      client.query(copyFrom("COPY bench_import_plain FROM STDIN (FORMAT csv, HEADER true)")),
    );
    const seconds = (performance.now() - started) / 1000;
    const [{ n }] = (await client.query<{ n: number }>("SELECT count(*)::int AS n FROM bench_import_plain"))
      .rows as [{ n: number }];
    if (n !== rows) throw new Error(`COPY wrote ${n} rows, the quarter has ${rows}`);
    return rows / seconds;
  });
}

/** One set-based INSERT of the copied rows into demands (then removed): rows/s. */
async function tableFloorRate(url: string, rows: number): Promise<number> {
  return withClient(url, async (client) => {
    await client.query("BEGIN");
    const started = performance.now();
    // c0 opened, c1 channel, c4 service, c5 street, c14/c15 geom lat/lon, c16 parecer, c17 status.
    const inserted = await client.query(
      `INSERT INTO demands (protocol, service_id, department_id, channel, status, outcome, identity_mode, description,
         location, address, attributes, opened_at, closed_at, source_ref)
       SELECT 'bench' || n, s.id, o.id, 'phone', 'closed', 'resolved', 'anonymous', p.c4,
              CASE WHEN p.c14 <> '' THEN ST_SetSRID(ST_MakePoint(p.c15::float8, p.c14::float8), 4326) END,
              nullif(p.c5, ''), '{}', p.c0::timestamp AT TIME ZONE 'America/Sao_Paulo',
              nullif(p.c16, '')::timestamp AT TIME ZONE 'America/Sao_Paulo', 'bench:' || n
         FROM (SELECT *, row_number() OVER () AS n FROM bench_import_plain) p,
              (SELECT id FROM services ORDER BY id LIMIT 1) s, (SELECT id FROM departments ORDER BY id LIMIT 1) o`,
    );
    const seconds = (performance.now() - started) / 1000;
    await client.query("ROLLBACK");
    if (inserted.rowCount !== rows) throw new Error(`inserted ${inserted.rowCount} of ${rows}`);
    return rows / seconds;
  });
}

/** The tables an import writes, in the order their keys allow loading them. */
const OUTPUT_TABLES = ["demands", "demand_events", "work_orders", "deadlines", "deadline_fires"] as const;

/** The rows of a table the import added: ids above the template's (an alarm point by its clock's id). */
const addedRows = (table: string, above: Record<string, number>) =>
  table === "deadline_fires" ? `deadline_id > ${above.deadlines}` : `id > ${above[table]}`;

/** Each output table's highest id (the template's own rows stay below it). */
async function highestIds(url: string): Promise<Record<string, number>> {
  return withClient(url, async (client) => {
    const ids: Record<string, number> = {};
    for (const table of OUTPUT_TABLES.filter((t) => t !== "deadline_fires")) {
      const { rows } = await client.query<{ id: number }>(
        `SELECT coalesce(max(id), 0)::bigint AS id FROM ${table}`,
      );
      ids[table] = Number(rows[0]!.id);
    }
    return ids;
  });
}

/** The columns of a table COPY can write (not generated). */
async function copyColumns(client: pg.Client, table: string): Promise<string> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT quote_ident(attname) AS name FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
      ORDER BY attnum`,
    [table],
  );
  return rows.map((r) => r.name).join(", ");
}

/** Copies the rows the import added (ids above `above`) out into binary files in `dir`. */
async function dumpOutput(url: string, above: Record<string, number>, into: string): Promise<void> {
  await withClient(url, async (client) => {
    for (const table of OUTPUT_TABLES) {
      const columns = await copyColumns(client, table);
      await pipeline(
        client.query(
          copyTo(
            `COPY (SELECT ${columns} FROM ${table} WHERE ${addedRows(table, above)}) TO STDOUT (FORMAT binary)`,
          ),
        ),
        createWriteStream(join(into, `${table}.bin`)),
      );
    }
  });
}

/** COPYs the dumped rows into the same tables of a fresh copy of the template, in one transaction: rows/s. */
async function outputCopyRate(url: string, from: string, rows: number): Promise<number> {
  return withClient(url, async (client) => {
    const columns = new Map<string, string>();
    for (const table of OUTPUT_TABLES) columns.set(table, await copyColumns(client, table));
    const started = performance.now();
    await client.query("BEGIN");
    for (const table of OUTPUT_TABLES) {
      await pipeline(
        createReadStream(join(from, `${table}.bin`), { highWaterMark: 1 << 20 }),
        client.query(copyFrom(`COPY ${table} (${columns.get(table)}) FROM STDIN (FORMAT binary)`)),
      );
    }
    await client.query("COMMIT");
    return rows / ((performance.now() - started) / 1000);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The stages of an import as "parse 812 ms, place 1204 ms, …" (the non-zero ones). */
const stagesOf = (summary: ImportSummary) =>
  Object.entries(summary.stages)
    .filter(([, ms]) => ms > 0)
    .map(([stage, ms]) => `${stage} ${Math.round(ms)} ms`)
    .join(", ");

/** Imports the file in bulk into a fresh copy of the template: rows/s. */
async function bulkRate(name: string): Promise<number> {
  const db = await connect({ databaseUrl: urlOf(name), poolSize: 4 });
  try {
    const summary = await importSp156(db, file, { bulk: true });
    const rate = summary.rowsRead / (summary.elapsedMs / 1000);
    console.log(
      `  bulk: ${summary.imported} rows in ${(summary.elapsedMs / 1000).toFixed(2)} s = ${Math.round(rate)} rows/s` +
        (STAGES ? ` (${stagesOf(summary)})` : ""),
    );
    return rate;
  } finally {
    await db.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), "responsiva-bench-import-"));
const file = join(dir, `sp156_${MONTHS[0]}_${MONTHS.at(-1)}.csv`);
const imports: number[] = [];
const copies: number[] = [];
const floors: number[] = [];
const indexing: number[] = [];
const whole: number[] = [];
const bulks: number[] = [];
const outputs: number[] = [];
try {
  const rows = await cutQuarter(file);
  console.log(`quarter ${MONTHS.join(", ")}: ${rows} rows`);
  for (let run = 1; run <= RUNS; run++) {
    const name = `${base.pathname.slice(1)}_bench_import_${process.pid}_${run}`;
    const admin = (sql: string) => withClient(urlOf("postgres"), (c) => c.query(sql));
    await admin(`CREATE DATABASE "${name}" TEMPLATE "${base.pathname.slice(1)}"`);
    try {
      const copy = await copyRate(urlOf(name), file, rows);
      const floor = await tableFloorRate(urlOf(name), rows);
      const above = await highestIds(urlOf(name));
      const db = await connect({ databaseUrl: urlOf(name), poolSize: 4 });
      try {
        const summary = await importSp156(db, file);
        await dumpOutput(urlOf(name), above, dir);
        const rate = summary.rowsRead / (summary.elapsedMs / 1000);
        const indexStarted = performance.now();
        const { indexed } = await indexPendingDemands(db);
        const indexMs = performance.now() - indexStarted;
        indexing.push(indexed / (indexMs / 1000));
        whole.push(summary.rowsRead / ((summary.elapsedMs + indexMs) / 1000));
        const [open] = await db.query<{ clocks: number }>(
          "SELECT count(*)::int AS clocks FROM deadlines WHERE stage = 'demand'",
        );
        imports.push(rate);
        copies.push(copy);
        floors.push(floor);
        console.log(
          `run ${run}: import ${summary.imported} rows (${summary.rejected} rejected, ${summary.flagged} flagged, ` +
            `${open!.clocks} clocks) in ${(summary.elapsedMs / 1000).toFixed(2)} s = ${Math.round(rate)} rows/s; ` +
            `COPY ${Math.round(copy)} rows/s; ratio ${(rate / copy).toFixed(3)}; ` +
            `bare INSERT into demands ${Math.round(floor)} rows/s; search index job ${indexed} demands in ` +
            `${(indexMs / 1000).toFixed(2)} s = ${Math.round(indexed / (indexMs / 1000))} rows/s; ` +
            `import + index ${Math.round(whole.at(-1)!)} rows/s`,
        );
        if (STAGES) console.log(`  stages: ${stagesOf(summary)}`);
      } finally {
        await db.close();
      }
    } finally {
      await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
    await admin(`CREATE DATABASE "${name}_copy" TEMPLATE "${base.pathname.slice(1)}"`);
    try {
      outputs.push(await outputCopyRate(urlOf(`${name}_copy`), dir, rows));
      console.log(
        `  COPY of the import's own rows into its tables: ${Math.round(outputs.at(-1)!)} rows/s; ` +
          `import / that = ${(imports.at(-1)! / outputs.at(-1)!).toFixed(3)}`,
      );
    } finally {
      await admin(`DROP DATABASE IF EXISTS "${name}_copy" WITH (FORCE)`);
    }
    await admin(`CREATE DATABASE "${name}_bulk" TEMPLATE "${base.pathname.slice(1)}"`);
    try {
      bulks.push(await bulkRate(`${name}_bulk`));
    } finally {
      await admin(`DROP DATABASE IF EXISTS "${name}_bulk" WITH (FORCE)`);
    }
  }
  console.log(
    `postgres: import median ${Math.round(median(imports))} rows/s; bare COPY median ${Math.round(median(copies))} rows/s; ` +
      `import / COPY = ${(median(imports) / median(copies)).toFixed(3)}; bare INSERT into demands median ` +
      `${Math.round(median(floors))} rows/s (${(median(floors) / median(copies)).toFixed(3)} of COPY); search index ` +
      `job median ${Math.round(median(indexing))} rows/s; import + index median ${Math.round(median(whole))} rows/s ` +
      `(${(median(whole) / median(copies)).toFixed(3)} of COPY); bulk import median ${Math.round(median(bulks))} ` +
      `rows/s (${(median(bulks) / median(copies)).toFixed(3)} of COPY); COPY of the import's own rows into its ` +
      `tables median ${Math.round(median(outputs))} rows/s: import / that = ` +
      `${(median(imports) / median(outputs)).toFixed(3)}, bulk / that = ${(median(bulks) / median(outputs)).toFixed(3)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
