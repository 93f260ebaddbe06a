/**
 * Seeds the service catalogue from SP156's own taxonomy (sp156_catalogo_servicos.csv): each Tema a root group,
 * each Assunto a child group, each Serviço a service. Upserts on source_ref, never touching a code once given.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import type { SeedOptions } from "../cli/seed.ts";
import type { Db, Sql } from "../db/index.ts";
import { reclassifyDistrictOnly } from "../indicators/kept.ts";
import { forgetCachedServices } from "./queries.ts";
import {
  type CatalogueRow,
  deadlineOf,
  demandTypeOf,
  groupCode,
  isPlaceBased,
  isSensitive,
  keywordsOf,
  priorityOf,
  requirementsOf,
  serviceCode,
  sourceRef,
  TEMA_NAMES,
} from "./sp156.ts";
import { SP156_ATTRIBUTES } from "./sp156-attributes.ts";
import { formerNamesOf, RENAMED, RETIRED } from "./sp156-renamed.ts";
import {
  groupTranslation,
  searchKeywordsOf,
  serviceTranslation,
  TRANSLATED_LANGUAGES,
} from "./translations.ts";

/** Reads the SP156 service catalogue CSV. */
export function readCatalogue(sharedDataDir: string): CatalogueRow[] {
  // The publisher's export carries Windows-1252 dashes as C1 control characters (U+0096 for "–"); the request
  // files have the real dash, so the catalogue is repaired to match them.
  const text = readFileSync(join(sharedDataDir, "sp156", "sp156_catalogo_servicos.csv"), "utf8")
    .replaceAll("\u0096", "–")
    .replaceAll("\u0097", "—");
  return parse(text, { columns: true, skip_empty_lines: true, bom: true }) as CatalogueRow[];
}

interface GroupRecord {
  code: string;
  source_ref: string;
  parent_ref: string | null;
  name: Record<string, string>;
  position: number;
}

/** Loads the demo city's catalogue; idempotent. */
export async function seedCatalogue(db: Db, options: SeedOptions): Promise<void> {
  const started = Date.now();
  const catalogue = readCatalogue(options.sharedDataDir);
  const known = new Set(catalogue.map((r) => sourceRef(r.Tema, r.Assunto, r.Serviço)));
  const retired = RETIRED.map(([Tema, Assunto, Serviço]) => retiredRow(Tema, Assunto, Serviço)).filter(
    (r) => !known.has(sourceRef(r.Tema, r.Assunto, r.Serviço)),
  );
  const rows = [...catalogue, ...retired];
  const { roots, children } = groupsOf(rows);
  const services = rows.map(serviceOf);
  const codes = new Set(services.map((s) => s.code));
  if (codes.size !== services.length) throw new Error("two SP156 services share a code");
  await db.transaction(async (tx) => {
    await upsertGroups(tx, roots);
    await upsertGroups(tx, children);
    await upsertServices(tx, services);
    await tx.query("UPDATE services SET active = false WHERE source_ref = ANY($1) AND active", [
      retired.map((r) => sourceRef(r.Tema, r.Assunto, r.Serviço)),
    ]);
    await upsertAliases(tx);
    // A service the seed marked sensitive takes its open demands off the public map's points now.
    const marked = await tx.query<{ id: number }>(
      `SELECT s.id FROM services s
        WHERE s.sensitive AND EXISTS (SELECT 1 FROM demand_facts f WHERE f.service_id = s.id AND NOT f.district_only)`,
    );
    await reclassifyDistrictOnly(
      tx,
      marked.map((r) => Number(r.id)),
    );
  });
  forgetCachedServices();
  options.log?.(
    `catalogue: ${roots.length + children.length} groups, ${services.length} services in ${Date.now() - started} ms`,
  );
}

