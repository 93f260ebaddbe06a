/**
 * The cases bench/indicators.ts times (issue 15): the panels as the screens read them, the transparency portal's
 * area pages and ranking, the same figures by plain SQL over the raw tables, and the maps.
 */
import type { Db } from "../server/db/index.ts";
import { INDICATORS, indicatorOf } from "../server/indicators/definitions.ts";
import { groupPublicLive, readClusters, readPublicClusters } from "../server/indicators/map.ts";
import {
  defaultPeriod,
  type IndicatorQuery,
  type Period,
  readIndicator,
} from "../server/indicators/queries.ts";

export const ZONE = "America/Sao_Paulo";

/** The month `months` before this one, as a period of whole months up to today. */
export function lastMonths(months: number, now = new Date()): Period {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(now);
  const [y, m] = today.split("-").map(Number) as [number, number];
  const start = new Date(Date.UTC(y, m - 1 - (months - 1), 1)).toISOString().slice(0, 10);
  return { from: start, to: today };
}

export interface Case {
  name: string;
  run: (db: Db) => Promise<unknown>;
}

export function panelCases(district: string): Case[] {
  const cases: Case[] = [];
  const thirty = defaultPeriod(ZONE);
  const year = lastMonths(12);
  for (const indicator of INDICATORS) {
    const scopes: Array<[string, IndicatorQuery]> = [
      ["city", {}],
      [`district ${district}`, { district: [district] }],
    ];
    for (const [scope, filters] of scopes) {
      if (indicator.periodBy === "now") {
        cases.push({
          name: `${indicator.id} · ${scope} · now`,
          run: (db) => readIndicator(db, indicator, { ...filters }, thirty, ZONE),
        });
        cases.push({
          name: `${indicator.id} · ${scope} · by department`,
          run: (db) => readIndicator(db, indicator, { ...filters, groupBy: ["department"] }, thirty, ZONE),
        });
        continue;
      }
      const q30: IndicatorQuery = { ...filters, compare: "previous-month" };
      cases.push({
        name: `${indicator.id} · ${scope} · 30 days + previous`,
        run: (db) => readIndicator(db, indicator, q30, thirty, ZONE),
      });
      const q12: IndicatorQuery = {
        ...filters,
        groupBy: indicator.id === "channel-share" ? ["month", "channel"] : ["month"],
      };
      cases.push({
        name: `${indicator.id} · ${scope} · 12 months by month`,
        run: (db) => readIndicator(db, indicator, q12, year, ZONE),
      });
    }
  }
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(new Date());
  const opened = indicatorOf("demands-opened")!;
  cases.push({
    name: "demands-opened · city · today by hour and channel",
    run: (db) =>
      readIndicator(db, opened, { groupBy: ["hour", "channel"] }, { from: today, to: today }, ZONE),
  });
  return cases;
}

/** The transparency portal's figures (web/portal/transparency-data.ts FIGURES). */
const PORTAL_FIGURES = ["demands-opened", "deadline-compliance", "time-to-closure", "solved", "satisfaction"];

/**
 * The portal's area pages (web/portal/transparency-area.tsx): each figure over the last 12 months beside the year
 * before, for the busiest district, department and service; and the ranking (transparency-ranking.tsx): each
 * figure over 12 months grouped by district, department and service.
 */
export function portalCases(area: { district: string; department: string; service: string }): Case[] {
  const year = lastMonths(12);
  const cases: Case[] = [];
  for (const id of PORTAL_FIGURES) {
    const indicator = indicatorOf(id)!;
    for (const [key, code] of Object.entries(area)) {
      cases.push({
        name: `${id} · ${key} ${code} · 12 months + previous year`,
        run: (db) => readIndicator(db, indicator, { [key]: [code], compare: "previous-year" }, year, ZONE),
      });
    }
    for (const key of ["district", "department", "service"] as const) {
      cases.push({
        name: `${id} · ranking by ${key} · 12 months`,
        run: (db) => readIndicator(db, indicator, { groupBy: [key] }, year, ZONE),
      });
    }
  }
  return cases;
}

