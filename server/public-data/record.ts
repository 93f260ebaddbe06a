/**
 * What of a demand may leave through a public endpoint (open data, Open311, the tracking page): the one decision,
 * made here and nowhere else. Never the citizen, the description, the answers to extra fields or the exact
 * address; the point rounded to a ~100 m grid; only the district for sensitive services and confidential
 * demands. docs/open-data.md explains each rule; decision 0013 why descriptions are left out.
 */
import { parseAddress } from "../../domain/address.ts";
import { type Locale, pickLocalized } from "../i18n.ts";

/** Degrees the published point is rounded to: 0.001° is 111 m north–south and ~102 m east–west in São Paulo. */
export const GRID_DEGREES = 0.001;
/** The farthest a point lies from its snapped grid position: half the cell's diagonal, rounded up. */
export const GRID_HALF_DIAGONAL_METRES = 76;

/** A demand row joined with what deciding needs; column names as `PUBLIC_DEMAND_COLUMNS` selects them. */
export interface PublicDemandSource {
  protocol: string;
  status: string;
  outcome: string | null;
  channel: string;
  identity_mode: "identified" | "confidential" | "anonymous";
  service_code: string;
  service_name: Record<string, string>;
  /** `services.sensitive`: published only at district level. */
  service_sensitive: boolean;
  group_code: string;
  root_group_code: string | null;
  department_code: string | null;
  lat: number | null;
  lon: number | null;
  /** The address as the person typed it; only its street leaves, and only when it names an official street. */
  address: string | null;
  district_code: string | null;
  district_name: string | null;
  subprefeitura_code: string | null;
  subprefeitura_name: string | null;
  opened_at: Date;
  answered_at: Date | null;
  closed_at: Date | null;
}

/** How precisely a record places its demand. */
export type PublicPrecision = "grid" | "district" | "none";

/** The public fields of a demand. */
export interface PublicDemandRecord {
  protocol: string;
  serviceCode: string;
  serviceName: string;
  group: string;
  rootGroup: string | null;
  status: string;
  outcome: string | null;
  channel: string;
  department: string | null;
  openedAt: string;
  answeredAt: string | null;
  closedAt: string | null;
  district: string | null;
  districtName: string | null;
  subprefeitura: string | null;
  subprefeituraName: string | null;
  /** The official name of the street the typed address named ("R AUGUSTA"), never a house number. */
  street: string | null;
  /** The point rounded to the grid; null at district precision. */
  lat: number | null;
  lon: number | null;
  precision: PublicPrecision;
}

/**
 * The official street names by "TYPE|NORMALISED NAME" (`streets.street_type`, `streets.normalized_name`): a typed
 * street is published only when it is one of them, so free text ("em frente à casa da Dona Maria") never is.
 */
export type OfficialStreets = ReadonlyMap<string, string>;

/** Columns (over `demands d`, `services s`, `service_groups g` and `pg`, `districts di`, `subprefeituras sp`,
 * `departments dep`) that make a `PublicDemandSource`; `PUBLIC_DEMAND_JOINS` is the FROM clause they need. */
export const PUBLIC_DEMAND_COLUMNS = `d.protocol, d.status, d.outcome, d.channel, d.identity_mode,
  s.code AS service_code, s.name AS service_name, s.sensitive AS service_sensitive,
  g.code AS group_code, pg.code AS root_group_code, dep.code AS department_code,
  ST_Y(d.location) AS lat, ST_X(d.location) AS lon, d.address,
  d.district_code, di.name AS district_name, d.subprefeitura_code, sp.name AS subprefeitura_name,
  d.opened_at, d.answered_at, d.closed_at`;

/** The FROM clause of `PUBLIC_DEMAND_COLUMNS`. */
export const PUBLIC_DEMAND_JOINS = `demands d
  JOIN services s ON s.id = d.service_id
  JOIN service_groups g ON g.id = s.group_id
  LEFT JOIN service_groups pg ON pg.id = g.parent_id
  LEFT JOIN districts di ON di.code = d.district_code
  LEFT JOIN subprefeituras sp ON sp.code = d.subprefeitura_code
  LEFT JOIN departments dep ON dep.id = d.department_id`;

/** True when a demand may be shown only at district level: a sensitive service, or a confidential demand. */
export function isDistrictOnly(
  row: Pick<PublicDemandSource, "service_sensitive" | "identity_mode">,
): boolean {
  return row.service_sensitive || row.identity_mode === "confidential";
}

/**
 * A coordinate snapped to the grid, halves away from zero as PostgreSQL's round(numeric, 3) does (the bbox filter
 * compares in SQL), with no float noise in its digits.
 */
export function roundToGrid(value: number): number {
  return Number((Math.sign(value) * Math.round(Math.abs(value) / GRID_DEGREES) * GRID_DEGREES).toFixed(3));
}

/** The official name of the street a typed address names, without number or complement; null when none. */
export function publicStreet(address: string | null, streets: OfficialStreets | undefined): string | null {
  if (!address || !streets) return null;
  const parsed = parseAddress(address);
  if (!parsed.type || !parsed.normalizedName) return null;
  return streets.get(`${parsed.type}|${parsed.normalizedName}`) ?? null;
}

/**
 * The public record of a demand: what any endpoint without a staff session may publish about it. `streets` (from
 * `loadOfficialStreets`) lets the street of the typed address through; without it no street is published.
 */
export function publicDemandRecord(
  row: PublicDemandSource,
  options: { locale?: Locale; streets?: OfficialStreets } = {},
): PublicDemandRecord {
  const districtOnly = isDistrictOnly(row);
  const hasPoint = !districtOnly && row.lat !== null && row.lon !== null;
  return {
    protocol: row.protocol,
    serviceCode: row.service_code,
    serviceName: pickLocalized(row.service_name, options.locale ?? "pt-BR"),
    group: row.group_code,
    rootGroup: row.root_group_code,
    status: row.status,
    outcome: row.outcome,
    channel: row.channel,
    department: row.department_code,
    openedAt: row.opened_at.toISOString(),
    answeredAt: row.answered_at?.toISOString() ?? null,
    closedAt: row.closed_at?.toISOString() ?? null,
    district: row.district_code,
    districtName: row.district_name,
    subprefeitura: row.subprefeitura_code,
    subprefeituraName: row.subprefeitura_name,
    street: districtOnly ? null : publicStreet(row.address, options.streets),
    lat: hasPoint ? roundToGrid(row.lat as number) : null,
    lon: hasPoint ? roundToGrid(row.lon as number) : null,
    precision: hasPoint ? "grid" : row.district_code ? "district" : "none",
  };
}
