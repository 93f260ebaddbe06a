/**
 * Duplicates on the SP156 slice: how many demands the old rule sent to a person as "possible duplicate", and how many
 * the rule of decision 0026 (server/duplicates/rule.ts) links automatically, queues, and links wrongly, replaying
 * the 52,294 real requests of 2019-01…04 in order of opening, in two ways:
 *
 *   - "whole period open": every earlier request counts as still open (what a bulk import that leaves everything
 *     open sees, and what the issue measured as 28.7%);
 *   - "real timing": a request sees only the requests still open at its opening (no parecer yet, or never closed).
 *
 * The candidates are those of findDuplicates (server/triage/queries.ts): same service, opened in the 30 days before,
 * within 100 m, open, not already linked. "Wrong" is a proxy (the slice has no duplicate labels): a link is counted
 * wrong when the two requests' streets differ, or when the new request's real parecer came more than 7 days after the
 * one it was linked to (the city still had work to do on it after answering the other, so linking would have told
 * its citizen "done" too early). A different final status (one FINALIZADA, the other INDEFERIDO) is printed apart:
 * SP156 itself refuses many repeats as INDEFERIDO, so it is no sign of a wrong link by itself.
 *
 *   npx tsx bench/duplicates.ts                 # the rule as configured, both timings, about 10 s
 *   npx tsx bench/duplicates.ts --grid          # also a grid of thresholds (how they were chosen)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { readCatalogue } from "../server/catalogue/seed.ts";
import { demandTypeOf } from "../server/catalogue/sp156.ts";
import { loadConfig } from "../server/config.ts";
import {
  type DuplicateVerdict,
  isSameStreet,
  judgeDuplicate,
  LINK_RULE,
  type LinkRule,
} from "../server/duplicates/rule.ts";
import { normaliseName } from "../server/imports/parse.ts";
import { DUPLICATE_RADIUS_METRES, DUPLICATE_WINDOW_DAYS } from "../server/triage/queries.ts";

const grid = process.argv.includes("--grid");
const config = loadConfig({ ...process.env, DATABASE_URL: undefined, READ_DATABASE_URL: undefined });
const csvPath = join(config.sharedDataDir, "sp156/sp156_solicitacoes_2019-01_a_2019-04.csv");

/** One request of the slice, as the replay needs it. */
interface Request {
  index: number;
  service: string;
  type: string;
  opened: number; // ms, local time read as UTC (only differences are used)
  closed: number | null; // parecer, when the status says it is closed
  status: string;
  lat: number;
  lon: number;
  block: string | null;
  street: string;
  address: string;
  /** SP156 published this point; without it the point is a fiscal sector's or block's, not the citizen's. */
  precise: boolean;
}

const DAY = 86_400_000;
const local = (s: string) => Date.parse(`${s.replace(" ", "T")}Z`);

function readRequests(): Request[] {
  const types = new Map(
    readCatalogue(config.sharedDataDir).map((r) => [r.Serviço.replace(/\s+/g, " ").trim(), demandTypeOf(r)]),
  );
  const rows = parse(readFileSync(csvPath, "utf8"), { columns: true }) as Record<string, string>[];
  return rows
    .map((r, index) => {
      const service = (r.Serviço ?? "").replace(/\s+/g, " ").trim();
      const status = r["Status da solicitação"] ?? "";
      const parecer = r["Data do parecer"] ?? "";
      return {
        index,
        service,
        type: types.get(service) ?? "request",
        opened: local(r["Data de abertura"] ?? ""),
        closed: status !== "AGUARDANDO ATENDIMENTO" && parecer ? local(parecer) : null,
        status,
        lat: Number(r.geom_latitude),
        lon: Number(r.geom_longitude),
        block: r.Setor && r.Quadra ? `${r.Setor}-${r.Quadra}` : null,
        street: normaliseName(r.Logradouro ?? ""),
        address: r.Logradouro ?? "",
        precise: Boolean(r.Latitude && r.Longitude),
      };
    })
    .filter((r) => Number.isFinite(r.lat) && Number.isFinite(r.lon) && Number.isFinite(r.opened))
    .sort((a, b) => a.opened - b.opened || a.index - b.index);
}

/** Great-circle metres (the spheroid PostGIS uses differs by well under a metre at 100 m). */
function metres(a: Request, b: Request): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_008 * Math.asin(Math.sqrt(h));
}

interface Tally {
  total: number;
  possible: number;
  linked: number;
  queued: number;
  wrong: number;
  wrongStreet: number;
  wrongLate: number;
  otherOutcome: number;
  /** Queued demands whose nearest candidate the late proxy would call wrong too: what the proxy says by chance. */
  queuedLate: number;
  byType: Map<string, { linked: number; queued: number }>;
}

