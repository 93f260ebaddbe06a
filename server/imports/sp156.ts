/**
 * Imports an SP156 open-data CSV file as historical demands: streamed line by line, checked row by row, and written
 * in batches of set-based statements (three per batch), one transaction per batch, or one for the whole file in a
 * bulk load (decision 0042). Every source row gets a stable key (the hash of its line and its occurrence among
 * identical lines), so importing the same file again adds nothing twice.
 */
import { createReadStream, statSync } from "node:fs";
import { basename } from "node:path";
import { makeProtocol } from "../../domain/protocol.ts";
import type { Db, Sql } from "../db/index.ts";
import { requestSearchIndexing } from "../demands/search-index.ts";
import { type ImportClocks, loadImportClocks, startImportedClocks, startMissingClocks } from "./clocks.ts";
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
  SP156_TIME_ZONE,
  splitCsvLine,
} from "./parse.ts";
import { loadPlaceFinder, type PlaceFinder } from "./places.ts";

/** How far outside every district a point may lie and still count as in the city (see writeBatch). */
export const CITY_MARGIN_METRES = 2000;

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

/** What one batch wrote (or, dry, would write). */
interface BatchResult {
  imported: number;
  alreadyPresent: number;
  rejections: Rejection[];
  flags: ImportFlag[];
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

async function timed<T>(stages: ImportStages, stage: keyof ImportStages, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    stages[stage] += performance.now() - started;
  }
}

// The tables a bulk load writes most: their secondary indexes and foreign keys are dropped for the load and made
// again at its end, from their own definitions read from the catalogue (so a later migration's index comes back
// too). The primary keys and unique constraints stay: the already-imported check and ON CONFLICT use them.
const BULK_TABLES = ["demands", "demand_events"];

/**
 * Drops the secondary indexes and the foreign keys of the bulk-loaded tables (which locks them for the rest of the
 * transaction) and returns the step that makes them again: each index built once over the whole table, each
 * foreign key checked by one query instead of a lookup per inserted row.
 */
