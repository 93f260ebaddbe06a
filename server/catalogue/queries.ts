/** Reads of the catalogue concept: services by code, by group or by words, the groups, and the service charter. */
import { type LocalizedText, ServiceAttribute } from "../../domain/attributes.ts";
import { isContentWord, type TextLanguage } from "../../domain/classification/text.ts";
import { maybeOne, type Sql } from "../db/index.ts";
import { type CursorValues, decodeCursor, pageOf } from "../http/pagination.ts";
import { tenantKey } from "../tenants/current.ts";
import type { Channel, DeadlineUnit, DemandType } from "./schemas.ts";
import { keywordsOf } from "./sp156.ts";
import { formerNameOf } from "./sp156-renamed.ts";

/** A service as the rest of the server uses it (intake, routing, deadlines). */
export interface Service {
  id: number;
  code: string;
  groupId: number;
  groupCode: string;
  /** The Tema above the service's Assunto; null when the service sits directly under a root group. */
  rootGroupId: number | null;
  rootGroupCode: string | null;
  name: LocalizedText;
  description: Partial<LocalizedText>;
  keywords: string[];
  demandType: DemandType;
  locationRequired: boolean;
  anonymousAllowed: boolean;
  attributes: ServiceAttribute[];
  deadline: { amount: number; unit: DeadlineUnit };
  /** The acceptance stage's own deadline, or null for the city's default. */
  acceptanceDeadline: { amount: number; unit: DeadlineUnit } | null;
  autoDispatch: boolean;
  priority: number;
  requirements: Partial<LocalizedText>;
  channels: Channel[];
  active: boolean;
  /** Its demands are published only at district level (server/public-data). */
  sensitive: boolean;
  /** Names the service had before (imports know them as aliases): typing one still finds it. */
  formerNames: string[];
}

/** A service group row. */
export interface ServiceGroup {
  id: number;
  code: string;
  parentId: number | null;
  parentCode: string | null;
  name: LocalizedText;
  position: number;
}

interface ServiceRow {
  id: number;
  code: string;
  group_id: number;
  group_code: string;
  root_group_id: number | null;
  root_group_code: string | null;
  name: LocalizedText;
  description: Partial<LocalizedText>;
  keywords: string[];
  demand_type: DemandType;
  location_required: boolean;
  anonymous_allowed: boolean;
  attributes: unknown[];
  deadline_amount: number;
  deadline_unit: DeadlineUnit;
  acceptance_amount: number | null;
  acceptance_unit: DeadlineUnit | null;
  auto_dispatch: boolean;
  priority: number;
  requirements: Partial<LocalizedText>;
  channels: Channel[];
  active: boolean;
  sensitive: boolean;
  /** The Serviço part of each alias's source_ref ("sp156:Tema|Assunto|Serviço"). */
  alias_names: string[];
}

const SELECT_SERVICE = `
  SELECT s.id, s.code, s.group_id, g.code AS group_code, p.id AS root_group_id, p.code AS root_group_code,
         s.name, s.description, s.keywords, s.demand_type, s.location_required, s.anonymous_allowed, s.attributes,
         s.deadline_amount, s.deadline_unit, s.acceptance_amount, s.acceptance_unit, s.auto_dispatch, s.priority,
         s.requirements, s.channels, s.active, s.sensitive,
         ARRAY(SELECT split_part(a.source_ref, '|', 3) FROM service_source_aliases a
                WHERE a.service_id = s.id ORDER BY a.source_ref) AS alias_names
    FROM services s
    JOIN service_groups g ON g.id = s.group_id
    LEFT JOIN service_groups p ON p.id = g.parent_id`;

function toService(row: ServiceRow): Service {
  return {
    id: row.id,
    code: row.code,
    groupId: row.group_id,
    groupCode: row.group_code,
    rootGroupId: row.root_group_id,
    rootGroupCode: row.root_group_code,
    name: row.name,
    description: row.description,
    keywords: row.keywords,
    demandType: row.demand_type,
    locationRequired: row.location_required,
    anonymousAllowed: row.anonymous_allowed,
    attributes: row.attributes.map((a) => ServiceAttribute.parse(a)),
    deadline: { amount: row.deadline_amount, unit: row.deadline_unit },
    acceptanceDeadline:
      row.acceptance_amount !== null && row.acceptance_unit !== null
        ? { amount: row.acceptance_amount, unit: row.acceptance_unit }
        : null,
    autoDispatch: row.auto_dispatch,
    priority: row.priority,
    requirements: row.requirements,
    channels: row.channels,
    active: row.active,
    sensitive: row.sensitive,
    formerNames: [
      ...new Set(
        row.alias_names
          .map((alias) => formerNameOf(alias, row.name["pt-BR"]))
          .filter((n): n is string => n !== undefined),
      ),
    ],
  };
}

