import { normalizeAreaName } from "../domain/address.ts";
import { readCatalogue } from "../server/catalogue/seed.ts";
import { sourceRef } from "../server/catalogue/sp156.ts";
import { seedDemoCity } from "../server/cli/seed.ts";
import { loadConfig } from "../server/config.ts";
import { connect, type Db } from "../server/db/index.ts";
import { migrate } from "../server/db/migrate.ts";
import {
  type HistoryRecord,
  type HistoryRow,
  historyOf,
  type LearnedRule,
  learnRules,
  readHistoryRows,
} from "../server/organisation/learn.ts";
import { upsertRules } from "../server/organisation/seed.ts";

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k as string, v ?? "true"];
  }),
);
const config = loadConfig({ ...process.env, DATABASE_URL: undefined, READ_DATABASE_URL: undefined });

interface Outcome {
  month: string;
  right: boolean;
  fallback: boolean;
  triage: boolean;
  origin: string;
  unknownService: boolean;
}

/** Replays rows through the database's current matrix. */
async function replay(db: Db, rows: HistoryRow[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const CHUNK = 5000;
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK).map((r, i) => ({
      i: start + i,
      ref: sourceRef(r.Tema, r.Assunto, r.Serviço),
      lon: Number.parseFloat(r.geom_longitude),
      lat: Number.parseFloat(r.geom_latitude),
    }));
    const answers = await db.query<{
      i: number;
      department: string | null;
      kind: string | null;
      fallback: boolean | null;
      origin: string | null;
      auto: boolean | null;
      known: boolean;
    }>(
      `SELECT r.i, dep.code AS department, dep.kind, rr.service_id IS NULL AS fallback, rr.origin,
              s.auto_dispatch AS auto, s.id IS NOT NULL AS known
         FROM jsonb_to_recordset($1::jsonb) AS r(i int, ref text, lon float8, lat float8)
         LEFT JOIN services s ON s.id = coalesce(
                (SELECT x.id FROM services x WHERE x.source_ref = r.ref),
                (SELECT a.service_id FROM service_source_aliases a WHERE a.source_ref = r.ref))
         LEFT JOIN LATERAL (SELECT * FROM place_point(r.lon, r.lat)) p ON true
         LEFT JOIN LATERAL resolve_department(s.id, p.district_code, p.subprefeitura_code) x ON true
         LEFT JOIN departments dep ON dep.id = x.department_id
         LEFT JOIN responsibility_rules rr ON rr.id = x.rule_id
        ORDER BY r.i`,
      [JSON.stringify(chunk.map((c) => ({ ...c, lon: c.lon || null, lat: c.lat || null })))],
    );
    for (const a of answers) {
      const row = rows[a.i] as HistoryRow;
      const real = row.Órgão.trim();
      const right =
        a.department === real ||
        (real === "SMSUB" && (a.kind === "subprefeitura" || a.department === "SMSUB"));
      outcomes.push({
        month: row["Data de abertura"].slice(0, 7),
        right,
        fallback: a.fallback === true,
        triage: a.fallback === true || a.auto === false,
        origin: a.origin ?? "none",
        unknownService: !a.known,
      });
    }
  }
  return outcomes;
}

const pct = (n: number, d: number) => (d === 0 ? "—" : `${((100 * n) / d).toFixed(1)}%`);

function report(title: string, outcomes: Outcome[]): void {
  console.log(`\n## ${title}\n`);
  console.log("| month | demands | right department | at triage (fallback + service asks) | fallback |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  const months = [...new Set(outcomes.map((o) => o.month))].sort();
  for (const month of [...months, "all"]) {
    const set = month === "all" ? outcomes : outcomes.filter((o) => o.month === month);
    const right = set.filter((o) => o.right).length;
    const triage = set.filter((o) => o.triage).length;
    const fallback = set.filter((o) => o.fallback).length;
    console.log(
      `| ${month} | ${set.length} | ${pct(right, set.length)} | ${pct(triage, set.length)} | ${pct(fallback, set.length)} |`,
    );
  }
  const origins = [...new Set(outcomes.map((o) => o.origin))].sort();
  console.log(
    `\nby rule origin: ${origins
      .map((origin) => {
        const set = outcomes.filter((o) => o.origin === origin);
        return `${origin} ${set.length} (${pct(set.filter((o) => o.right).length, set.length)} right)`;
      })
      .join(" · ")}; unknown service ${outcomes.filter((o) => o.unknownService).length}`,
  );
}

/** Replaces the whole matrix with these learned rules (the seed's own writer). */
async function useRules(db: Db, rules: LearnedRule[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query("DELETE FROM responsibility_rules");
    await upsertRules(tx, rules);
  });
}

const started = Date.now();
const db = await connect({});
await migrate(db);
await seedDemoCity(db, { sharedDataDir: config.sharedDataDir, scope: "fixture" });
const seeded = await db.query<{
  id: number;
  service_id: number | null;
  area_kind: string;
  area_code: string | null;
  department_id: number;
  to_subprefeitura: boolean;
  origin: string;
}>("SELECT * FROM responsibility_rules");
console.log(
  `# Routing fidelity (seeded in ${Date.now() - started} ms, ${seeded.length} rules in the demo matrix)`,
);

const names = await db.query<{ name: string; code: string }>(
  "SELECT name, code FROM subprefeituras UNION ALL SELECT alias, code FROM area_aliases WHERE kind = 'subprefeitura'",
);
const codes = new Map(names.map((a) => [normalizeAreaName(a.name), a.code]));
const subOf = (name: string) => codes.get(normalizeAreaName(name)) ?? null;

if (args.has("file")) {
  const rows = readHistoryRows("/", String(args.get("file")).replace(/^\//, ""));
  report(`demo seed's matrix on ${args.get("file")}`, await replay(db, rows));
} else {
  const rows = readHistoryRows(config.sharedDataDir);
  const history = historyOf(rows, subOf);
  const catalogue = readCatalogue(config.sharedDataDir);
  // The catalogue without its observation columns: what is known of the services before any history.
  const bare = catalogue.map((r) => ({ ...r, orgao_principal_observado: "", orgaos_observados: "" }));
  const inMonths = (months: string[]) => (r: { month?: string; "Data de abertura"?: string }) =>
    months.includes(r.month ?? (r["Data de abertura"] ?? "").slice(0, 7));
  const splits: [string[], string[]][] = [
    [["2019-01", "2019-02", "2019-03"], ["2019-04"]],
    [
      ["2019-01", "2019-02"],
      ["2019-03", "2019-04"],
    ],
  ];
  for (const [learn, measure] of splits) {
    await useRules(db, learnRules(bare, history.filter(inMonths(learn)) as HistoryRecord[]));
    const measured = rows.filter(inMonths(measure));
    report(
      `learned from ${learn.join(", ")} (history only) → measured on ${measure.join(", ")}`,
      await replay(db, measured),
    );
  }
  await useRules(db, learnRules(catalogue, []));
  report("catalogue observations only (in-sample: they span 2015-01..2019-04)", await replay(db, rows));
  await useRules(db, learnRules(catalogue, history));
  report("the demo seed's matrix (catalogue + all four months: in-sample)", await replay(db, rows));
}
await db.close();
console.log(`\n(${Date.now() - started} ms)`);
