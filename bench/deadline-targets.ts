/**
 * Checks our seeded service deadlines against real ones: Boston 311's SLA targets next to its real closure times
 * (2015-03…04), DC 311's published service levels, and SP156's own observed times. Prints the numbers quoted in
 * docs/deadlines.md. Reads files only: `npx tsx bench/deadline-targets.ts [SHARED_DATA_DIR]`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import Holidays from "date-holidays";
import { type BusinessCalendar, businessMinutesBetween, instantOf } from "../domain/business-time.ts";
import { readCatalogue } from "../server/catalogue/seed.ts";
import { deadlineOf, demandTypeOf, normalize } from "../server/catalogue/sp156.ts";

const shared = process.argv[2] ?? process.env.SHARED_DATA_DIR ?? "../shared/data";
const pct = (n: number, d: number) => (d === 0 ? "—" : `${((100 * n) / d).toFixed(1)}%`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
};

// ---- Boston 311 ----------------------------------------------------------------------------------------------

interface BostonRow {
  OPEN_DT: string;
  TARGET_DT: string;
  CLOSED_DT: string;
  OnTime_Status: string;
  TYPE: string;
}
const boston = parse(readFileSync(join(shared, "boston311", "boston311_2015-03_a_2015-04.csv"), "utf8"), {
  columns: true,
  skip_empty_lines: true,
}) as BostonRow[];

/** "03/01/2015 12:54:30 AM", Boston wall time, as an instant. */
const massHolidays = new Holidays("US", "MA");
const bostonCal: BusinessCalendar = {
  timeZone: "America/New_York",
  hours: Object.fromEntries(["mon", "tue", "wed", "thu", "fri"].map((d) => [d, [["08:30", "17:00"]]])),
  isHoliday: (date) => {
    const found = massHolidays.isHoliday(new Date(`${date}T12:00:00`));
    return Array.isArray(found) && found.some((h) => h.type === "public");
  },
};
function bostonTime(text: string): Date | undefined {
  const m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2}) (AM|PM)$/.exec(text);
  if (!m) return undefined;
  const hour = (Number(m[4]) % 12) + (m[7] === "PM" ? 12 : 0);
  const at = instantOf(
    `${m[3]}-${m[1]}-${m[2]}`,
    `${String(hour).padStart(2, "0")}:${m[5]}`,
    bostonCal.timeZone,
  );
  return new Date(at.getTime() + Number(m[6]) * 1000);
}

interface TypeStats {
  n: number;
  met: number;
  closed: number;
  onTime: number;
  targetHours: number[];
  closeHours: number[];
}
const byType = new Map<string, TypeStats>();
let targeted = 0;
let met = 0;
let atOpening = 0;
const businessDaysOfOpeningTargets = new Map<number, number>();
for (const row of boston) {
  const open = bostonTime(row.OPEN_DT);
  const target = bostonTime(row.TARGET_DT);
  if (!open || !target) continue;
  const closed = bostonTime(row.CLOSED_DT);
  targeted++;
  const isMet = closed !== undefined && closed.getTime() <= target.getTime();
  if (isMet) met++;
  const stats = byType.get(row.TYPE) ?? {
    n: 0,
    met: 0,
    closed: 0,
    onTime: 0,
    targetHours: [],
    closeHours: [],
  };
  stats.n++;
  if (isMet) stats.met++;
  if (row.OnTime_Status === "ONTIME") stats.onTime++;
  stats.targetHours.push((target.getTime() - open.getTime()) / 3_600_000);
  if (closed) {
    stats.closed++;
    stats.closeHours.push((closed.getTime() - open.getTime()) / 3_600_000);
  }
  byType.set(row.TYPE, stats);
  if (row.TARGET_DT.includes(" 08:30:00 AM")) {
    atOpening++;
    // A target at the next opening is the close of the business day before it, in business time.
    const days = Math.round(businessMinutesBetween(open, target, bostonCal) / 510);
    businessDaysOfOpeningTargets.set(days, (businessDaysOfOpeningTargets.get(days) ?? 0) + 1);
  }
}
console.log(`Boston 311, ${boston.length} cases opened 2015-03…04; ${targeted} with a TARGET_DT`);
console.log(`  closed by the target: ${pct(met, targeted)} (${met}/${targeted})`);
console.log(`  targets set at 08:30, the next opening (business-day targets): ${pct(atOpening, targeted)}`);
console.log(
  `  their length in business days (Mon–Fri 08:30–17:00, MA holidays): ${[...businessDaysOfOpeningTargets]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([d, n]) => `${d} d: ${n}`)
    .join(", ")}`,
);
console.log(
  "  type (cases with a target) | target p50 | closed p50 | closed by target | OnTime_Status ONTIME",
);
for (const [type, s] of [...byType].sort((a, b) => b[1].n - a[1].n).slice(0, 20)) {
  console.log(
    `  ${type} (${s.n}) | ${median(s.targetHours).toFixed(0)} h | ${median(s.closeHours).toFixed(1)} h | ${pct(s.met, s.n)} | ${pct(s.onTime, s.n)}`,
  );
}