/** One service by its public code (active or not), with its attributes parsed; undefined when unknown. */
export async function findServiceByCode(sql: Sql, code: string): Promise<Service | undefined> {
  const row = await maybeOne<ServiceRow>(sql, `${SELECT_SERVICE} WHERE s.code = $1`, [code]);
  return row ? toService(row) : undefined;
}

/** The services citizens can pick, optionally under one group (a Tema or an Assunto) and matching words. */
const SERVICE_CACHE_MS = 10_000;
const serviceCache = new Map<string, { service: Service | undefined; until: number }>();

/**
 * findServiceByCode behind a short per-process cache, for intake's hot path. A write through this process's
 * commands clears it at once; other processes see a catalogue change within SERVICE_CACHE_MS.
 */
export async function findServiceByCodeCached(sql: Sql, code: string): Promise<Service | undefined> {
  const key = tenantKey(code);
  const hit = serviceCache.get(key);
  if (hit && hit.until > Date.now()) return hit.service;
  const service = await findServiceByCode(sql, code);
  if (serviceCache.size > 5_000) serviceCache.clear();
  serviceCache.set(key, { service, until: Date.now() + SERVICE_CACHE_MS });
  return service;
}

let generation = 0;

/** Forgets every cached service (after a catalogue write, or a change to the rules that classify into it). */
export function forgetCachedServices(): void {
  serviceCache.clear();
  generation++;
}

/** Bumped by every forgetCachedServices of this process: caches built from the catalogue compare it. */
export function catalogueGeneration(): number {
  return generation;
}

interface ServiceFilter {
  group?: string | undefined;
  q?: string | undefined;
  includeInactive?: boolean;
  /** The reader's language: its stop words are not searched for ("pothole on my street" looks for "pothole"). */
  language?: TextLanguage;
  /** A service left out (the exact code the staff's search lists first). */
  excludeId?: number;
}

/** Every service matching `filter`, in the catalogue's order. */
export async function listServices(sql: Sql, filter: ServiceFilter): Promise<Service[]> {
  return (await selectServices(sql, filter, null, null)).map(toService);
}

/** The kinds of a service list's keyset values: the catalogue's order, which ends with the id. */
const SERVICE_CURSOR = ["number", "number", "string", "number"] as const;

type PositionedServiceRow = ServiceRow & { root_position: number; group_position: number };

function serviceKeyOf(r: PositionedServiceRow): CursorValues {
  return [r.root_position, r.group_position, r.name["pt-BR"] ?? "", r.id];
}

/** A page of the services matching `filter` (keyset: the catalogue's order, which ends with the id). */
export async function pageServices(
  sql: Sql,
  filter: ServiceFilter,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ rows: Service[]; next: string | null }> {
  const after = decodeCursor(page.cursor, SERVICE_CURSOR);
  const cut = pageOf(await selectServices(sql, filter, after, page.limit + 1), page.limit, serviceKeyOf);
  return { rows: cut.rows.map(toService), next: cut.next };
}

async function selectServices(
  sql: Sql,
  filter: ServiceFilter,
  after: (string | number)[] | null,
  limit: number | null,
): Promise<PositionedServiceRow[]> {
  const language = filter.language ?? "pt-BR";
  const words = filter.q ? keywordsOf(filter.q).filter((w) => isContentWord(w, language)) : [];
  return sql.query<PositionedServiceRow>(
    `SELECT * FROM (${SELECT_SERVICE.replace(
      "SELECT s.id,",
      "SELECT coalesce(p.position, g.position) AS root_position, g.position AS group_position, s.id,",
    )}
      WHERE ($1::text IS NULL OR g.code = $1 OR p.code = $1)
        AND ($3::boolean OR s.active)
        AND ($9::bigint IS NULL OR s.id <> $9)
        -- every word typed is the start of one of the service's keywords
        AND NOT EXISTS (SELECT 1 FROM unnest($2::text[]) w
                         WHERE NOT EXISTS (SELECT 1 FROM unnest(s.keywords) k WHERE k LIKE w || '%'))) s
      WHERE $4::int IS NULL
         OR (root_position, group_position, name->>'pt-BR', id) > ($4::int, $5::int, $6::text, $7::bigint)
      ORDER BY root_position, group_position, name->>'pt-BR', id
      LIMIT $8`,
    [
      filter.group ?? null,
      words,
      filter.includeInactive ?? false,
      ...(after ?? [null, null, null, null]),
      limit,
      filter.excludeId ?? null,
    ],
  );
}