function groupsOf(rows: CatalogueRow[]): { roots: GroupRecord[]; children: GroupRecord[] } {
  const roots = new Map<string, GroupRecord>();
  const children = new Map<string, GroupRecord>();
  for (const row of rows) {
    const rootRef = sourceRef(row.Tema);
    if (!roots.has(rootRef)) {
      const names = TEMA_NAMES[row.Tema];
      roots.set(rootRef, {
        code: groupCode(rootRef, row.Tema, true),
        source_ref: rootRef,
        parent_ref: null,
        name: { "pt-BR": row.Tema, ...(names ?? {}) },
        position: roots.size,
      });
    }
    const ref = sourceRef(row.Tema, row.Assunto);
    if (!children.has(ref)) {
      children.set(ref, {
        code: groupCode(ref, row.Assunto, false),
        source_ref: ref,
        parent_ref: rootRef,
        name: { "pt-BR": row.Assunto, ...translatedGroupNames(row.Assunto) },
        position: children.size,
      });
    }
  }
  return { roots: [...roots.values()], children: [...children.values()] };
}

async function upsertGroups(tx: Sql, groups: GroupRecord[]): Promise<void> {
  await tx.query(
    `INSERT INTO service_groups (code, source_ref, parent_id, name, position)
     SELECT g.code, g.source_ref, p.id, g.name, g.position
       FROM jsonb_to_recordset($1::jsonb)
            AS g(code text, source_ref text, parent_ref text, name jsonb, position int)
       LEFT JOIN service_groups p ON p.source_ref = g.parent_ref
     ON CONFLICT (tenant_id, source_ref) DO UPDATE
        SET parent_id = EXCLUDED.parent_id, name = EXCLUDED.name, position = EXCLUDED.position`,
    [JSON.stringify(groups)],
  );
}

function translatedGroupNames(assunto: string): Record<string, string> {
  const names: Record<string, string> = {};
  for (const language of TRANSLATED_LANGUAGES) {
    const name = groupTranslation(assunto, language);
    if (name) names[language] = name;
  }
  return names;
}

function serviceOf(row: CatalogueRow) {
  const ref = sourceRef(row.Tema, row.Assunto, row.Serviço);
  const code = serviceCode(ref);
  const type = demandTypeOf(row);
  const place = isPlaceBased(row);
  const anonymous = type === "report" || type === "complaint";
  const deadline = deadlineOf(row, type);
  const tema = TEMA_NAMES[row.Tema];
  const name: Record<string, string> = { "pt-BR": row.Serviço.replace(/\s+/g, " ").trim() };
  const description: Record<string, string> = { "pt-BR": `${row.Tema} › ${row.Assunto} › ${row.Serviço}` };
  for (const language of TRANSLATED_LANGUAGES) {
    const translation = serviceTranslation(code, language);
    if (translation) name[language] = translation.name;
    // The charter's path in the reader's language where every step has one, else as before (the Tema translated).
    description[language] = [
      tema?.[language] ?? row.Tema,
      groupTranslation(row.Assunto, language) ?? row.Assunto,
      translation?.name ?? row.Serviço,
    ].join(" › ");
  }
  return {
    code,
    source_ref: ref,
    group_ref: sourceRef(row.Tema, row.Assunto),
    name,
    description,
    // Searchable in the three languages and by the names the service had before (sp156-renamed.ts).
    keywords: [
      ...new Set([
        ...keywordsOf(
          row.Tema,
          row.Assunto,
          row.Serviço,
          ...formerNamesOf(row.Tema, row.Assunto, row.Serviço),
        ),
        ...searchKeywordsOf(code),
      ]),
    ],
    demand_type: type,
    location_required: place,
    anonymous_allowed: anonymous,
    attributes: SP156_ATTRIBUTES[row.Serviço] ?? [],
    deadline_amount: deadline.amount,
    deadline_unit: deadline.unit,
    priority: priorityOf(row),
    requirements: requirementsOf(place, anonymous, type),
    sensitive: isSensitive(row),
  };
}