/** The same figures by plain SQL over the raw tables: what the screens would cost without demand_facts. */
export function baselineCases(district: string): Case[] {
  const thirty = `opened_at >= now() - interval '30 days'`;
  const d = (on: boolean) => (on ? `AND d.district_code = '${district}'` : "");
  const cases: Case[] = [];
  for (const scoped of [false, true]) {
    const scope = scoped ? `district ${district}` : "city";
    cases.push({
      name: `demands-opened · ${scope} · 30 days (demands)`,
      run: (db) => db.query(`SELECT count(*) FROM demands d WHERE ${thirty} ${d(scoped)}`),
    });
    cases.push({
      name: `backlog · ${scope} · by department (demands)`,
      run: (db) =>
        db.query(
          `SELECT department_id, count(*), count(*) FILTER (WHERE due_at < now()) FROM demands d
            WHERE status NOT IN ('closed', 'cancelled', 'merged') ${d(scoped)} GROUP BY 1`,
        ),
    });
    cases.push({
      name: `time-to-first-answer · ${scope} · 30 days (demands + demand_events)`,
      run: (db) =>
        db.query(
          `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY m), percentile_cont(0.9) WITHIN GROUP (ORDER BY m), count(*)
             FROM (SELECT extract(epoch FROM min(e.at) - d.opened_at) / 60 AS m
                     FROM demand_events e JOIN demands d ON d.id = e.demand_id
                    WHERE e.type = 'demand.answered' ${d(scoped)}
                    GROUP BY d.id, d.opened_at
                   HAVING min(e.at) >= now() - interval '30 days') x`,
        ),
    });
    cases.push({
      name: `time-to-closure · ${scope} · 12 months by month (demands)`,
      run: (db) =>
        db.query(
          `SELECT date_trunc('month', closed_at AT TIME ZONE '${ZONE}'),
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY closed_at - opened_at), count(*)
             FROM demands d WHERE status = 'closed' AND closed_at >= now() - interval '12 months' ${d(scoped)}
            GROUP BY 1`,
        ),
    });
    cases.push({
      name: `channel-share · ${scope} · 12 months by month (demands)`,
      run: (db) =>
        db.query(
          `SELECT date_trunc('month', opened_at AT TIME ZONE '${ZONE}'), channel, count(*)
             FROM demands d WHERE opened_at >= now() - interval '12 months' ${d(scoped)} GROUP BY 1, 2`,
        ),
    });
  }
  return cases;
}

/** A 1920×1080 screen centred on the city at `zoom`, or the whole city's box when that is smaller. */
export function screenBox(zoom: number): [number, number, number, number] {
  const [lon, lat] = [-46.633, -23.55];
  const degPerPx = 360 / 256 / 2 ** zoom;
  const halfW = Math.min(960 * degPerPx, 180);
  const halfH = Math.min(540 * degPerPx * Math.cos((lat * Math.PI) / 180), 85);
  return [
    Math.max(-180, lon - halfW),
    Math.max(-85, lat - halfH),
    Math.min(180, lon + halfW),
    Math.min(85, lat + halfH),
  ];
}

export function mapCases(): Case[] {
  const cases: Case[] = [];
  for (let zoom = 0; zoom <= 20; zoom++) {
    const bbox = screenBox(zoom);
    cases.push({ name: `clusters · zoom ${zoom}`, run: (db) => readClusters(db, { zoom, bbox }) });
  }
  return cases;
}

export function publicMapCases(): Case[] {
  const cases: Case[] = [];
  for (let zoom = 0; zoom <= 20; zoom++) {
    const bbox = screenBox(zoom);
    cases.push({
      name: `public clusters · zoom ${zoom}`,
      run: (db) => readPublicClusters(db, { zoom, bbox }),
    });
  }
  return cases;
}

/** The public map grouped live from the facts (what it did before its kept cells; what a filter still does). */
export function publicLiveCases(): Case[] {
  return [0, 12, 16].map((zoom) => ({
    name: `public clusters · zoom ${zoom} (grouped live)`,
    run: (db: Db) => groupPublicLive(db, { zoom, bbox: screenBox(zoom) }, 360 / 2 ** zoom / 4),
  }));
}

export function mapBaselineCases(): Case[] {
  const cases: Case[] = [];
  for (const zoom of [0, 12, 16]) {
    const [w, s, e, n] = screenBox(zoom);
    const cell = 360 / 2 ** zoom / 4;
    cases.push({
      name: `clusters · zoom ${zoom} (plain SQL over demands)`,
      run: (db) =>
        db.query(
          `SELECT avg(ST_Y(location)), avg(ST_X(location)), count(*), count(*) FILTER (WHERE due_at < now())
             FROM demands WHERE status NOT IN ('closed', 'cancelled', 'merged')
              AND location && ST_MakeEnvelope($1, $2, $3, $4, 4326)
            GROUP BY floor(ST_X(location) / $5), floor(ST_Y(location) / $5)`,
          [w, s, e, n, cell],
        ),
    });
  }
  return cases;
}
