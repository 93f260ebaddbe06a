/**
 * Imports an SP156 open-data CSV file as historical demands: streamed line by line, checked row by row, and written
 * in batches of set-based statements (three per batch), one transaction per batch, or one for the whole file in a
 * bulk load (decision 0042). Every source row gets a stable key (the hash of its line and its occurrence among
 * identical lines), so importing the same file again adds nothing twice.
 */
import { createReadStream, statSync } from "node:fs";
import { basename } from "node:path";
import type { Db, Sql } from "../db/index.ts";
import { requestSearchIndexing } from "../demands/search-index.ts";
import { type BatchResult, timed, writeBatch } from "./batch.ts";
import { dropSecondaryIndexes } from "./bulk.ts";
import { loadImportClocks, startMissingClocks } from "./clocks.ts";
import {
  type DemandRow,
  hashLine,
  type ImportFlag,
  type Lookups,
  normaliseName,
  type Rejection,
  type RejectReason,
  readRow,
  SP156_COLUMNS,
  splitCsvLine,
} from "./parse.ts";
import { loadPlaceFinder } from "./places.ts";

export { CITY_MARGIN_METRES } from "./batch.ts";

/** How far an import has got, reported after every batch. */
export interface ImportProgress {
  rowsRead: number;
  bytesRead: number;
  totalBytes: number;
  imported: number;
  alreadyPresent: number;
  rejected: number;
  /** Imported rows that carry a flag (demands.import_flags): the source contradicted itself. */
  flagged: number;
  /** Open demands of an earlier import that had no clock and got one now (repaired). */
  clocksRepaired: number;
  elapsedMs: number;
}

/** How to run an import; every field has a default. */
export interface ImportOptions {
  /** Checks every row against the database but writes nothing (no protocol serial is used up either). */
  dryRun?: boolean;
  /** Rows per batch (default 5000), and so per transaction unless `bulk`. */
  batchSize?: number;
  /**
   * A bulk load, for the first migration into a city with few demands yet (before go-live): the whole file in one
   * transaction that drops the secondary indexes and foreign keys of demands and demand_events, inserts, then builds
   * each index once and checks each key with one query (decision 0042). It locks both tables until it commits:
   * nothing else can read or write demands meanwhile, and a failure rolls the whole file back. Ignored on a dry run.
   */
  bulk?: boolean;
  /**
   * Batches written at once, each in its own transaction (default 2 on a PostgreSQL server, 1 on PGlite). With more
   * than one, a failed batch may leave later batches committed: importing the file again completes it.
   */
  concurrency?: number;
  /** How many rejected rows the summary lists (all are counted). */
  keepRejections?: number;
  /** Called after every batch. */
  onProgress?: (progress: ImportProgress) => void;
}

/**
 * Where an import's time went, in milliseconds: reading and checking rows (parse), placing points and finding rows
 * already imported (place, with the protocol serials), inserting demands and their events (insert), the clocks and
 * work orders of open demands (clocks), a bulk load's dropping and rebuilding of indexes and keys, and the end
 * (clocks repaired, the search index job queued). Batches written at once overlap, so the sum can exceed the time.
 */
export interface ImportStages {
  parse: number;
  place: number;
  insert: number;
  clocks: number;
  bulkDrop: number;
  bulkRebuild: number;
  finish: number;
}

/** The outcome of an import: what was read, written, skipped and turned away. */
export interface ImportSummary extends ImportProgress {
  file: string;
  dryRun: boolean;
  /** Whether it ran as a bulk load (ImportOptions.bulk). */
  bulk: boolean;
  stages: ImportStages;
  rejectedByReason: Partial<Record<RejectReason, number>>;
  flaggedByReason: Partial<Record<ImportFlag, number>>;
  /** The first rejected rows, in line order. */
  rejections: Rejection[];
}

/** The catalogue has no SP156 service: the city is not loaded, and every row would be refused as unknown_service. */
export class CityNotLoadedError extends Error {
  constructor() {
    super("the city is not loaded: the catalogue has no SP156 service");
  }
}

/** Loads what rows are checked against: SP156 services, departments by code, districts by name and alias. */
export async function loadLookups(sql: Sql): Promise<Lookups> {
  const services = await sql.query<{ id: number; source_ref: string }>(
    `SELECT id, source_ref FROM services WHERE source_ref LIKE 'sp156:%'
     UNION ALL SELECT service_id, source_ref FROM service_source_aliases WHERE source_ref LIKE 'sp156:%'`,
  );
  const departments = await sql.query<{ id: number; code: string }>("SELECT id, code FROM departments");
  const districts = await sql.query<{ name: string; code: string }>(
    `SELECT name, code FROM districts
     UNION ALL SELECT alias, code FROM area_aliases WHERE kind = 'district'`,
  );
  return {
    services: new Map(services.map((s) => [s.source_ref, s.id])),
    departments: new Map(departments.map((d) => [d.code, d.id])),
    districts: new Map(districts.map((d) => [normaliseName(d.name), d.code])),
  };
}

