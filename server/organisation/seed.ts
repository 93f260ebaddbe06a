/**
 * Seeds the organisation of the demo city: one department per SP156 Órgão (code exactly as in the data), one per
 * subprefeitura, the CENTRAL156 triage desk, and the responsibility matrix learned from who handled each service
 * (the city's SP156 history and the catalogue's observations) with defaults for the services nobody handled yet
 * (learn.ts, decision 0025). Rules an administrator wrote are never overwritten. A city cut to one subprefeitura
 * (`SeedOptions.subprefeitura`) gets the city-wide departments and that subprefeitura's own, and only the rules
 * that route within it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { normalizeAreaName } from "../../domain/address.ts";
import { readCatalogue } from "../catalogue/seed.ts";
import type { SeedOptions } from "../cli/seed.ts";
import type { Db, Sql } from "../db/index.ts";
import {
  FALLBACK_DEPARTMENT,
  HISTORY_FILE,
  type HistoryRecord,
  historyOf,
  type LearnedRule,
  learnRules,
  readHistoryRows,
} from "./learn.ts";

export { FALLBACK_DEPARTMENT };

type Kind = "secretariat" | "subprefeitura" | "company" | "other";

/** Readable names of the Órgão codes seen in SP156 data (the codes themselves are kept as the city writes them). */
const KNOWN_DEPARTMENTS: Record<string, { name: string; kind: Kind }> = {
  AMLURB: { name: "Autoridade Municipal de Limpeza Urbana", kind: "other" },
  CET: { name: "Companhia de Engenharia de Tráfego", kind: "company" },
  "COVISA-DVZ": { name: "Vigilância em Saúde — Divisão de Vigilância de Zoonoses", kind: "secretariat" },
  "COVISA-UVIS": { name: "Vigilância em Saúde — Unidades de Vigilância em Saúde", kind: "secretariat" },
  GCM: { name: "Guarda Civil Metropolitana", kind: "other" },
  ILUME: { name: "Departamento de Iluminação Pública", kind: "other" },
  "SAC/GRC": { name: "Serviço de Atendimento ao Cidadão / Gestão do Relacionamento", kind: "other" },
  SEHAB: { name: "Secretaria Municipal de Habitação", kind: "secretariat" },
  SF: { name: "Secretaria Municipal da Fazenda", kind: "secretariat" },
  SMADS: { name: "Secretaria Municipal de Assistência e Desenvolvimento Social", kind: "secretariat" },
  SMDET: { name: "Secretaria Municipal de Desenvolvimento Econômico e Trabalho", kind: "secretariat" },
  SMDHC: { name: "Secretaria Municipal de Direitos Humanos e Cidadania", kind: "secretariat" },
  SMSO: { name: "Secretaria Municipal de Infraestrutura Urbana e Obras", kind: "secretariat" },
  "SMSU/Defesa Civil": {
    name: "Secretaria Municipal de Segurança Urbana — Defesa Civil",
    kind: "secretariat",
  },
  SMSUB: { name: "Secretaria Municipal das Subprefeituras", kind: "secretariat" },
  SPOBRAS: { name: "São Paulo Obras", kind: "company" },
  SPTRANS: { name: "São Paulo Transporte", kind: "company" },
  SVMA: { name: "Secretaria Municipal do Verde e do Meio Ambiente", kind: "secretariat" },
  [FALLBACK_DEPARTMENT]: { name: "Central SP156 — triagem", kind: "other" },
};

interface DepartmentRecord {
  code: string;
  name: string;
  kind: Kind;
  subprefeitura_code: string | null;
}

/** Loads the demo city's organisation; idempotent. */
export async function seedOrganisation(db: Db, options: SeedOptions): Promise<void> {
  const started = Date.now();
  const rows = readCatalogue(options.sharedDataDir);
  const departments = new Map<string, DepartmentRecord>();
  const addDepartment = (code: string) => {
    if (departments.has(code)) return;
    const known = KNOWN_DEPARTMENTS[code];
    departments.set(code, {
      code,
      name: known?.name ?? code,
      kind: known?.kind ?? "other",
      subprefeitura_code: null,
    });
  };
  for (const code of Object.keys(KNOWN_DEPARTMENTS)) addDepartment(code);
  for (const row of rows) {
    for (const entry of row.orgaos_observados.split("|")) {
      const code = entry.replace(/:\d+$/, "").trim();
      if (code) addDepartment(code);
    }
  }
  // The subprefeituras are seeded by the areas step; in a database without them these rows are simply absent.
  const subprefeituras = await db.query<{ code: string; name: string }>(
    "SELECT code, name FROM subprefeituras WHERE $1::text IS NULL OR code = $1 ORDER BY code",
    [options.subprefeitura ?? null],
  );
  for (const sub of subprefeituras) {
    departments.set(`SUB-${sub.code}`, {
      code: `SUB-${sub.code}`,
      name: `Subprefeitura ${titleCase(sub.name)}`,
      kind: "subprefeitura",
      subprefeitura_code: sub.code,
    });
  }

  // The whole city's history teaches the city-wide rules even to a subprefeitura's city: it shares the catalogue
  // and the departments, and its own few months of demands would leave most services unlearned.
  const history = await readHistory(db, options.sharedDataDir, options.subprefeitura);
  for (const record of history) addDepartment(record.department);
  const rules = learnRules(rows, history);

  await db.transaction(async (tx) => {
    await upsertDepartments(tx, [...departments.values()]);
    await upsertRules(tx, rules);
    await pruneRules(tx, rules);
  });
  options.log?.(
    `organisation: ${departments.size} departments, ${rules.length} rules in ${Date.now() - started} ms`,
  );
}