/** Replays the slice under one rule and one timing. */
function replay(requests: Request[], realTiming: boolean, rule: LinkRule, streetTest = true): Tally {
  const t: Tally = {
    total: requests.length,
    possible: 0,
    linked: 0,
    queued: 0,
    wrong: 0,
    wrongStreet: 0,
    wrongLate: 0,
    otherOutcome: 0,
    queuedLate: 0,
    byType: new Map(),
  };
  const open = new Map<string, Request[]>(); // per service, earlier requests not linked away, in opening order
  for (const r of requests) {
    const earlier = open.get(r.service) ?? [];
    const from = r.opened - DUPLICATE_WINDOW_DAYS * DAY;
    const candidates: { c: Request; d: number }[] = [];
    for (let i = earlier.length - 1; i >= 0; i--) {
      const c = earlier[i]!;
      if (c.opened < from) break;
      if (realTiming && c.closed !== null && c.closed <= r.opened) continue;
      const d = metres(r, c);
      if (d <= DUPLICATE_RADIUS_METRES) candidates.push({ c, d });
    }
    let linked = false;
    if (candidates.length > 0) {
      t.possible++;
      // findDuplicates' order: nearest first, then the earliest.
      candidates.sort((a, b) => a.d - b.d || a.c.opened - b.c.opened);
      const hit = candidates.find(
        ({ c, d }) =>
          judgeDuplicate(
            {
              // A sector's or block's point says nothing of metres: only the same block can match it.
              distanceM: r.precise && c.precise ? d : r.block !== null && r.block === c.block ? d : Infinity,
              sameBlock: r.block !== null && r.block === c.block,
              sameStreet: streetTest ? isSameStreet(r.address, c.address) : null,
              ageHours: (r.opened - c.opened) / 3_600_000,
              demandType: r.type,
              candidateAnswered: false,
            },
            rule,
          ) === ("link" satisfies DuplicateVerdict),
      );
      const kind = t.byType.get(r.type) ?? { linked: 0, queued: 0 };
      t.byType.set(r.type, kind);
      if (hit) {
        linked = true;
        t.linked++;
        kind.linked++;
        const street = r.street !== "" && hit.c.street !== "" && r.street !== hit.c.street;
        const late = r.closed !== null && hit.c.closed !== null && r.closed - hit.c.closed > 7 * DAY;
        if (street) t.wrongStreet++;
        if (late) t.wrongLate++;
        if (street || late) t.wrong++;
        const ok = (s: string) => s === "FINALIZADA";
        if (ok(r.status) !== ok(hit.c.status)) t.otherOutcome++;
      } else {
        t.queued++;
        kind.queued++;
        const nearest = candidates[0]!.c;
        if (r.closed !== null && nearest.closed !== null && r.closed - nearest.closed > 7 * DAY)
          t.queuedLate++;
      }
    }
    if (!linked) {
      earlier.push(r);
      open.set(r.service, earlier);
    }
  }
  return t;
}

const pct = (n: number, d: number) => `${((100 * n) / Math.max(d, 1)).toFixed(1)}%`;

function print(label: string, t: Tally): void {
  console.log(`\n${label}`);
  console.log(`  requests                          ${t.total}`);
  console.log(
    `  possible duplicates (old rule: all to a person)  ${t.possible}  ${pct(t.possible, t.total)}`,
  );
  console.log(`  linked automatically              ${t.linked}  ${pct(t.linked, t.total)} of all`);
  console.log(`  queued for a person               ${t.queued}  ${pct(t.queued, t.total)} of all`);
  console.log(
    `  wrongly linked (proxy)            ${t.wrong}  ${pct(t.wrong, t.linked)} of links ` +
      `(other street ${t.wrongStreet}, answered >7 days after ${t.wrongLate})`,
  );
  console.log(
    `  other final status (info)         ${t.otherOutcome}  ${pct(t.otherOutcome, t.linked)} of links`,
  );
  console.log(
    `  queued and answered >7 days after their nearest candidate (the proxy among doubtful pairs) ` +
      `${t.queuedLate}  ${pct(t.queuedLate, t.queued)}`,
  );
  for (const [type, k] of t.byType)
    console.log(`    ${type.padEnd(11)} linked ${k.linked}  queued ${k.queued}`);
}

const requests = readRequests();
console.log(
  `SP156 2019-01…04: ${requests.length} requests; rule: within ${LINK_RULE.nearM} m, or ${LINK_RULE.sameBlockM} m in the ` +
    `same fiscal block; opened ≤ ${LINK_RULE.maxAgeDays} days before; requests only; candidates within ` +
    `${DUPLICATE_RADIUS_METRES} m and ${DUPLICATE_WINDOW_DAYS} days`,
);
print("Whole period open", replay(requests, false, LINK_RULE));
print("Real timing (only requests still open at each opening)", replay(requests, true, LINK_RULE));

if (grid) {
  console.log(
    "\nGrid, real timing, without the street test: nearM sameBlockM maxAgeDays → linked queued wrong (of links)",
  );
  for (const nearM of [0, 5, 15, 25, 50])
    for (const sameBlockM of [0, 40, 100])
      for (const maxAgeDays of [3, 7, 14, 30]) {
        const t = replay(requests, true, { nearM, sameBlockM, maxAgeDays }, false);
        console.log(
          `  ${String(nearM).padStart(3)} ${String(sameBlockM).padStart(4)} ${String(maxAgeDays).padStart(3)}  ` +
            `${pct(t.linked, t.total).padStart(6)} ${pct(t.queued, t.total).padStart(6)} ${pct(t.wrong, t.linked).padStart(6)}` +
            `  (street ${t.wrongStreet}, late ${t.wrongLate})`,
        );
      }
}
