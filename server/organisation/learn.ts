/**
 * How the demo city's responsibility matrix is learned (decision 0025): pure functions from the SP156 catalogue
 * and the city's history of who handled each demand to rules of the matrix, each marked with where it came from.
 * The seed writes them; bench/routing-fidelity.ts learns them from some months and measures on others.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { type CatalogueRow, isPlaceBased, sourceRef } from "../catalogue/sp156.ts";
import { RENAMED } from "../catalogue/sp156-renamed.ts";

/** The triage desk every demand without a more specific rule goes to. */
export const FALLBACK_DEPARTMENT = "CENTRAL156";

/** The Órgão that works through each subprefeitura: its rules go to the point's subprefeitura. */
export const SUBPREFEITURAS_ORGAO = "SMSUB";

/** Where a rule of the matrix came from (responsibility_rules.origin). */
export type RuleOrigin = "history" | "catalogue" | "subprefeitura_default" | "group_default" | "seed";

/** A rule to write, naming its service by source key and its department by code. */
export interface LearnedRule {
  service_ref: string | null;
  area_kind: "city" | "subprefeitura";
  area_code: string | null;
  department_code: string;
  to_subprefeitura: boolean;
  origin: RuleOrigin;
}

/** One historical demand: the month it was opened, its service's source key, who handled it, where. */
export interface HistoryRecord {
  month: string;
  ref: string;
  department: string;
  /** The subprefeitura's code, when the record's subprefeitura name is known. */
  subprefeitura: string | null;
}

/** A service needs this many historical demands before its history outweighs the catalogue's observation. */
const MIN_HISTORY = 5;
/** A subprefeitura gets its own rule for a service when it has this many demands of it… */
const MIN_LOCAL = 10;
/** …and more than this share of them went to another department than the city-wide rule's. */
const LOCAL_SHARE = 0.5;
/** A service group handled this much by one department keeps its new services with that department. */
const DOMINANT_SHARE = 0.95;
/** A group's main department is a default only when it handled at least this share of the group's demands. */
const MAIN_SHARE = 0.5;

type Counts = Map<string, number>;

function add(counts: Counts, key: string, n = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
}

function top(counts: Counts): { key: string; n: number; share: number } | undefined {
  let best: { key: string; n: number } | undefined;
  let total = 0;
  for (const [key, n] of counts) {
    total += n;
    if (!best || n > best.n || (n === best.n && key < best.key)) best = { key, n };
  }
  return best && { ...best, share: best.n / total };
}

/** The catalogue's observed departments of a service ("AMLURB:8996|SMSUB:3"), as counts. */
function observedCounts(row: CatalogueRow): Counts {
  const counts: Counts = new Map();
  for (const entry of row.orgaos_observados.split("|")) {
    const match = /^(.+):(\d+)$/.exec(entry.trim());
    if (match?.[1] && match[2]) add(counts, match[1].trim(), Number(match[2]));
  }
  if (counts.size === 0 && row.orgao_principal_observado.trim()) {
    add(counts, row.orgao_principal_observado.trim());
  }
  return counts;
}

/** A city-wide rule to a department; SMSUB means the subprefeitura of the demand's point. */
function cityRule(ref: string, department: string, origin: RuleOrigin): LearnedRule {
  const toSub = department === SUBPREFEITURAS_ORGAO;
  return {
    service_ref: ref,
    area_kind: "city",
    area_code: null,
    department_code: department,
    to_subprefeitura: toSub,
    origin,
  };
}

/**
 * The rules of the matrix, most trusted source first for each service of the catalogue:
 * 1. history: the department that handled most of the service's past demands (SMSUB: the point's subprefeitura),
 *    plus a rule per subprefeitura where most of its demands went elsewhere;
 * 2. catalogue: the catalogue's observed main department;
 * 3. defaults for a service nobody has handled yet, from its group (Assunto, then Tema): a group one department
 *    handles almost alone keeps it; a place-bound service of a Tema the subprefeituras handle most goes to the
 *    point's subprefeitura; otherwise the group's main department when it handles most of the group;
 * 4. the fallback rule for any service: the triage desk.
 */
