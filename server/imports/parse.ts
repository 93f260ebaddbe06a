/**
 * Reading SP156 open-data CSV files: lines, fields, and the mapping of one row to a demand to insert, or the reason
 * it is rejected. Pure code, no database: the lookups it needs (services, departments, districts) are passed in.
 */
import { createHash } from "node:crypto";

/** The header of an SP156 request file, in the portal's order, plus the two geom_* columns geo-sp156 added. */
export const SP156_COLUMNS = [
  "Data de abertura",
  "Canal",
  "Tema",
  "Assunto",
  "Serviço",
  "Logradouro",
  "Número",
  "CEP",
  "Subprefeitura",
  "Distrito",
  "Setor",
  "Quadra",
  "Latitude",
  "Longitude",
  "geom_latitude",
  "geom_longitude",
  "Data do parecer",
  "Status da solicitação",
  "Órgão",
] as const;

/** Why a row of the file was not imported; stable codes shown in the summary. */
export type RejectReason =
  | "malformed_row"
  | "unknown_service"
  | "unknown_department"
  | "unknown_channel"
  | "unknown_status"
  | "bad_date"
  | "bad_point"
  | "point_outside_city";

/**
 * What the source got wrong in a row that is imported all the same (a city cannot drop a real request for a glitch
 * of its old system): stored in demands.import_flags and counted in the summary.
 */
export type ImportFlag = "closed_before_opened";

/** A row turned away, with its line in the file (the header is line 1) and the value that was wrong. */
export interface Rejection {
  line: number;
  reason: RejectReason;
  value: string;
}

/** A row ready to insert, before the database resolves what only it knows (polygons, protocol serials). */
export interface DemandRow {
  line: number;
  sourceRef: string;
  year: number;
  serviceId: number;
  departmentId: number;
  channel: string;
  status: string;
  outcome: string | null;
  opened: string; // local time in America/Sao_Paulo, "YYYY-MM-DD HH:MM:SS"
  closed: string | null;
  // Set only when a local time of the repeated hour (end of DST) must be read as one instant in particular.
  openedInstant: string | null;
  closedInstant: string | null;
  lon: number | null;
  lat: number | null;
  address: string | null;
  districtCode: string | null; // resolved by name; null leaves it to the polygon
  sector: string | null; // fiscal block, 3 digits
  block: string | null;
  description: string;
  /** The source's inconsistencies, kept on the demand; empty for a clean row. */
  flags: ImportFlag[];
}

/** What a row needs from the database, loaded once per import. */
export interface Lookups {
  /** services.source_ref ("sp156:Tema|Assunto|Serviço") → services.id */
  services: Map<string, number>;
  /** departments.code → departments.id */
  departments: Map<string, number>;
  /** normalised district name or alias → districts.code */
  districts: Map<string, string>;
}

// SP156 channel names (upper case, as published) → our channels. The DESCOMPLICA units are counters too.
const CHANNELS: Record<string, string> = {
  "CENTRAL TELEFÔNICA": "phone",
  "PORTAL ONLINE": "web",
  APLICATIVO: "app",
  "PRAÇAS DE ATENDIMENTO DAS SUBPREFEITURAS": "counter",
};

/** Maps an SP156 channel to ours, or undefined when it is not one we know. */
export function mapChannel(canal: string): string | undefined {
  return CHANNELS[canal] ?? (canal.startsWith("DESCOMPLICA") ? "counter" : undefined);
}

const STATUSES: Record<string, { status: string; outcome: string | null; closes: boolean }> = {
  FINALIZADA: { status: "closed", outcome: "resolved", closes: true },
  INDEFERIDO: { status: "closed", outcome: "refused", closes: true },
  CANCELADA: { status: "cancelled", outcome: "withdrawn", closes: true },
  // Waiting rows often carry an interim parecer date: the status, not the date, says whether it is closed.
  "AGUARDANDO ATENDIMENTO": { status: "dispatched", outcome: null, closes: false },
};

/** Maps an SP156 status to our status and outcome, or undefined when it is not one we know. */
export function mapStatus(
  status: string,
): { status: string; outcome: string | null; closes: boolean } | undefined {
  return STATUSES[status];
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True when `s` is a real local date-time written "YYYY-MM-DD HH:MM:SS". */
export function isLocalTimestamp(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, ...number[]];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && !leap ? 28 : (DAYS_IN_MONTH[month! - 1] ?? 0);
  return day! >= 1 && day! <= days && hour! < 24 && minute! < 60 && second! < 60;
}

/** The time zone of SP156's local times. */
export const SP156_TIME_ZONE = "America/Sao_Paulo";

