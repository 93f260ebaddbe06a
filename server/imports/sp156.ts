/**
 * Imports an SP156 open-data CSV file as historical demands: streamed line by line, checked row by row, and written
 * in batches of set-based statements, one transaction per batch. Every source row gets a stable key (the hash of its
 * line and its occurrence among identical lines), so importing the same file again adds nothing twice.
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
  /** Rows per batch, and so per transaction. */
  batchSize?: number;
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

/** The outcome of an import: what was read, written, skipped and turned away. */
export interface ImportSummary extends ImportProgress {
  file: string;
  dryRun: boolean;
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
  const batchSize = options.batchSize ?? 2000;
  const concurrency = options.concurrency ?? (db.kind === "postgres" ? 2 : 1);
  const started = Date.now();
  const lookups = await loadLookups(db);
  if (lookups.services.size === 0) throw new CityNotLoadedError();
  const clocks = await loadImportClocks(db);
  const name = basename(file);
  const summary: ImportSummary = {
    file: name,
    dryRun: options.dryRun ?? false,
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
  const occurrences = new Map<string, number>();
  let batch: DemandRow[] = [];
  // Batches are written while the next ones are read: up to `concurrency` transactions at once.
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const flush = async () => {
    const rows = batch;
    batch = [];
    if (rows.length > 0) {
      const write: Promise<void> = writeBatch(db, rows, name, summary.dryRun, clocks)
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
        .finally(() => inFlight.delete(write));
      inFlight.add(write);
    }
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (failure) throw failure.error;
  };

  let header = true;
  for await (const { line, raw, bytesRead } of readLines(file)) {
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
    if (fields === undefined) {
      addRejection({ line, reason: "malformed_row", value: "bad quoting" });
      continue;
    }
    const read = readRow(fields, line, `sp156:${hash}#${occurrence}`, lookups);
    if ("rejection" in read) addRejection(read.rejection);
    else batch.push(read.row);
    if (batch.length >= batchSize) await flush();
  }
  if (header) throw new Error(`${name} is empty`);
  await flush();
  await Promise.all(inFlight);
  if (failure) throw failure.error;
  if (!summary.dryRun) summary.clocksRepaired = await startMissingClocks(db, clocks);
  // The imported demands are searchable already (pending); a pass of the index job now makes that cheap again.
  if (!summary.dryRun && summary.imported > 0) await requestSearchIndexing(db, `import:${name}`);
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

/**
 * Writes one batch in one transaction: finds each point's district (a point outside every district is rejected)
 * and the rows already imported, takes protocol serials for the rest, inserts the demands, then their events and
 * the deadline clocks of those still open. Returns one flag per flagged row written (or that would be, dry).
 */
async function writeBatch(
  db: Db,
  rows: DemandRow[],
  file: string,
  dryRun: boolean,
  clocks: ImportClocks,
): Promise<{ imported: number; alreadyPresent: number; rejections: Rejection[]; flags: ImportFlag[] }> {
  if (rows.length === 0) return { imported: 0, alreadyPresent: 0, rejections: [], flags: [] };
  const run = async (tx: Sql) => {
    // A point in no district is still taken when it lies near one: the district outlines and SP156's geocoding
    // disagree by up to about a kilometre along the city limits, and such rows are real requests.
    const places = await tx.query<{ i: number; district: string | null; present: boolean }>(
      `SELECT r.i,
         coalesce(
           (SELECT d.code FROM districts d WHERE ST_Contains(d.geom, pt.p) LIMIT 1),
           (SELECT n.code FROM (SELECT d.code, d.geom FROM districts d ORDER BY d.geom <-> pt.p LIMIT 1) AS n
            WHERE ST_DWithin(n.geom::geography, pt.p::geography, $2))
         ) AS district,
         EXISTS (SELECT 1 FROM demands x WHERE x.source_ref = r.ref) AS present
       FROM jsonb_to_recordset($1::jsonb) AS r(i int, lon float8, lat float8, ref text)
       CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) AS p) AS pt`,
      [
        JSON.stringify(rows.map((r, i) => ({ i, lon: r.lon, lat: r.lat, ref: r.sourceRef }))),
        CITY_MARGIN_METRES,
      ],
    );
    const rejections: Rejection[] = [];
    const fresh: DemandRow[] = [];
    let alreadyPresent = 0;
    for (const p of places) {
      const row = rows[p.i]!;
      if (p.present) alreadyPresent++;
      else if (row.lon !== null && p.district === null) {
        rejections.push({ line: row.line, reason: "point_outside_city", value: `${row.lat},${row.lon}` });
      } else fresh.push({ ...row, districtCode: row.districtCode ?? p.district });
    }
    if (dryRun || fresh.length === 0) {
      const flags = dryRun ? fresh.flatMap((r) => r.flags) : [];
      return { imported: dryRun ? fresh.length : 0, alreadyPresent, rejections, flags };
    }
    const serials = await tx.query<{ n: number }>(
      "SELECT nextval('protocol_seq') AS n FROM generate_series(1, $1::int)",
      [fresh.length],
    );
    const numbers = serials.map((s) => s.n).sort((a, b) => a - b);
    const inserted = await insertDemands(
      tx,
      fresh.map((r, i) => ({ ...r, protocol: makeProtocol(r.year, numbers[i]!) })),
    );
    const bySource = new Map(fresh.map((r) => [r.sourceRef, r]));
    const lineOf = new Map(fresh.map((r) => [r.sourceRef, r.line]));
    await insertEvents(
      tx,
      inserted.map((d) => d.id),
      inserted.map((d) => lineOf.get(d.source_ref)!),
      file,
    );
    await startImportedClocks(
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
    );
    // A row imported by a concurrent run between the check and the insert counts as already present.
    return {
      imported: inserted.length,
      alreadyPresent: alreadyPresent + fresh.length - inserted.length,
      rejections,
      flags: inserted.flatMap((d) => bySource.get(d.source_ref)!.flags),
    };
  };
  return dryRun ? run(db) : db.transaction(run);
}

function insertDemands(tx: Sql, rows: (DemandRow & { protocol: string })[]) {
  const json = rows.map((r, n) => ({
    n,
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
    `INSERT INTO demands (protocol, service_id, department_id, channel, status, outcome, identity_mode, description,
       location, address, district_code, subprefeitura_code, block_id, attributes, opened_at, closed_at, source_ref,
       import_flags)
     SELECT r.protocol, r.service_id, r.department_id, r.channel, r.status, r.outcome, 'anonymous', r.description,
       CASE WHEN r.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) END,
       r.address, d.code, d.subprefeitura_code, b.id, '{}',
       coalesce(r.opened_instant, r.opened::timestamp AT TIME ZONE '${SP156_TIME_ZONE}'),
       coalesce(r.closed_instant, r.closed::timestamp AT TIME ZONE '${SP156_TIME_ZONE}'),
       r.source_ref, r.flags
     FROM jsonb_to_recordset($1::jsonb) AS r(protocol text, service_id bigint, department_id bigint, channel text,
       status text, outcome text, opened text, closed text, opened_instant timestamptz, closed_instant timestamptz,
       lon float8, lat float8, address text,
       district_code text, sector text, block text, description text, source_ref text, flags text[], n int)
     LEFT JOIN districts d ON d.code = r.district_code
     LEFT JOIN blocks b ON b.sector = r.sector AND b.block = r.block
     ORDER BY r.n -- ids in file order, like the protocols
     ON CONFLICT (source_ref) DO NOTHING
     RETURNING id, source_ref, status, service_id, department_id, opened_at`,
    [JSON.stringify(json)],
  );
}

async function insertEvents(tx: Sql, ids: number[], lines: number[], file: string) {
  if (ids.length === 0) return;
  await tx.query(
    `INSERT INTO demand_events (demand_id, at, type, actor_kind, visibility, data)
     SELECT d.id, e.at, e.type, 'import', e.visibility, e.data
     FROM unnest($1::bigint[], $2::int[]) AS i(id, line)
     JOIN demands d ON d.id = i.id
     CROSS JOIN LATERAL (VALUES
       (d.opened_at, 'demand.imported', 'internal', jsonb_build_object('file', $3::text, 'line', i.line)),
       (d.closed_at, CASE d.status WHEN 'cancelled' THEN 'demand.cancelled' ELSE 'demand.closed' END, 'public',
        jsonb_build_object('outcome', d.outcome))
     ) AS e(at, type, visibility, data)
     WHERE e.at IS NOT NULL
     ORDER BY d.id, e.at`,
    [ids, lines, file],
  );
}