async function dropSecondaryIndexes(tx: Sql): Promise<() => Promise<void>> {
  const indexes = await tx.query<{ name: string; definition: string }>(
    `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE i.indrelid = ANY ($1::regclass[]) AND NOT i.indisprimary
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
      ORDER BY c.relname`,
    [BULK_TABLES],
  );
  const keys = await tx.query<{ tbl: string; name: string; definition: string }>(
    `SELECT k.conrelid::regclass::text AS tbl, quote_ident(k.conname) AS name,
            pg_get_constraintdef(k.oid) AS definition
       FROM pg_constraint k
      WHERE k.contype = 'f' AND k.conrelid = ANY ($1::regclass[])
      ORDER BY k.conname`,
    [BULK_TABLES],
  );
  await tx.exec(
    [
      `LOCK TABLE ${BULK_TABLES.join(", ")} IN ACCESS EXCLUSIVE MODE`,
      ...keys.map((k) => `ALTER TABLE ${k.tbl} DROP CONSTRAINT ${k.name}`),
      ...indexes.map((i) => `DROP INDEX ${i.name}`),
    ].join(";\n"),
  );
  return async () => {
    await tx.exec(
      [
        ...indexes.map((i) => i.definition),
        ...keys.map((k) => `ALTER TABLE ${k.tbl} ADD CONSTRAINT ${k.name} ${k.definition}`),
      ].join(";\n"),
    );
  };
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

/**
 * Writes one batch (inside the caller's transaction): one statement finds each point's district (a point outside
 * every district is rejected) and the rows already imported, and takes protocol serials for the rest; a second
 * inserts the demands and their two timeline events; a third starts the deadline clocks of those still open. Returns
 * one flag per flagged row written (or that would be, dry: then no serial is taken and nothing written).
 */
async function writeBatch(
  tx: Sql,
  rows: DemandRow[],
  file: string,
  dryRun: boolean,
  clocks: ImportClocks,
  findPlace: PlaceFinder,
  stages: ImportStages,
): Promise<BatchResult> {
  if (rows.length === 0) return { imported: 0, alreadyPresent: 0, rejections: [], flags: [] };
  // The district whose outline holds the point is found in the process (places.ts). A point in no district is still
  // taken when it lies near one: the district outlines and SP156's geocoding disagree by up to about a kilometre
  // along the city limits, and such rows are real requests. Rows already imported are not placed (a re-run only
  // checks), and a serial is taken only for a row that will be inserted.
  const places = await timed(stages, "place", () =>
    tx.query<{ i: number; district: string | null; present: boolean; serial: string | null }>(
      `WITH p AS MATERIALIZED (
         SELECT r.i, r.lon, x.present,
           CASE WHEN NOT x.present AND r.lon IS NOT NULL THEN coalesce(r.inside,
             (SELECT n.code FROM (SELECT d.code, d.geom FROM districts d ORDER BY d.geom <-> pt.p LIMIT 1) AS n
              WHERE ST_DWithin(n.geom::geography, pt.p::geography, $2))) END AS district
         FROM jsonb_to_recordset($1::jsonb) AS r(i int, lon float8, lat float8, ref text, inside text)
         CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) AS p) AS pt
         CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM demands x WHERE x.source_ref = r.ref) AS present) AS x)
       SELECT p.i, p.district, p.present,
         CASE WHEN $3::boolean AND NOT p.present AND (p.lon IS NULL OR p.district IS NOT NULL)
              THEN nextval('protocol_seq') END AS serial
       FROM p`,
      [
        JSON.stringify(
          rows.map((r, i) => ({
            i,
            lon: r.lon,
            lat: r.lat,
            ref: r.sourceRef,
            inside: r.lon === null || r.lat === null ? null : findPlace(r.lon, r.lat),
          })),
        ),
        CITY_MARGIN_METRES,
        !dryRun,
      ],
    ),
  );
  const rejections: Rejection[] = [];
  const fresh: DemandRow[] = [];
  const serials: number[] = [];
  let alreadyPresent = 0;
  for (const p of places.sort((a, b) => a.i - b.i)) {
    const row = rows[p.i]!;
    if (p.present) alreadyPresent++;
    else if (row.lon !== null && p.district === null) {
      rejections.push({ line: row.line, reason: "point_outside_city", value: `${row.lat},${row.lon}` });
    } else {
      fresh.push({ ...row, districtCode: row.districtCode ?? p.district });
      if (p.serial !== null) serials.push(Number(p.serial));
    }
  }
  if (dryRun || fresh.length === 0) {
    const flags = dryRun ? fresh.flatMap((r) => r.flags) : [];
    return { imported: dryRun ? fresh.length : 0, alreadyPresent, rejections, flags };
  }
  // Protocols in file order, like the ids.
  serials.sort((a, b) => a - b);
  const inserted = await timed(stages, "insert", () =>
    insertDemands(
      tx,
      fresh.map((r, i) => ({ ...r, protocol: makeProtocol(r.year, serials[i]!) })),
      file,
    ),
  );
  await timed(stages, "clocks", () =>
    startImportedClocks(
      tx,
      clocks,
      inserted
        .filter((d) => d.status === "dispatched")
        .map((d) => ({
          id: d.id,
          serviceId: d.service_id,
          departmentId: d.department_id,
          openedAt: d.opened_at,
        })),
    ),
  );
  // A row imported by a concurrent run between the check and the insert counts as already present.
  const bySource = new Map(fresh.map((r) => [r.sourceRef, r]));
  return {
    imported: inserted.length,
    alreadyPresent: alreadyPresent + fresh.length - inserted.length,
    rejections,
    flags: inserted.flatMap((d) => bySource.get(d.source_ref)!.flags),
  };
}

/**
 * Inserts the demands and, in the same statement, their timeline events: "imported" (internal, with the file and
 * line) at the opening and, for a closed one, "closed" or "cancelled" (public) at the closing.
 */
function insertDemands(tx: Sql, rows: (DemandRow & { protocol: string })[], file: string) {
  const json = rows.map((r, n) => ({
    n,
    line: r.line,
    protocol: r.protocol,
    service_id: r.serviceId,
    department_id: r.departmentId,
    channel: r.channel,
    status: r.status,
    outcome: r.outcome,
    opened: r.opened,
    closed: r.closed,
    opened_instant: r.openedInstant,
    closed_instant: r.closedInstant,
    lon: r.lon,
    lat: r.lat,
    address: r.address,
    district_code: r.districtCode,
    sector: r.sector,
    block: r.block,
    description: r.description,
    source_ref: r.sourceRef,
    flags: r.flags.length > 0 ? r.flags : null,
  }));
  // Local SP156 times become instants with the zone's own rules (DST until 2019-02-17, none after).
  return tx.query<{
    id: number;
    source_ref: string;
    status: string;
    service_id: number;
    department_id: number;
    opened_at: Date;
  }>(
    `WITH r AS MATERIALIZED (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(protocol text, service_id bigint, department_id bigint,
         channel text, status text, outcome text, opened text, closed text, opened_instant timestamptz,
         closed_instant timestamptz, lon float8, lat float8, address text, district_code text, sector text,
         block text, description text, source_ref text, flags text[], n int, line int)),
     ins AS (
       INSERT INTO demands (protocol, service_id, department_id, channel, status, outcome, identity_mode,
         description, location, address, district_code, subprefeitura_code, block_id, attributes, opened_at,
         closed_at, source_ref, import_flags)
       SELECT r.protocol, r.service_id, r.department_id, r.channel, r.status, r.outcome, 'anonymous', r.description,
         CASE WHEN r.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) END,
         r.address, d.code, d.subprefeitura_code, b.id, '{}',
         coalesce(r.opened_instant, r.opened::timestamp AT TIME ZONE '${SP156_TIME_ZONE}'),
         coalesce(r.closed_instant, r.closed::timestamp AT TIME ZONE '${SP156_TIME_ZONE}'),
         r.source_ref, r.flags
       FROM r
       LEFT JOIN districts d ON d.code = r.district_code
       LEFT JOIN blocks b ON b.sector = r.sector AND b.block = r.block
       ORDER BY r.n -- ids in file order, like the protocols
       ON CONFLICT (source_ref) DO NOTHING
       RETURNING id, source_ref, status, service_id, department_id, opened_at, closed_at, outcome),
     events AS (
       INSERT INTO demand_events (demand_id, at, type, actor_kind, visibility, data)
       SELECT ins.id, e.at, e.type, 'import', e.visibility, e.data
       FROM ins
       JOIN r ON r.source_ref = ins.source_ref
       CROSS JOIN LATERAL (VALUES
         (ins.opened_at, 'demand.imported', 'internal', jsonb_build_object('file', $2::text, 'line', r.line)),
         (ins.closed_at, CASE ins.status WHEN 'cancelled' THEN 'demand.cancelled' ELSE 'demand.closed' END,
          'public', jsonb_build_object('outcome', ins.outcome))
       ) AS e(at, type, visibility, data)
       WHERE e.at IS NOT NULL
       ORDER BY ins.id, e.at)
     SELECT id, source_ref, status, service_id, department_id, opened_at FROM ins`,
    [JSON.stringify(json), file],
  );
}