// ---- DC 311 published service levels ----------------------------------------------------------------------------

interface DcRow {
  service_name: string;
  sla_sentences_extracted: string;
}
const dc = parse(readFileSync(join(shared, "open311", "dc311_services_catalogue.csv"), "utf8"), {
  columns: true,
  skip_empty_lines: true,
}) as DcRow[];
const dcUnits = new Map<string, number>();
console.log(
  `\nDC 311: ${dc.length} services, ${dc.filter((r) => r.sla_sentences_extracted).length} state a level`,
);
for (const row of dc.filter((r) => r.sla_sentences_extracted)) {
  const levels = [...row.sla_sentences_extracted.matchAll(/(\d+)\s+(business days|days|hours)/g)].map(
    (m) => `${m[1]} ${m[2]}`,
  );
  for (const l of new Set(levels)) {
    const unit = l.replace(/^\d+ /, "");
    dcUnits.set(unit, (dcUnits.get(unit) ?? 0) + 1);
  }
  console.log(`  ${row.service_name}: ${[...new Set(levels)].join(", ")}`);
}
console.log(`  levels by unit: ${[...dcUnits].map(([u, n]) => `${u} ${n}`).join(", ")}`);

// ---- our seed (SP156) --------------------------------------------------------------------------------------------

const catalogue = readCatalogue(shared);
const seeded = catalogue.map((row) => ({ row, deadline: deadlineOf(row, demandTypeOf(row)) }));
const units = new Map<string, number>();
for (const s of seeded) units.set(s.deadline.unit, (units.get(s.deadline.unit) ?? 0) + 1);
console.log(
  `\nOur seed: ${seeded.length} SP156 services: ${[...units].map(([u, n]) => `${u} ${n}`).join(", ")}`,
);
const observed = seeded.filter((s) => Number.isFinite(Number.parseFloat(s.row.dias_ate_parecer_p90)));
// p90 in calendar days against the target in business days turned back into calendar days (×7/5).
const p90Within = observed.filter(
  (s) =>
    s.deadline.unit === "business_days" &&
    Number.parseFloat(s.row.dias_ate_parecer_p90) <= (s.deadline.amount * 7) / 5,
);
const fromObserved = observed.filter((s) => s.deadline.unit === "business_days");
console.log(
  `  with observed times: ${observed.length}; business-day targets whose p90 fits the target: ${pct(p90Within.length, fromObserved.length)}`,
);
const amounts = seeded.filter((s) => s.deadline.unit === "business_days").map((s) => s.deadline.amount);
console.log(
  `  business-day targets: median ${median(amounts)}, min ${Math.min(...amounts)}, max ${Math.max(...amounts)}`,
);

const COMPARABLE: [string, RegExp][] = [
  ["pothole", /BURACO|AFUNDAMENTO DA PAVIMENTACAO|TAPA/],
  ["street light", /ILUMINACAO|LAMPADA|APAGADA/],
  ["tree", /PODA|REMOCAO DE ARVORE/],
  ["graffiti", /PICHACAO|GRAFITE/],
  ["abandoned vehicle", /VEICULO ABANDONADO/],
  ["dead animal", /ANIMAL MORTO/],
  ["rubble / bulk", /ENTULHO|CATA-BAGULHO|OBJETOS VOLUMOSOS/],
];
console.log("  comparable SP156 services (seeded deadline; observed p50/p90 calendar days):");
for (const [label, words] of COMPARABLE) {
  const hits = seeded.filter((s) => words.test(normalize(`${s.row.Assunto} ${s.row.Serviço}`)));
  for (const s of hits.slice(0, 4)) {
    console.log(
      `    ${label}: ${s.row.Serviço.slice(0, 70)} → ${s.deadline.amount} ${s.deadline.unit}; p50 ${s.row.dias_ate_parecer_p50 || "—"}, p90 ${s.row.dias_ate_parecer_p90 || "—"}`,
    );
  }
}