/** Every service group (or the one with `code`), roots first, in the catalogue's order. */
export async function listServiceGroups(sql: Sql, code?: string): Promise<ServiceGroup[]> {
  const rows = await sql.query<{
    id: number;
    code: string;
    parent_id: number | null;
    parent_code: string | null;
    name: LocalizedText;
    position: number;
  }>(
    `SELECT g.id, g.code, g.parent_id, p.code AS parent_code, g.name, g.position
       FROM service_groups g LEFT JOIN service_groups p ON p.id = g.parent_id
      WHERE $1::text IS NULL OR g.code = $1
      ORDER BY g.parent_id IS NOT NULL, coalesce(p.position, g.position), g.position, g.id`,
    [code ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    parentId: r.parent_id,
    parentCode: r.parent_code,
    name: r.name,
    position: r.position,
  }));
}

/** One service group by code; undefined when unknown. */
export async function findServiceGroupByCode(sql: Sql, code: string): Promise<ServiceGroup | undefined> {
  return (await listServiceGroups(sql, code))[0];
}

/** The service charter (Carta de Serviços): each root group with its child groups and their active services. */
export interface Charter {
  groups: (ServiceGroup & { groups: (ServiceGroup & { services: Service[] })[] })[];
}

/** Builds the service charter from the catalogue; groups without active services are left out. */
export async function loadCharter(sql: Sql): Promise<Charter> {
  const groups = await listServiceGroups(sql);
  const services = await listServices(sql, {});
  const byGroup = new Map<number, Service[]>();
  for (const service of services) {
    const list = byGroup.get(service.groupId) ?? [];
    list.push(service);
    byGroup.set(service.groupId, list);
  }
  const roots = groups.filter((g) => g.parentId === null);
  return {
    groups: roots
      .map((root) => ({
        ...root,
        groups: [
          // A service placed directly under a root group is listed under the root itself.
          ...(byGroup.has(root.id) ? [{ ...root, services: byGroup.get(root.id) ?? [] }] : []),
          ...groups
            .filter((g) => g.parentId === root.id && byGroup.has(g.id))
            .map((g) => ({ ...g, services: byGroup.get(g.id) ?? [] })),
        ],
      }))
      .filter((root) => root.groups.length > 0),
  };
}

/**
 * A keyset before every service (positions are never that low): where the pages after a first page that held only
 * the exact code start.
 */
const BEFORE_EVERY_SERVICE: CursorValues = [-2147483648, -2147483648, "", 0];

/**
 * The staff's search over every service, inactive too: words as in listServices, or a service's exact code (first
 * on the first page, left out of the catalogue order after it); one page of it, keyset as pageServices.
 */
export async function searchCatalogue(
  sql: Sql,
  filter: { q?: string | undefined; group?: string | undefined; language?: TextLanguage },
  page: { limit: number; cursor?: string | undefined },
): Promise<{ rows: Service[]; next: string | null }> {
  const after = decodeCursor(page.cursor, SERVICE_CURSOR);
  const code = filter.q?.trim().toUpperCase();
  const found = code ? await findServiceByCode(sql, code) : undefined;
  // An exact code counts only inside the group asked for (the group itself or its parent, as listServices reads it).
  const exact =
    found && (!filter.group || found.groupCode === filter.group || found.rootGroupCode === filter.group)
      ? found
      : undefined;
  const lead = exact && after === null ? [{ service: exact, key: BEFORE_EVERY_SERVICE }] : [];
  const rows = await selectServices(
    sql,
    { ...filter, includeInactive: true, ...(exact ? { excludeId: exact.id } : {}) },
    after,
    page.limit + 1 - lead.length,
  );
  const cut = pageOf(
    [...lead, ...rows.map((r) => ({ service: toService(r), key: serviceKeyOf(r) }))],
    page.limit,
    (entry) => entry.key,
  );
  return { rows: cut.rows.map((entry) => entry.service), next: cut.next };
}
