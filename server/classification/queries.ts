/**
 * Reads of the classification concept: the service suggester over the catalogue in the database, the
 * classification of a demand (managers' rules + suggester), and the rules themselves.
 *
 * Each process keeps the built index. A call reads a version of the catalogue and the rules (counts, latest
 * change and a hash of the group names: one cheap query, at most every FRESHNESS_MS) and rebuilds when it moved, so
 * a service switched off on any process stops being suggested by every process within FRESHNESS_MS.
 */

import { type ActiveRule, type Candidate, suggestWithRules } from "../../domain/classification/ranking.ts";
import {
  buildIndex,
  DEFAULT_OPTIONS,
  type PortableFamily,
  portableFamily,
  type ServiceDocument,
  type SuggesterIndex,
} from "../../domain/classification/suggester.ts";
import { type TextLanguage, words } from "../../domain/classification/text.ts";
import { catalogueGeneration } from "../catalogue/queries.ts";
import { formerNameOf } from "../catalogue/sp156-renamed.ts";
import type { TranslatedLanguage } from "../catalogue/translations.ts";
import { maybeOne, one, type Sql } from "../db/index.ts";
import { currentTenant, tenantKey, tenantsOf } from "../tenants/current.ts";
import { RESOLVED_FAMILIES } from "./cues.ts";
import { type CatalogueEntry, documentOf } from "./documents.ts";

const VERSION_SQL = `
  SELECT (SELECT count(*) FILTER (WHERE active) || ':' || count(*) || ':' || coalesce(max(updated_at)::text, '')
            FROM services)
      || '|' || (SELECT count(*) || ':' || coalesce(sum(hashtext(name::text || coalesce(parent_id, 0)))::text, '')
                   FROM service_groups)
      || '|' || (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM classification_rules)
      AS version`;

interface Built {
  /** The index for readers of a language, built when first asked for. */
  index: (language: TextLanguage) => SuggesterIndex;
  /** The active services in code order: the order of the index's documents. */
  list: CatalogueEntry[];
  entries: Map<string, CatalogueEntry>;
  rules: ActiveRule[];
}

/** The suggester's documents of the services for readers of `language`, as every index of them is built. */
function documentsOf(entries: readonly CatalogueEntry[], language: TextLanguage): ServiceDocument[] {
  return entries.map((e) => documentOf(e, [], { language }));
}

// Built indexes by version, the latest few. Keyed by version rather than by connection so that a transaction (a
// new Sql object each time) reuses the index; two databases with the same version hold the same catalogue.
const built = new Map<string, Promise<Built>>();

/** Drops every index this process built (a process that moves to another database: the test shards). */
export function forgetBuiltIndexes(): void {
  built.clear();
}
const KEEP = 4;

async function loadEntries(sql: Sql): Promise<CatalogueEntry[]> {
  const rows = await sql.query<{
    code: string;
    name: string;
    keywords: string[];
    description: string | null;
    group_name: string;
    root_group_name: string | null;
    name_en: string | null;
    name_es: string | null;
    group_en: string | null;
    group_es: string | null;
    alias_names: string[];
  }>(
    `SELECT s.code, s.name->>'pt-BR' AS name, s.keywords, s.description->>'pt-BR' AS description,
            g.name->>'pt-BR' AS group_name, p.name->>'pt-BR' AS root_group_name,
            s.name->>'en' AS name_en, s.name->>'es' AS name_es, g.name->>'en' AS group_en,
            g.name->>'es' AS group_es,
            ARRAY(SELECT split_part(a.source_ref, '|', 3) FROM service_source_aliases a
                   WHERE a.service_id = s.id ORDER BY a.source_ref) AS alias_names
       FROM services s
       JOIN service_groups g ON g.id = s.group_id
       LEFT JOIN service_groups p ON p.id = g.parent_id
      WHERE s.active
      ORDER BY s.code`,
  );
  return rows.map((r) => ({
    code: r.code,
    name: r.name,
    groupName: r.group_name,
    rootGroupName: r.root_group_name,
    keywords: r.keywords,
    description: r.description ?? "",
    formerNames: r.alias_names
      .map((alias) => formerNameOf(alias, r.name))
      .filter((n): n is string => n !== undefined),
    translations: {
      en: { name: r.name_en ?? undefined, group: r.group_en ?? undefined },
      es: { name: r.name_es ?? undefined, group: r.group_es ?? undefined },
    },
  }));
}

