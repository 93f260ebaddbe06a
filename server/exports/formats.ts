/**
 * The export formats as streams: CSV through csv-stringify (RFC 4180: CRLF, a header row, quotes only where
 * needed) and a GeoJSON FeatureCollection (RFC 7946) written by hand, one chunk per batch. Both pull the next batch
 * only when the response has room for it, so memory holds about one batch however large the export.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { stringify } from "csv-stringify";

/** One column of a CSV: its header and how a record gives its cell. */
export interface CsvColumn<R> {
  header: string;
  value: (record: R) => string | number | boolean | null;
}

/**
 * Reads the first batch before anything is sent, so a failing query is still a problem+json and not a cut file;
 * then yields every batch.
 */
export async function startBatches<T>(batches: AsyncGenerator<T[]>): Promise<AsyncGenerator<T[]>> {
  const first = await batches.next();
  return (async function* () {
    if (first.done) return;
    yield first.value;
    yield* batches;
  })();
}

/** The CSV of the batches' records: UTF-8, header row, CRLF, a byte order mark when `bom` (for Excel). */
export function csvStream<T, R>(
  batches: AsyncGenerator<T[]>,
  toRecord: (row: T) => R,
  columns: readonly CsvColumn<R>[],
  bom: boolean,
): Readable {
  const stringifier = stringify({
    header: true,
    columns: columns.map((c) => c.header),
    record_delimiter: "\r\n",
    bom,
    cast: { boolean: (v) => (v ? "true" : "false"), date: (v) => v.toISOString() },
  });
  const cells = async function* () {
    for await (const batch of batches) {
      for (const row of batch) {
        const record = toRecord(row);
        yield columns.map((c) => c.value(record) ?? "");
      }
    }
  };
  // Errors on either side end both: a failing query cuts the response instead of hanging it.
  pipeline(Readable.from(cells()), stringifier).catch((error) => stringifier.destroy(error));
  return stringifier;
}

/** A GeoJSON Feature: a point or no geometry, and its properties. */
export interface Feature {
  id: string;
  lon: number | null;
  lat: number | null;
  properties: Record<string, unknown>;
}

/** The FeatureCollection of the batches' features, one text chunk per batch. */
export function geoJsonStream<T>(batches: AsyncGenerator<T[]>, toFeature: (row: T) => Feature): Readable {
  const chunks = async function* () {
    yield '{"type":"FeatureCollection","features":[';
    let first = true;
    for await (const batch of batches) {
      const parts: string[] = [];
      for (const row of batch) {
        const f = toFeature(row);
        const geometry =
          f.lon === null || f.lat === null ? null : { type: "Point", coordinates: [f.lon, f.lat] };
        parts.push(JSON.stringify({ type: "Feature", id: f.id, geometry, properties: f.properties }));
      }
      if (parts.length === 0) continue;
      yield `${first ? "\n" : ",\n"}${parts.join(",\n")}`;
      first = false;
    }
    yield "\n]}\n";
  };
  return Readable.from(chunks(), { objectMode: false });
}