export function learnRules(catalogue: CatalogueRow[], history: HistoryRecord[]): LearnedRule[] {
  const byService = new Map<string, Counts>();
  const bySubprefeitura = new Map<string, Map<string, Counts>>();
  for (const record of history) {
    const counts = byService.get(record.ref) ?? new Map();
    byService.set(record.ref, counts);
    add(counts, record.department);
    if (!record.subprefeitura) continue;
    const subs = bySubprefeitura.get(record.ref) ?? new Map<string, Counts>();
    bySubprefeitura.set(record.ref, subs);
    const local = subs.get(record.subprefeitura) ?? new Map();
    subs.set(record.subprefeitura, local);
    add(local, record.department);
  }

  const rules: LearnedRule[] = [];
  // What each observed service says about its groups: its own counts, from history or else the catalogue.
  const assuntos = new Map<string, Counts>();
  const temas = new Map<string, Counts>();
  const unobserved: CatalogueRow[] = [];
  for (const row of catalogue) {
    const ref = sourceRef(row.Tema, row.Assunto, row.Serviço);
    const seen = byService.get(ref);
    const seenTotal = seen ? [...seen.values()].reduce((a, b) => a + b, 0) : 0;
    const counts = seen && seenTotal >= MIN_HISTORY ? seen : observedCounts(row);
    const main = top(counts);
    if (!main) {
      unobserved.push(row);
      continue;
    }
    const origin: RuleOrigin = counts === seen ? "history" : "catalogue";
    rules.push(cityRule(ref, main.key, origin));
    if (origin === "history") rules.push(...localRules(ref, main.key, bySubprefeitura.get(ref)));
    for (const [department, n] of counts) {
      const assunto = assuntos.get(sourceRef(row.Tema, row.Assunto)) ?? new Map();
      assuntos.set(sourceRef(row.Tema, row.Assunto), assunto);
      add(assunto, department, n);
      const tema = temas.get(row.Tema) ?? new Map();
      temas.set(row.Tema, tema);
      add(tema, department, n);
    }
  }

  for (const row of unobserved) {
    const ref = sourceRef(row.Tema, row.Assunto, row.Serviço);
    const group = top(assuntos.get(sourceRef(row.Tema, row.Assunto)) ?? new Map());
    const tema = top(temas.get(row.Tema) ?? new Map());
    if (group && group.share >= DOMINANT_SHARE) {
      rules.push(cityRule(ref, group.key, "group_default"));
    } else if (isPlaceBased(row) && tema?.key === SUBPREFEITURAS_ORGAO) {
      rules.push(cityRule(ref, SUBPREFEITURAS_ORGAO, "subprefeitura_default"));
    } else if (group && group.share >= MAIN_SHARE) {
      rules.push(cityRule(ref, group.key, "group_default"));
    }
  }
  rules.push({
    service_ref: null,
    area_kind: "city",
    area_code: null,
    department_code: FALLBACK_DEPARTMENT,
    to_subprefeitura: false,
    origin: "seed",
  });
  return rules;
}

/** Rules per subprefeitura where most of a service's demands there went to another department. */
function localRules(ref: string, main: string, subs: Map<string, Counts> | undefined): LearnedRule[] {
  const rules: LearnedRule[] = [];
  for (const [sub, counts] of subs ?? []) {
    const local = top(counts);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    if (!local || local.key === main || total < MIN_LOCAL || local.share <= LOCAL_SHARE) continue;
    rules.push({
      service_ref: ref,
      area_kind: "subprefeitura",
      area_code: sub,
      department_code: local.key === SUBPREFEITURAS_ORGAO ? `SUB-${sub}` : local.key,
      to_subprefeitura: false,
      origin: "history",
    });
  }
  return rules;
}

/** One row of an SP156 request file, by the columns the matrix needs. */
export interface HistoryRow {
  "Data de abertura": string;
  Tema: string;
  Assunto: string;
  Serviço: string;
  Subprefeitura: string;
  geom_latitude: string;
  geom_longitude: string;
  Órgão: string;
}

/** The SP156 request file of the demo city's history, when the shared data holds it. */
export const HISTORY_FILE = join("sp156", "sp156_solicitacoes_2019-01_a_2019-04.csv");

/** Reads an SP156 request file's rows. */
export function readHistoryRows(sharedDataDir: string, file = HISTORY_FILE): HistoryRow[] {
  const text = readFileSync(join(sharedDataDir, file), "utf8");
  return parse(text, { columns: true, skip_empty_lines: true, bom: true }) as HistoryRow[];
}

/** The service source key a record names, through the renamed services' aliases (server/catalogue/sp156-renamed.ts). */
export function recordRef(row: Pick<HistoryRow, "Tema" | "Assunto" | "Serviço">): string {
  const renamed = RENAMED.find(([t, a, old]) => t === row.Tema && a === row.Assunto && old === row.Serviço);
  return renamed
    ? sourceRef(renamed[0], renamed[1], renamed[3])
    : sourceRef(row.Tema, row.Assunto, row.Serviço);
}

/** History records of rows, the subprefeitura named through `subprefeituraCode` (normalised name → code). */
export function historyOf(
  rows: HistoryRow[],
  subprefeituraCode: (name: string) => string | null,
): HistoryRecord[] {
  return rows
    .filter((r) => r.Órgão.trim() !== "")
    .map((r) => ({
      month: r["Data de abertura"].slice(0, 7),
      ref: recordRef(r),
      department: r.Órgão.trim(),
      subprefeitura: r.Subprefeitura ? subprefeituraCode(r.Subprefeitura) : null,
    }));
}