async function loadActiveRules(sql: Sql): Promise<ActiveRule[]> {
  const rows = await sql.query<{
    id: number;
    code: string;
    name: string;
    phrases: string[];
    channels: string[];
    area_codes: string[];
    effect: "boost" | "override";
    weight: number;
  }>(
    `SELECT r.id, s.code, s.name->>'pt-BR' AS name, r.phrases, r.channels, r.area_codes, r.effect, r.weight
       FROM classification_rules r JOIN services s ON s.id = r.service_id
      WHERE r.active AND s.active
      ORDER BY r.id`,
  );
  return rows.map((r) => ({
    id: r.id,
    serviceCode: r.code,
    serviceName: r.name,
    phrases: r.phrases,
    channels: r.channels,
    areaCodes: r.area_codes,
    effect: r.effect,
    weight: Number(r.weight),
  }));
}

/**
 * How long a version read stays good for the same connection pool. A change made anywhere reaches every process
 * within this time; calls in between cost no database round trip (on a loaded machine a round trip is the
 * larger part of a suggestion). A transaction is a new Sql object each time, so it always reads the version.
 */
export const FRESHNESS_MS = 250;

const checked = new WeakMap<Sql, Map<number, { version: string; at: number; generation: number }>>();

/** The version of the catalogue and the rules as the suggester reads them (a new one after any change). */
export async function catalogueVersion(sql: Sql): Promise<string> {
  return (await one<{ version: string }>(sql, VERSION_SQL)).version;
}

async function versionOf(sql: Sql): Promise<string> {
  const byTenant = tenantsOf(checked, sql);
  const last = byTenant.get(currentTenant());
  // A catalogue or rule change made by this process is seen at once (catalogueGeneration), others' within the time.
  const generation = catalogueGeneration();
  if (last && last.generation === generation && performance.now() - last.at < FRESHNESS_MS)
    return last.version;
  const { version } = await one<{ version: string }>(sql, VERSION_SQL);
  // Two tenants' catalogues may read the same version: the version a process keeps names its tenant.
  const keyed = tenantKey(version);
  byTenant.set(currentTenant(), { version: keyed, at: performance.now(), generation });
  return keyed;
}

/** The index and rules of the catalogue as it is now: built once per version per process. */
async function current(sql: Sql): Promise<Built> {
  const version = await versionOf(sql);
  const cached = built.get(version);
  if (cached) return cached;
  const ready = (async () => {
    const [entries, rules] = await Promise.all([loadEntries(sql), loadActiveRules(sql)]);
    const indexes = new Map<TextLanguage, SuggesterIndex>();
    const index = (language: TextLanguage) => {
      let built = indexes.get(language);
      if (!built) {
        built = buildIndex(documentsOf(entries, language), DEFAULT_OPTIONS, language, RESOLVED_FAMILIES);
        indexes.set(language, built);
      }
      return built;
    };
    return { index, list: entries, entries: new Map(entries.map((e) => [e.code, e])), rules };
  })();
  built.set(version, ready);
  if (built.size > KEEP) built.delete(built.keys().next().value as string);
  ready.catch(() => {
    if (built.get(version) === ready) built.delete(version);
  });
  return ready;
}

/** How the suggester is asked. */
export interface SuggestOptions {
  limit?: number;
  /** The channel the text came on: rules restricted to channels apply only on theirs. */
  channel?: string | undefined;
  /** The district of the place, when known: rules restricted to areas apply only there. */
  districtCode?: string | undefined;
  /** The subprefeitura of the place; derived from the district when absent. */
  subprefeituraCode?: string | undefined;
  /** The reader's language: stop words, citizens' words and the names answered (pt-BR by default). */
  language?: TextLanguage | undefined;
}

/**
 * The active services a free Portuguese text is most likely about, best first, with a score in 0–1 and the
 * reasons (text match, managers' rules for the channel and area). Empty when the text asks for nothing.
 */
export async function suggestServices(
  sql: Sql,
  text: string,
  options: SuggestOptions = {},
): Promise<Candidate[]> {
  const limit = options.limit ?? 5;
  const language = options.language ?? "pt-BR";
  const { index, entries, rules } = await current(sql);
  const areaCodes = await areasOf(sql, options.districtCode, options.subprefeituraCode);
  const ranked = suggestWithRules(
    index(language),
    rules,
    text,
    { channel: options.channel, areaCodes },
    limit,
  );
  const typed = new Set(words(text, language).filter((w) => w.length >= 4));
  return ranked.map((candidate) => {
    const entry = entries.get(candidate.code);
    if (!entry) return candidate;
    const own = language === "pt-BR" ? undefined : entry.translations?.[language as TranslatedLanguage]?.name;
    return {
      ...candidate,
      name: own ?? entry.name,
      nameLanguage: own ? language : "pt-BR",
      formerly: formerNameTyped(entry, typed, language),
    };
  });
}

/**
 * The former name the text was looking for, if any: one sharing more of the typed words (exactly, as folded) than
 * the current name does ("Solicitar avaliação de local com pernilongo" is shown the service "formerly …").
 */
