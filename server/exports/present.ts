/** The columns and features of the exports: the public record for open data, more for staff. */
import type { Locale } from "../i18n.ts";
import {
  type OfficialStreets,
  PUBLIC_DEMAND_COLUMNS,
  type PublicDemandRecord,
  type PublicDemandSource,
  publicDemandRecord,
} from "../public-data/record.ts";
import type { CsvColumn, Feature } from "./formats.ts";

/** The open-data CSV columns, in order: exactly the public record's fields. */
export const PUBLIC_CSV_COLUMNS: readonly CsvColumn<PublicDemandRecord>[] = [
  { header: "protocol", value: (r) => r.protocol },
  { header: "service_code", value: (r) => r.serviceCode },
  { header: "service_name", value: (r) => r.serviceName },
  { header: "group", value: (r) => r.group },
  { header: "root_group", value: (r) => r.rootGroup },
  { header: "status", value: (r) => r.status },
  { header: "outcome", value: (r) => r.outcome },
  { header: "channel", value: (r) => r.channel },
  { header: "department", value: (r) => r.department },
  { header: "opened_at", value: (r) => r.openedAt },
  { header: "answered_at", value: (r) => r.answeredAt },
  { header: "closed_at", value: (r) => r.closedAt },
  { header: "district", value: (r) => r.district },
  { header: "district_name", value: (r) => r.districtName },
  { header: "subprefeitura", value: (r) => r.subprefeitura },
  { header: "subprefeitura_name", value: (r) => r.subprefeituraName },
  { header: "street", value: (r) => r.street },
  { header: "lat", value: (r) => r.lat },
  { header: "lon", value: (r) => r.lon },
  { header: "precision", value: (r) => r.precision },
];

/** A public record as a GeoJSON feature: the rounded point (or none) and every other field as properties. */
export function publicFeature(record: PublicDemandRecord): Feature {
  const { lat, lon, ...properties } = record;
  return { id: record.protocol, lat, lon, properties };
}

/** What the staff export reads besides the public columns. */
export const STAFF_COLUMNS = `${PUBLIC_DEMAND_COLUMNS}, d.description, d.due_at, d.triage_score, d.reopen_count,
  dep.name AS department_name`;

/** A staff export row. */
export interface StaffRow extends PublicDemandSource {
  description: string;
  due_at: Date | null;
  triage_score: number;
  reopen_count: number;
  department_name: string | null;
}

/** A staff export record: the public record with the exact place, the description and the workflow fields. */
export interface StaffRecord extends PublicDemandRecord {
  address: string | null;
  exactLat: number | null;
  exactLon: number | null;
  identityMode: string;
  sensitive: boolean;
  description: string;
  dueAt: string | null;
  triageScore: number;
  reopenCount: number;
  departmentName: string | null;
}

/** The staff record of a row: never who asked (the citizen is in no column), but everything about the demand. */
export function staffRecord(
  row: StaffRow,
  options: { locale: Locale; streets: OfficialStreets },
): StaffRecord {
  return {
    ...publicDemandRecord(row, options),
    address: row.address,
    exactLat: row.lat,
    exactLon: row.lon,
    identityMode: row.identity_mode,
    sensitive: row.service_sensitive,
    description: row.description,
    dueAt: row.due_at?.toISOString() ?? null,
    triageScore: row.triage_score,
    reopenCount: row.reopen_count,
    departmentName: row.department_name,
  };
}

/** The staff CSV columns: the public ones, then the staff-only ones. */
export const STAFF_CSV_COLUMNS: readonly CsvColumn<StaffRecord>[] = [
  ...(PUBLIC_CSV_COLUMNS as readonly CsvColumn<StaffRecord>[]),
  { header: "department_name", value: (r) => r.departmentName },
  { header: "sensitive", value: (r) => r.sensitive },
  { header: "identity_mode", value: (r) => r.identityMode },
  { header: "address", value: (r) => r.address },
  { header: "exact_lat", value: (r) => r.exactLat },
  { header: "exact_lon", value: (r) => r.exactLon },
  { header: "due_at", value: (r) => r.dueAt },
  { header: "triage_score", value: (r) => r.triageScore },
  { header: "reopen_count", value: (r) => r.reopenCount },
  { header: "description", value: (r) => r.description },
];