function titleCase(name: string): string {
  return name
    .toLowerCase()
    .replace(/(^|[\s\-'/])(\p{L})/gu, (_, sep: string, letter: string) => sep + letter.toUpperCase())
    .replace(/\b(Do|Da|De|Dos|Das|E)\b/g, (w) => w.toLowerCase());
}

async function upsertDepartments(tx: Sql, departments: DepartmentRecord[]): Promise<void> {
  await tx.query(
    `INSERT INTO departments (code, name, kind, subprefeitura_code)
     SELECT d.code, d.name, d.kind, d.subprefeitura_code
       FROM jsonb_to_recordset($1::jsonb) AS d(code text, name text, kind text, subprefeitura_code text)
     ON CONFLICT (tenant_id, code) DO UPDATE
        SET name = EXCLUDED.name, kind = EXCLUDED.kind, subprefeitura_code = EXCLUDED.subprefeitura_code
      WHERE (departments.name, departments.kind, departments.subprefeitura_code)
            IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.subprefeitura_code)`,
    [JSON.stringify(departments)],
  );
}

/**
 * The city's history of who handled each demand (the SP156 request file in the shared data), through the renamed
 * services' aliases; empty when the file is absent.
 */
async function readHistory(db: Db, sharedDataDir: string, only?: string): Promise<HistoryRecord[]> {
  if (!existsSync(join(sharedDataDir, HISTORY_FILE))) return [];
  // A record of a subprefeitura outside the city keeps its department for the city-wide rules but names no area,
  // so no rule of another subprefeitura is learned.
  const names = await db.query<{ name: string; code: string }>(
    `SELECT name, code FROM (SELECT name, code FROM subprefeituras
                             UNION ALL SELECT alias, code FROM area_aliases WHERE kind = 'subprefeitura') a
      WHERE $1::text IS NULL OR code = $1`,
    [only ?? null],
  );
  const codes = new Map(names.map((a) => [normalizeAreaName(a.name), a.code]));
  return historyOf(readHistoryRows(sharedDataDir), (name) => codes.get(normalizeAreaName(name)) ?? null);
}

/** Deletes the seeded rules the learning no longer gives (an administrator's rules stay). */
async function pruneRules(tx: Sql, rules: LearnedRule[]): Promise<void> {
  await tx.query(
    `DELETE FROM responsibility_rules r
      WHERE r.origin <> 'admin'
        AND NOT EXISTS (
          SELECT 1 FROM jsonb_to_recordset($1::jsonb) AS l(service_ref text, area_kind text, area_code text)
            LEFT JOIN services s ON s.source_ref = l.service_ref
           WHERE coalesce(s.id, 0) = coalesce(r.service_id, 0) AND l.area_kind = r.area_kind
             AND coalesce(l.area_code, '') = coalesce(r.area_code, ''))`,
    [JSON.stringify(rules)],
  );
}

/**
 * Writes learned rules: new keys are inserted, seeded rules follow the new learning, and a rule an administrator
 * wrote (origin 'admin') is left as it is.
 */
export async function upsertRules(tx: Sql, rules: LearnedRule[]): Promise<void> {
  await tx.query(
    `INSERT INTO responsibility_rules (service_id, area_kind, area_code, department_id, to_subprefeitura, origin)
     SELECT s.id, r.area_kind, r.area_code, d.id, r.to_subprefeitura, r.origin
       FROM jsonb_to_recordset($1::jsonb)
            AS r(service_ref text, area_kind text, area_code text, department_code text, to_subprefeitura boolean,
                 origin text)
       JOIN departments d ON d.code = r.department_code
       LEFT JOIN services s ON s.source_ref = r.service_ref
      WHERE (r.service_ref IS NULL OR s.id IS NOT NULL)
        AND (r.area_kind = 'city' OR EXISTS (SELECT 1 FROM subprefeituras x WHERE x.code = r.area_code))
     ON CONFLICT (tenant_id, (coalesce(service_id, 0)), area_kind, (coalesce(area_code, ''))) DO UPDATE
        SET department_id = EXCLUDED.department_id, to_subprefeitura = EXCLUDED.to_subprefeitura,
            origin = EXCLUDED.origin, updated_at = now()
      WHERE responsibility_rules.origin <> 'admin'
        AND (responsibility_rules.department_id, responsibility_rules.to_subprefeitura, responsibility_rules.origin)
            IS DISTINCT FROM (EXCLUDED.department_id, EXCLUDED.to_subprefeitura, EXCLUDED.origin)`,
    [JSON.stringify(rules)],
  );
}