async function upsertServices(tx: Sql, services: ReturnType<typeof serviceOf>[]): Promise<void> {
  // The code is written once: a re-seed updates everything else but never renames a published service_code.
  await tx.query(
    `INSERT INTO services (code, source_ref, group_id, name, description, keywords, demand_type, location_required,
                           anonymous_allowed, attributes, deadline_amount, deadline_unit, priority, requirements,
                           sensitive)
     SELECT s.code, s.source_ref, g.id, s.name, s.description,
            ARRAY(SELECT jsonb_array_elements_text(s.keywords)), s.demand_type, s.location_required,
            s.anonymous_allowed, s.attributes, s.deadline_amount, s.deadline_unit, s.priority, s.requirements,
            s.sensitive
       FROM jsonb_to_recordset($1::jsonb)
            AS s(code text, source_ref text, group_ref text, name jsonb, description jsonb, keywords jsonb,
                 demand_type text, location_required boolean, anonymous_allowed boolean, attributes jsonb,
                 deadline_amount int, deadline_unit text, priority int, requirements jsonb, sensitive boolean)
       JOIN service_groups g ON g.source_ref = s.group_ref
     ON CONFLICT (tenant_id, source_ref) DO UPDATE
        SET group_id = EXCLUDED.group_id, name = EXCLUDED.name, description = EXCLUDED.description,
            keywords = EXCLUDED.keywords, demand_type = EXCLUDED.demand_type,
            location_required = EXCLUDED.location_required, anonymous_allowed = EXCLUDED.anonymous_allowed,
            attributes = EXCLUDED.attributes, deadline_amount = EXCLUDED.deadline_amount,
            deadline_unit = EXCLUDED.deadline_unit, priority = EXCLUDED.priority,
            requirements = EXCLUDED.requirements, updated_at = now(),
            -- A re-seed may mark a service sensitive, never unmark one: protection wins over the seed's rule.
            sensitive = services.sensitive OR EXCLUDED.sensitive
      WHERE (services.sensitive, services.group_id, services.name, services.description, services.keywords, services.demand_type,
             services.location_required, services.anonymous_allowed, services.attributes,
             services.deadline_amount, services.deadline_unit, services.priority, services.requirements)
            IS DISTINCT FROM
            (services.sensitive OR EXCLUDED.sensitive, EXCLUDED.group_id, EXCLUDED.name, EXCLUDED.description, EXCLUDED.keywords, EXCLUDED.demand_type,
             EXCLUDED.location_required, EXCLUDED.anonymous_allowed, EXCLUDED.attributes,
             EXCLUDED.deadline_amount, EXCLUDED.deadline_unit, EXCLUDED.priority, EXCLUDED.requirements)`,
    [JSON.stringify(services)],
  );
}

function retiredRow(Tema: string, Assunto: string, Serviço: string): CatalogueRow {
  return {
    Tema,
    Assunto,
    Serviço,
    "registros_amostra_2015-01_a_2019-04": "",
    orgao_principal_observado: "",
    orgaos_observados: "",
    dias_ate_parecer_p50: "",
    dias_ate_parecer_p90: "",
  };
}

// The records' names of renamed services point at the catalogue service they became (exact strings, unnormalised).
async function upsertAliases(tx: Sql): Promise<void> {
  const aliases = RENAMED.map(([tema, assunto, recorded, current]) => ({
    alias: `sp156:${tema}|${assunto}|${recorded}`,
    target: sourceRef(tema, assunto, current),
  }));
  await tx.query(
    `INSERT INTO service_source_aliases (source_ref, service_id)
     SELECT a.alias, s.id FROM jsonb_to_recordset($1::jsonb) AS a(alias text, target text)
       JOIN services s ON s.source_ref = a.target
     ON CONFLICT (tenant_id, source_ref) DO UPDATE SET service_id = EXCLUDED.service_id`,
    [JSON.stringify(aliases)],
  );
}