const zoneParts = new Intl.DateTimeFormat("en-US", {
  timeZone: SP156_TIME_ZONE,
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

function offsetAt(ms: number): number {
  const p = Object.fromEntries(zoneParts.formatToParts(new Date(ms)).map((x) => [x.type, Number(x.value)]));
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - ms;
}

/**
 * The instants (ms since epoch) a local time of SP156's zone may stand for: one, two in the hour repeated when DST
 * ends, none in the hour skipped when it starts. Slow (Intl): only for the rows that need it.
 */
export function localInstants(local: string): number[] {
  const [date = "", time = ""] = local.split(" ");
  const [y, mo, d] = date.split("-").map(Number) as [number, number, number];
  const [h, mi, s] = time.split(":").map(Number) as [number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const offsets = new Set([offsetAt(asUtc - 43_200_000), offsetAt(asUtc + 43_200_000)]);
  return [...offsets]
    .map((o) => asUtc - o)
    .filter((t) => offsetAt(t) === asUtc - t)
    .sort((a, b) => a - b);
}

/** A place name in the form area names are stored: upper case, no accents, single spaces. */
export function normaliseName(s: string): string {
  return s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toUpperCase()
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Splits one physical line into fields (RFC 4180 quoting), or undefined when its quoting is broken. SP156 fields
 * never span lines, so each line is a record on its own and a broken one is rejected alone. (csv-parse, which the
 * tests use as an independent reader, cannot resynchronise after a bad quote: it swallows the following rows.)
 */
export function splitCsvLine(line: string): string[] | undefined {
  if (!line.includes('"')) return line.split(",");
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = "";
      let from = i + 1;
      for (;;) {
        const quote = line.indexOf('"', from);
        if (quote === -1) return undefined; // quote never closed
        value += line.slice(from, quote);
        if (line[quote + 1] !== '"') {
          i = quote + 1;
          break;
        }
        value += '"';
        from = quote + 2;
      }
      fields.push(value);
      if (i === line.length) return fields;
      if (line[i] !== ",") return undefined; // text after a closing quote
      i++;
    } else {
      const comma = line.indexOf(",", i);
      const value = line.slice(i, comma === -1 ? line.length : comma);
      if (value.includes('"')) return undefined; // a quote inside an unquoted field
      fields.push(value);
      if (comma === -1) return fields;
      i = comma + 1;
    }
  }
}

/** The SHA-256 (hex) of a raw line, without its line break: with the occurrence index, the key of a source row. */
export function hashLine(raw: Buffer | string): string {
  return createHash("sha256").update(raw).digest("hex");
}

const padCode = (s: string) => (/^\d{1,3}$/.test(s) ? s.padStart(3, "0") : null);

function parseCoordinate(s: string): number | undefined {
  const n = Number(s);
  return s.trim() === "" || !Number.isFinite(n) ? undefined : n;
}

/** Builds the demand for one row of fields, or tells why the row is rejected. */
export function readRow(
  fields: string[],
  line: number,
  sourceRef: string,
  lookups: Lookups,
): { row: DemandRow } | { rejection: Rejection } {
  const reject = (reason: RejectReason, value: string) => ({ rejection: { line, reason, value } });
  if (fields.length !== SP156_COLUMNS.length) return reject("malformed_row", `${fields.length} columns`);
  const [opened, canal, tema, assunto, servico, logradouro, numero, cep] = fields as string[];
  const [, , , , , , , , , distrito, setor, quadra, lat, lon, geomLat, geomLon, parecer, situacao, orgao] =
    fields as string[];
  const serviceId = lookups.services.get(`sp156:${tema}|${assunto}|${servico}`);
  if (serviceId === undefined) return reject("unknown_service", `${tema}|${assunto}|${servico}`);
  const departmentId = lookups.departments.get(orgao!);
  if (departmentId === undefined) return reject("unknown_department", orgao!);
  const channel = mapChannel(canal!);
  if (channel === undefined) return reject("unknown_channel", canal!);
  const mapped = mapStatus(situacao!);
  if (mapped === undefined) return reject("unknown_status", situacao!);
  if (!isLocalTimestamp(opened!)) return reject("bad_date", opened!);
  const closed = mapped.closes ? parecer! : null;
  if (closed !== null && !isLocalTimestamp(closed)) return reject("bad_date", closed);
  let openedInstant: string | null = null;
  let closedInstant: string | null = null;
  // Local times read with one rule keep their text order, except in the hour repeated at the end of DST: a closing
  // at 23:13 (second pass, -03) may follow an opening at 23:56 (first pass, -02). Such rows pin both instants.
  // A closing that precedes the opening in any reading is SP156's own glitch: kept as published, and flagged.
  const flags: ImportFlag[] = [];
  if (closed !== null && closed < opened!) {
    const first = localInstants(opened!)[0];
    const last = localInstants(closed).at(-1);
    if (first === undefined || last === undefined || last < first) flags.push("closed_before_opened");
    else {
      openedInstant = new Date(first).toISOString();
      closedInstant = new Date(last).toISOString();
    }
  }
  const published = lat !== "" || lon !== "";
  const [pLat, pLon] = published ? [lat!, lon!] : [geomLat!, geomLon!];
  let point: { lat: number; lon: number } | null = null;
  if (pLat !== "" || pLon !== "") {
    const y = parseCoordinate(pLat);
    const x = parseCoordinate(pLon);
    if (y === undefined || x === undefined || Math.abs(y) > 90 || Math.abs(x) > 180) {
      return reject("bad_point", `${pLat},${pLon}`);
    }
    point = { lat: y, lon: x };
  }
  const street = [logradouro, numero].filter((s) => s !== "").join(", ");
  const postcode = /^\d{8}$/.test(cep!) ? `CEP ${cep!.slice(0, 5)}-${cep!.slice(5)}` : cep;
  const address = [street, postcode].filter((s) => s !== "").join(" - ");
  const sector = padCode(setor!);
  const block = padCode(quadra!);
  return {
    row: {
      line,
      sourceRef,
      year: Number(opened!.slice(0, 4)),
      serviceId,
      departmentId,
      channel,
      status: mapped.status,
      outcome: mapped.outcome,
      opened: opened!,
      closed,
      openedInstant,
      closedInstant,
      lon: point?.lon ?? null,
      lat: point?.lat ?? null,
      address: address === "" ? null : address,
      districtCode: distrito === "" ? null : (lookups.districts.get(normaliseName(distrito!)) ?? null),
      sector: sector && block ? sector : null,
      block: sector && block ? block : null,
      description: servico!,
      flags,
    },
  };
}