function formerNameTyped(
  entry: CatalogueEntry,
  typed: Set<string>,
  language: TextLanguage,
): string | undefined {
  const overlap = (name: string) => new Set(words(name, language).filter((w) => typed.has(w))).size;
  const current = overlap(entry.name);
  let best: string | undefined;
  let bestOverlap = current;
  for (const former of entry.formerNames ?? []) {
    const n = overlap(former);
    if (n > bestOverlap) {
      best = former;
      bestOverlap = n;
    }
  }
  return best;
}

async function areasOf(sql: Sql, district?: string, subprefeitura?: string): Promise<string[]> {
  const codes: string[] = [];
  if (district) codes.push(district);
  if (subprefeitura) codes.push(subprefeitura);
  else if (district) {
    const row = await maybeOne<{ sub: string }>(
      sql,
      "SELECT subprefeitura_code AS sub FROM districts WHERE code = $1",
      [district],
    );
    if (row) codes.push(row.sub);
  }
  return codes;
}

/** What a browser needs to build this very suggester (decision 0058): its documents, families and rules. */
export interface SuggesterInputs {
  documents: ServiceDocument[];
  families: PortableFamily[];
  rules: ActiveRule[];
}

/**
 * The suggester's inputs for readers of `language`, as the index that answers GET /api/v1/services/suggest is built
 * from them: the console's offline kit carries them, so a description suggests the same services without the network.
 */
export async function suggesterInputs(sql: Sql, language: TextLanguage): Promise<SuggesterInputs> {
  const { list, rules } = await current(sql);
  return {
    documents: documentsOf(list, language),
    families: RESOLVED_FAMILIES.map(portableFamily),
    rules,
  };
}

/** A demand to classify: its text, channel and place. */
export interface DemandToClassify {
  text: string;
  channel: string;
  districtCode?: string | null | undefined;
  subprefeituraCode?: string | null | undefined;
}

/**
 * The services a demand could be, best first, each with its reasons: the managers' rules that matched (by id)
 * and the text match. For the triage queue: the first candidate is the proposal, the others the alternatives.
 */
export async function classifyDemand(sql: Sql, demand: DemandToClassify, limit = 5): Promise<Candidate[]> {
  return suggestServices(sql, demand.text, {
    limit,
    channel: demand.channel,
    districtCode: demand.districtCode ?? undefined,
    subprefeituraCode: demand.subprefeituraCode ?? undefined,
  });
}

/** A classification rule as stored. */
export interface ClassificationRule {
  id: number;
  serviceCode: string;
  serviceName: string;
  phrases: string[];
  channels: string[];
  areaCodes: string[];
  effect: "boost" | "override";
  weight: number;
  active: boolean;
  note: string | null;
  updatedAt: string;
  updatedBy: number | null;
}

const SELECT_RULE = `
  SELECT r.id, s.code AS service_code, s.name->>'pt-BR' AS service_name, r.phrases, r.channels, r.area_codes,
         r.effect, r.weight, r.active, r.note, r.updated_at, r.updated_by
    FROM classification_rules r JOIN services s ON s.id = r.service_id`;

interface RuleRow {
  id: number;
  service_code: string;
  service_name: string;
  phrases: string[];
  channels: string[];
  area_codes: string[];
  effect: "boost" | "override";
  weight: number;
  active: boolean;
  note: string | null;
  updated_at: Date | string;
  updated_by: number | null;
}

function toRule(row: RuleRow): ClassificationRule {
  return {
    id: row.id,
    serviceCode: row.service_code,
    serviceName: row.service_name,
    phrases: row.phrases,
    channels: row.channels,
    areaCodes: row.area_codes,
    effect: row.effect,
    weight: Number(row.weight),
    active: row.active,
    note: row.note,
    updatedAt: new Date(row.updated_at).toISOString(),
    updatedBy: row.updated_by,
  };
}

/** Every classification rule (or those of one service), in id order. */
export async function listClassificationRules(
  sql: Sql,
  filter: { serviceCode?: string | undefined } = {},
): Promise<ClassificationRule[]> {
  const rows = await sql.query<RuleRow>(
    `${SELECT_RULE} WHERE $1::text IS NULL OR s.code = $1 ORDER BY r.id`,
    [filter.serviceCode ?? null],
  );
  return rows.map(toRule);
}

/** One classification rule by id; undefined when there is none. */
export async function findClassificationRule(sql: Sql, id: number): Promise<ClassificationRule | undefined> {
  const row = await maybeOne<RuleRow>(sql, `${SELECT_RULE} WHERE r.id = $1`, [id]);
  return row ? toRule(row) : undefined;
}