/** Imports one SP156-format CSV file; rejected rows are reported, a database failure throws. */
export async function importSp156(db: Db, file: string, options: ImportOptions = {}): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? 5000;
  const dryRun = options.dryRun ?? false;
  const bulk = (options.bulk ?? false) && !dryRun;
  // A bulk load is one transaction on one connection: its batches go one after the other.
  const concurrency = bulk ? 1 : (options.concurrency ?? (db.kind === "postgres" ? 2 : 1));
  const started = Date.now();
  const lookups = await loadLookups(db);
  if (lookups.services.size === 0) throw new CityNotLoadedError();
  const clocks = await loadImportClocks(db);
  const findPlace = await loadPlaceFinder(db);
  const name = basename(file);
  const stages: ImportStages = {
    parse: 0,
    place: 0,
    insert: 0,
    clocks: 0,
    bulkDrop: 0,
    bulkRebuild: 0,
    finish: 0,
  };
  const summary: ImportSummary = {
    file: name,
    dryRun,
    bulk,
    rowsRead: 0,
    bytesRead: 0,
    totalBytes: statSync(file).size,
    imported: 0,
    alreadyPresent: 0,
    rejected: 0,
    flagged: 0,
    clocksRepaired: 0,
    elapsedMs: 0,
    rejectedByReason: {},
    flaggedByReason: {},
    rejections: [],
    stages,
  };
  const keep = options.keepRejections ?? 100;
  const rejected: Rejection[] = [];
  const addRejection = (r: Rejection) => {
    summary.rejected++;
    summary.rejectedByReason[r.reason] = (summary.rejectedByReason[r.reason] ?? 0) + 1;
    // Batch-stage rejections arrive after later lines were read: keep the lowest lines so far, sort at the end.
    rejected.push(r);
    if (rejected.length > 2 * keep + 1000) rejected.sort((a, b) => a.line - b.line).splice(keep);
  };

  /** Reads the file and hands every full batch to `write`, up to `concurrency` batches in flight. */
  const readAndWrite = async (write: (rows: DemandRow[]) => Promise<BatchResult>) => {
    const occurrences = new Map<string, number>();
    let batch: DemandRow[] = [];
    // Batches are written while the next ones are read: up to `concurrency` writes at once.
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    const flush = async () => {
      const rows = batch;
      batch = [];
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (failure) throw failure.error;
      if (rows.length === 0) return;
      const writing: Promise<void> = write(rows)
        .then((result) => {
          summary.imported += result.imported;
          for (const flag of result.flags) {
            summary.flagged++;
            summary.flaggedByReason[flag] = (summary.flaggedByReason[flag] ?? 0) + 1;
          }
          summary.alreadyPresent += result.alreadyPresent;
          for (const r of result.rejections) addRejection(r);
          summary.elapsedMs = Date.now() - started;
          options.onProgress?.({ ...summary });
        })
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => inFlight.delete(writing));
      inFlight.add(writing);
    };

    let header = true;
    for await (const { line, raw, bytesRead } of readLines(file)) {
      const parseStarted = performance.now();
      summary.bytesRead = bytesRead;
      if (header) {
        checkHeader(raw.toString("utf8"));
        header = false;
        continue;
      }
      if (raw.length === 0) continue;
      summary.rowsRead++;
      const hash = hashLine(raw);
      const occurrence = (occurrences.get(hash) ?? 0) + 1;
      occurrences.set(hash, occurrence);
      const fields = splitCsvLine(raw.toString("utf8"));
      if (fields === undefined) addRejection({ line, reason: "malformed_row", value: "bad quoting" });
      else {
        const read = readRow(fields, line, `sp156:${hash}#${occurrence}`, lookups);
        if ("rejection" in read) addRejection(read.rejection);
        else batch.push(read.row);
      }
      stages.parse += performance.now() - parseStarted;
      if (batch.length >= batchSize) await flush();
    }
    if (header) throw new Error(`${name} is empty`);
    await flush();
    await Promise.all(inFlight);
    if (failure) throw failure.error;
  };

  if (dryRun) await readAndWrite((rows) => writeBatch(db, rows, name, true, clocks, findPlace, stages));
  else if (bulk) {
    await db.transaction(async (tx) => {
      const rebuild = await timed(stages, "bulkDrop", () => dropSecondaryIndexes(tx));
      await readAndWrite((rows) => writeBatch(tx, rows, name, false, clocks, findPlace, stages));
      await timed(stages, "bulkRebuild", rebuild);
    });
  } else {
    await readAndWrite((rows) =>
      db.transaction((tx) => writeBatch(tx, rows, name, false, clocks, findPlace, stages)),
    );
  }
  if (!dryRun) {
    await timed(stages, "finish", async () => {
      summary.clocksRepaired = await startMissingClocks(db, clocks);
      // The imported demands are searchable already (pending); a pass of the index job now makes that cheap again.
      if (summary.imported > 0) await requestSearchIndexing(db, `import:${name}`);
    });
  }
  summary.elapsedMs = Date.now() - started;
  summary.rejections = rejected.sort((a, b) => a.line - b.line).slice(0, keep);
  return summary;
}

function checkHeader(line: string) {
  const columns = splitCsvLine(line.replace(/^\uFEFF/, ""));
  const expected = SP156_COLUMNS.join(",");
  if (columns?.join(",") !== expected) {
    throw new Error(`not an SP156 request file: the header must be\n  ${expected}\nbut is\n  ${line}`);
  }
}

/** The physical lines of a file as bytes without the line break, numbered from 1, with the bytes read so far. */
async function* readLines(file: string): AsyncGenerator<{ line: number; raw: Buffer; bytesRead: number }> {
  let rest: Buffer = Buffer.alloc(0);
  let line = 0;
  let bytesRead = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    bytesRead += chunk.length;
    const buf = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let end = buf.indexOf(10, start); end !== -1; end = buf.indexOf(10, start)) {
      const stop = end > start && buf[end - 1] === 13 ? end - 1 : end;
      yield { line: ++line, raw: buf.subarray(start, stop), bytesRead: bytesRead - (buf.length - end - 1) };
      start = end + 1;
    }
    rest = buf.subarray(start);
  }
  if (rest.length > 0) {
    const stop = rest[rest.length - 1] === 13 ? rest.length - 1 : rest.length;
    yield { line: ++line, raw: rest.subarray(0, stop), bytesRead };
  }
}
