/**
 * The summaries kept beside the facts (decision 0053) give exactly what the facts give: the map's kept cells against
 * the live grouping of the open demands, after opening, moving, closing, reopening and deadlines passing; the
 * indicators by month against their own statement over the facts, before and after the months are built and after
 * a late event touches a built month.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { testApp } from "../../tests/helpers.ts";
import { loadCalendar } from "../calendar/queries.ts";
import { updateService } from "../catalogue/commands.ts";
import { INDICATORS, type IndicatorDefinition } from "./definitions.ts";
import { percentilesOf, valueOfBucket } from "./distributions.ts";
import { refreshIndicatorFacts } from "./facts.ts";
import {
  type ClusterQuery,
  cellDegrees,
  groupFacts,
  groupPublicLive,
  readClusters,
  readPublicClusters,
} from "./map.ts";
import { buildIndicatorMonths } from "./months.ts";
import {
  buildIndicatorSql,
  type IndicatorQuery,
  type IndicatorRow,
  type Period,
  readIndicator,
  rowOf,
  todayIn,
} from "./queries.ts";
import { readSummed } from "./sums.ts";

const { ctx } = await testApp();
const db = ctx.db;
let timeZone = "America/Sao_Paulo";
let districts: string[] = [];
let serviceId = 0;

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

const key = (r: { key: object }) => JSON.stringify(r.key);
/** Rows in the order of their keys. */
const byKey = (rows: readonly IndicatorRow[]) => [...rows].sort((x, y) => key(x).localeCompare(key(y)));

/** The indicator's own statement over the facts for `query` over `span`: the exact answer, in the order of keys. */
async function factsAnswer(
  indicator: IndicatorDefinition,
  query: IndicatorQuery,
  span: Period,
): Promise<IndicatorRow[]> {
  const keys = query.groupBy ?? [];
  const statement = buildIndicatorSql(indicator, query, span, timeZone, keys);
  const raw = await db.query<Record<string, string | number | null>>(statement.text, statement.params);
  return byKey(raw.map((r) => rowOf(r, keys, Object.keys(indicator.values))));
}

let serial = 0;
async function addDemand(d: {
  lon: number;
  lat: number;
  status: string;
  due: string;
  opened?: string;
  closed?: string;
  answered?: string;
  channel?: string;
  district?: string;
  identity?: string;
  service?: number;
}): Promise<number> {
  serial++;
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO demands (protocol, service_id, channel, status, identity_mode, location, district_code, due_at,
                          opened_at, closed_at, description)
     VALUES ($1, $2, $3, $4, $11, ST_SetSRID(ST_Point($5, $6), 4326), $7, $8, coalesce($9::timestamptz, now()),
             $10, 'summaries') RETURNING id`,
    [
      `2026900${String(serial).padStart(4, "0")}`,
      d.service ?? serviceId,
      d.channel ?? "web",
      d.status,
      d.lon,
      d.lat,
      d.district ?? districts[0],
      d.due,
      d.opened ?? null,
      d.closed ?? null,
      d.identity ?? "anonymous",
    ],
  );
  const id = row!.id;
  await event(id, "demand.created", d.opened);
  if (d.answered) await event(id, "demand.answered", d.answered);
  if (d.closed) await event(id, "demand.closed", d.closed);
  return id;
}

async function event(id: number, type: string, at?: string) {
  await db.query(
    `INSERT INTO demand_events (demand_id, type, actor_kind, visibility, at)
     VALUES ($1, $2, 'system', 'public', coalesce($3::timestamptz, now()))`,
    [id, type, at ?? null],
  );
}

before(async () => {
  timeZone = (await loadCalendar(db)).timeZone;
  districts = (await db.query<{ code: string }>("SELECT code FROM districts ORDER BY code LIMIT 2")).map(
    (r) => r.code,
  );
  serviceId = (
    await db.query<{ id: number }>("SELECT id FROM services WHERE NOT sensitive ORDER BY id LIMIT 1")
  )[0]!.id;
});

type Row = { lat: number; lon: number; count: number; late: number };

/**
 * The same clusters in any order: counts equal, places within 2 millionths of a degree (the kept cells sum their
 * points in millionths; the live grouping averages the points themselves).
 */
function assertSameClusters(actual: Row[], expected: Row[], message: string) {
  const left = expected.map((r) => ({ ...r }));
  for (const a of actual) {
    const i = left.findIndex(
      (e) =>
        Number(e.count) === Number(a.count) &&
        Number(e.late) === Number(a.late) &&
        Math.abs(Number(e.lon) - Number(a.lon)) < 2e-6 &&
        Math.abs(Number(e.lat) - Number(a.lat)) < 2e-6,
    );
    assert.ok(i >= 0, `${message}: ${JSON.stringify(a)} is not among ${JSON.stringify(left)}`);
    left.splice(i, 1);
  }
  assert.deepEqual(left, [], `${message}: clusters missing`);
}

async function assertCellsMatchFacts(when: string) {
  const world: ClusterQuery["bbox"] = [-180, -85, 180, 85];
  const city: ClusterQuery["bbox"] = [-46.83, -24.01, -46.36, -23.36];
  for (const zoom of [0, 3, 8, 10, 12, 14, 16]) {
    for (const late of [undefined, "true", "false"] as const) {
      const query: ClusterQuery = { zoom, bbox: zoom < 8 ? world : city, ...(late ? { late } : {}) };
      const kept = (await readClusters(db, query)).clusters;
      // The live grouping of every open demand (the same cells; `late` as the kept cells count it: due before now).
      const live = await groupFacts(db, { zoom, bbox: query.bbox }, cellDegrees(zoom));
      if (late) {
        // The facts path's late filter also counts missed clocks; here every late demand is simply past due.
        const split = await groupFacts(db, { zoom, bbox: query.bbox, late }, cellDegrees(zoom));
        const expected = split.map((c) => ({ ...c, late: late === "true" ? c.count : 0 }));
        assertSameClusters(kept, expected, `${when}: zoom ${zoom} late=${late}`);
      } else {
        assertSameClusters(kept, live, `${when}: zoom ${zoom}`);
      }
      await assertPublicMatchesLive(query, when);
    }
  }
}

/**
 * The public map's kept cells and district counts (migration 0060) against its live grouping from the facts with the
 * catalogue as it is now: the same clusters of rounded points and the same districts.
 */
async function assertPublicMatchesLive(query: ClusterQuery, when: string) {
  const message = `${when}: public map, zoom ${query.zoom} late=${query.late}`;
  const kept = await readPublicClusters(db, query);
  const [points, districtCounts] = await groupPublicLive(db, query, cellDegrees(query.zoom));
  assertSameClusters(kept.clusters, points, message);
  const byCode = (rows: Array<{ district: string; count: number; late: number }>) =>
    rows.map((r) => `${r.district}:${Number(r.count)}:${Number(r.late)}`).sort();
  assert.deepEqual(byCode(kept.districts), byCode(districtCounts), message);
}

/**
 * The backlog and the late open demands from the open counts kept beside the facts equal their statements over
 * the facts (the mean days late within a minute: the kept one is as of the facts job's last step).
 */
async function assertBacklogMatchesFacts(when: string) {
  for (const id of ["backlog", "late-open"]) await assertKeptMatchesFacts(id, when);
}

async function assertKeptMatchesFacts(id: string, when: string) {
  const backlog = INDICATORS.find((i) => i.id === id)!;
  const names = Object.keys(backlog.values);
  const someday: Period = { from: "2026-01-01", to: "2026-01-01" };
  const shapes: IndicatorQuery[] = [
    {},
    { groupBy: ["department"] },
    { groupBy: ["district", "channel"] },
    { groupBy: ["status"] },
    { groupBy: ["theme"] },
    { district: [districts[0]!] },
    { channel: ["web"], groupBy: ["service"] },
  ];
  for (const query of shapes) {
    const statement = buildIndicatorSql(backlog, query, someday, timeZone, query.groupBy ?? []);
    assert.doesNotMatch(statement.text, /open_counts/);
    const raw = await db.query<Record<string, string | number | null>>(statement.text, statement.params);
    const expected = raw.map((r) => rowOf(r, query.groupBy ?? [], names));
    const actual = (await readIndicator(db, backlog, query, someday, timeZone)).rows;
    const sortedRows = (rows: typeof actual) => [...rows].sort((a, b) => key(a).localeCompare(key(b)));
    const [a, e] = [sortedRows(actual), sortedRows(expected)];
    const message = `${when}: ${id} ${JSON.stringify(query)}`;
    assert.deepEqual(a.map(key), e.map(key), message);
    for (const [i, row] of a.entries()) {
      for (const name of names) {
        const [got, want] = [row.values[name], e[i]!.values[name]];
        if (
          name === "days_late_mean" &&
          got !== null &&
          want !== null &&
          got !== undefined &&
          want !== undefined
        ) {
          assert.ok(Math.abs(got - want) < 60 / 86_400, `${message}: ${name} ${got} vs ${want}`);
        } else {
          assert.equal(got, want, `${message}: ${name}`);
        }
      }
    }
  }
}

describe("the map's kept cells and the open counts", () => {
  it("match the live grouping of the open demands through openings, moves, closures, reopenings and deadlines", async () => {
    const next = random(15);
    const ids: number[] = [];
    for (let i = 0; i < 60; i++) {
      const late = i % 4 === 0;
      ids.push(
        await addDemand({
          lon: -46.8 + next() * 0.4,
          lat: -23.95 + next() * 0.55,
          status: i % 7 === 0 ? "closed" : "dispatched",
          due: late ? "2020-01-01T00:00:00Z" : "2099-01-01T00:00:00Z",
          ...(i % 7 === 0 ? { closed: new Date().toISOString() } : {}),
        }),
      );
    }
    await refreshIndicatorFacts(db);
    await assertCellsMatchFacts("after opening");
    await assertBacklogMatchesFacts("after opening");

    // Ten closed, five moved across the city, three past closures reopened, four made late.
    for (const id of ids.slice(1, 11)) {
      await db.query("UPDATE demands SET status = 'closed', closed_at = now() WHERE id = $1", [id]);
      await event(id, "demand.closed");
    }
    for (const id of ids.slice(11, 16)) {
      await db.query(
        "UPDATE demands SET location = ST_SetSRID(ST_Point(-46.5 - random() / 10, -23.6 - random() / 10), 4326) WHERE id = $1",
        [id],
      );
      await event(id, "demand.noted");
    }
    for (const id of [ids[0]!, ids[7]!, ids[14]!]) {
      await db.query("UPDATE demands SET status = 'reopened', closed_at = NULL WHERE id = $1", [id]);
      await event(id, "demand.reopened");
    }
    for (const id of ids.slice(20, 24)) {
      await db.query("UPDATE demands SET due_at = '2021-01-01T00:00:00Z' WHERE id = $1", [id]);
      await event(id, "demand.noted");
    }
    await refreshIndicatorFacts(db);
    await refreshIndicatorFacts(db); // a second run reads nothing new and changes nothing
    await assertCellsMatchFacts("after changes");
    await assertBacklogMatchesFacts("after changes");

    // A deadline passing makes no event: the facts job's lateness step moves it into the late counts.
    await db.query("UPDATE demands SET due_at = now() + interval '1 second' WHERE id = $1", [ids[30]]);
    await event(ids[30]!, "demand.noted");
    await refreshIndicatorFacts(db);
    const before = (await readClusters(db, { zoom: 0, bbox: [-180, -85, 180, 85] })).clusters;
    await new Promise((r) => setTimeout(r, 1_500));
    await refreshIndicatorFacts(db);
    const after = (await readClusters(db, { zoom: 0, bbox: [-180, -85, 180, 85] })).clusters;
    const lateOf = (cs: Row[]) => cs.reduce((n, c) => n + c.late, 0);
    assert.equal(lateOf(after), lateOf(before) + 1, "the deadline that passed counts as late");
    await assertCellsMatchFacts("after a deadline passed");
    await assertBacklogMatchesFacts("after a deadline passed");
  });
});

describe("the public map's kept cells", () => {
  it("keep a confidential demand and the demands of a service made sensitive off the points, counted by district", async () => {
    const [other] = await db.query<{ id: number; code: string }>(
      "SELECT id, code FROM services WHERE NOT sensitive AND id <> $1 ORDER BY id LIMIT 1",
      [serviceId],
    );
    const [staff] = await db.query<{ id: number; name: string }>(
      "SELECT id, name FROM staff_users ORDER BY id LIMIT 1",
    );
    const actor = { staffId: staff!.id, staffName: staff!.name, ip: null, userAgent: null };
    const district = districts[1]!;
    // Points on a grid of their own (no other test demand rounds to them).
    const secret = { lon: -46.4517, lat: -23.4123 };
    await addDemand({
      ...secret,
      status: "dispatched",
      due: "2020-01-01T00:00:00Z",
      identity: "confidential",
      district,
    });
    const others: Array<{ lon: number; lat: number }> = [];
    for (let i = 0; i < 5; i++) {
      const point = { lon: -46.4317 - i * 0.01, lat: -23.4023 };
      others.push(point);
      await addDemand({
        ...point,
        status: "dispatched",
        due: "2099-01-01T00:00:00Z",
        service: other!.id,
        district,
      });
    }
    await refreshIndicatorFacts(db);
    const city: ClusterQuery["bbox"] = [-46.83, -24.01, -46.36, -23.36];
    const at = async (points: Array<{ lon: number; lat: number }>) => {
      const kept = await readPublicClusters(db, { zoom: 16, bbox: city });
      const shown = points.filter((p) =>
        kept.clusters.some((c) => Math.abs(c.lon - p.lon) < 0.0015 && Math.abs(c.lat - p.lat) < 0.0015),
      );
      const counted = kept.districts.find((d) => d.district === district)?.count ?? 0;
      return { shown: shown.length, counted };
    };
    const first = await at([secret, ...others]);
    assert.equal(first.shown, 5, "the confidential demand is not at a point; the others are");
    assert.ok(first.counted >= 1, "the confidential demand is counted by its district");
    await assertCellsMatchFacts("with a confidential demand");

    // Made sensitive: its demands leave the points as the change commits, before any facts job runs.
    await updateService(db, other!.code, { sensitive: true }, actor);
    const hidden = await at(others);
    assert.equal(hidden.shown, 0, "a sensitive service's demands are at no point");
    assert.equal(hidden.counted, first.counted + 5, "they are counted by their district");
    await assertCellsMatchFacts("after a service was made sensitive");

    await updateService(db, other!.code, { sensitive: false }, actor);
    const back = await at(others);
    assert.deepEqual(back, { shown: 5, counted: first.counted }, "back on the map when no longer sensitive");
    await assertCellsMatchFacts("after the service was no longer sensitive");
  });
});

describe("the indicators by month", () => {
  const period: Period = { from: "2026-05-01", to: "2026-10-31" };
  const shapes: IndicatorQuery[] = [
    { groupBy: ["month"] },
    { groupBy: ["month", "district"] },
    { groupBy: ["month", "channel"] },
    { groupBy: ["month"], district: [] },
    { groupBy: ["month", "service"] },
  ];
  const july: number[] = [];

  /** The indicator's own statement over the facts, as it would answer without the kept months. */
  async function fromFacts(id: string, query: IndicatorQuery) {
    const indicator = INDICATORS.find((i) => i.id === id)!;
    const keys = query.groupBy ?? [];
    const statement = buildIndicatorSql(indicator, query, period, timeZone, keys);
    const raw = await db.query<Record<string, string | number | null>>(statement.text, statement.params);
    return raw.map((r) => rowOf(r, keys, Object.keys(indicator.values)));
  }

  async function assertMonthsMatchFacts(when: string) {
    for (const indicator of INDICATORS.filter((i) => i.periodBy !== "now")) {
      for (const shape of shapes) {
        const query = shape.district ? { ...shape, district: [districts[1]!] } : shape;
        const expected = await fromFacts(indicator.id, query);
        const actual = (await readIndicator(db, indicator, query, period, timeZone)).rows;
        assert.deepEqual(
          [...actual].sort((a, b) => key(a).localeCompare(key(b))),
          [...expected].sort((a, b) => key(a).localeCompare(key(b))),
          `${when}: ${indicator.id} ${JSON.stringify(query)}`,
        );
      }
    }
  }

  before(async () => {
    const next = random(7);
    const months = ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"];
    for (let i = 0; i < 48; i++) {
      const month = months[i % months.length]!;
      const day = String(1 + Math.floor(next() * 27)).padStart(2, "0");
      const opened = `${month}-${day}T13:00:00Z`;
      const closedDays = Math.floor(next() * 40);
      const closed = new Date(Date.parse(opened) + closedDays * 86_400_000 + 3_600_000).toISOString();
      const isClosed = i % 5 !== 0 && Date.parse(closed) < Date.parse("2026-11-01");
      const id = await addDemand({
        lon: -46.7 + next() * 0.2,
        lat: -23.6 + next() * 0.1,
        status: isClosed ? "closed" : "dispatched",
        due: new Date(Date.parse(opened) + 20 * 86_400_000).toISOString(),
        opened,
        ...(isClosed ? { closed, answered: closed } : {}),
        channel: i % 3 === 0 ? "phone" : "web",
        district: districts[i % 2]!,
      });
      if (month === "2026-07" && !isClosed) july.push(id);
    }
    await refreshIndicatorFacts(db);
  });

  it("give the facts' own answer before the months are built, once built, and after a late event", async () => {
    await assertMonthsMatchFacts("unbuilt");
    assert.ok((await buildIndicatorMonths(db, timeZone, 100)) >= 6, "the six past months are built");
    const [{ n }] = (await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM indicator_months WHERE month BETWEEN '2026-05-01' AND '2026-10-01'",
    )) as [{ n: number }];
    assert.ok(n > 0);
    await assertMonthsMatchFacts("built");

    // Read from the kept rows indeed: a kept value changed by hand shows through…
    await db.query(
      `UPDATE indicator_months SET vals = jsonb_set(vals, '{count}', '999')
        WHERE indicator = 'demands-opened' AND dim = '' AND month = '2026-06-01'`,
    );
    const opened = INDICATORS.find((i) => i.id === "demands-opened")!;
    const tampered = await readIndicator(db, opened, { groupBy: ["month"] }, period, timeZone);
    assert.equal(tampered.rows.find((r) => r.key.month === "2026-06")?.values.count, 999);
    // …until the month's facts change: it is read from the facts again, then built again.
    const [june] = await db.query<{ id: number }>(
      "SELECT demand_id AS id FROM demand_facts WHERE opened_at >= '2026-06-01' AND opened_at < '2026-06-28' LIMIT 1",
    );
    await event(june!.id, "demand.noted");
    await refreshIndicatorFacts(db);
    await assertMonthsMatchFacts("a June demand touched");
    await buildIndicatorMonths(db, timeZone, 100);
    await assertMonthsMatchFacts("rebuilt");

    // A July demand closed today: July (its opening) and this month (its closure) change.
    if (july[0]) {
      await db.query("UPDATE demands SET status = 'closed', closed_at = now() WHERE id = $1", [july[0]]);
      await event(july[0], "demand.answered");
      await event(july[0], "demand.closed");
      await refreshIndicatorFacts(db);
      await assertMonthsMatchFacts("a July demand closed");
    }
  });

  it("add up the kept months for a total over a year when the values combine, as the facts give it", async () => {
    await buildIndicatorMonths(db, timeZone, 100);
    const today = todayIn(timeZone);
    const spans: Period[] = [
      period, // whole past months
      { from: "2026-05-01", to: "2026-10-15" }, // the last month cut short: its days from the facts
      { from: "2026-06-01", to: today }, // up to today: this month from the facts
    ];
    const totals: IndicatorQuery[] = [
      {},
      { groupBy: ["district"] },
      { district: [districts[1]!] },
      { groupBy: ["channel"] },
      { groupBy: ["service"] },
    ];
    const combinable = INDICATORS.filter((i) => i.sums !== undefined && percentilesOf(i).length === 0);
    assert.ok(combinable.length >= 5);
    for (const indicator of combinable) {
      for (const span of spans) {
        for (const query of totals) {
          const message = `${indicator.id} ${JSON.stringify(query)} ${span.from}…${span.to}`;
          const summed = await readSummed(db, indicator, query, span, timeZone, today);
          assert.ok(summed, `${message}: added up from the months`);
          const actual = (await readIndicator(db, indicator, query, span, timeZone)).rows;
          const [a, e] = [byKey(actual), await factsAnswer(indicator, query, span)];
          assert.deepEqual(a!.map(key), e!.map(key), message);
          for (const [i, row] of a!.entries()) {
            for (const [name, want] of Object.entries(e![i]!.values)) {
              const got = row.values[name];
              // A share or a mean divides in JavaScript rather than in SQL: equal to the last digits of a double.
              if (want === null || got === null || got === undefined)
                assert.equal(got, want, `${message}: ${name}`);
              else
                assert.ok(Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want)), `${message}: ${name}`);
            }
          }
        }
      }
    }
    // The months are read indeed: a kept count changed by hand shows in the year's total.
    const opened = INDICATORS.find((i) => i.id === "demands-opened")!;
    const before = (await readIndicator(db, opened, {}, period, timeZone)).rows[0]!.values.count!;
    await db.query(
      `UPDATE indicator_months SET vals = jsonb_set(vals, '{count}', to_jsonb((vals->>'count')::int + 1000))
        WHERE indicator = 'demands-opened' AND dim = '' AND month = '2026-07-01'`,
    );
    const after = (await readIndicator(db, opened, {}, period, timeZone)).rows[0]!.values.count;
    assert.equal(after, before + 1000);
    await db.query(
      `UPDATE indicator_months SET vals = jsonb_set(vals, '{count}', to_jsonb((vals->>'count')::int - 1000))
        WHERE indicator = 'demands-opened' AND dim = '' AND month = '2026-07-01'`,
    );
  });

  it("read a percentile over many months from the months' distributions, within 0.5 % of the facts'", async () => {
    await buildIndicatorMonths(db, timeZone, 100);
    const today = todayIn(timeZone);
    const spans: Period[] = [
      period,
      { from: "2026-05-01", to: "2026-10-15" },
      { from: "2026-06-01", to: today },
    ];
    const totals: IndicatorQuery[] = [
      {},
      { groupBy: ["district"] },
      { district: [districts[1]!] },
      { groupBy: ["service"] },
      { groupBy: ["channel"] },
    ];
    const timed = INDICATORS.filter((i) => percentilesOf(i).length > 0);
    assert.deepEqual(timed.map((i) => i.id).sort(), ["time-to-closure", "time-to-first-answer"]);
    const check = async (stage: string) => {
      for (const indicator of timed) {
        const names = new Set(percentilesOf(indicator).map((p) => p.name));
        for (const span of spans) {
          for (const query of totals) {
            const message = `${stage}: ${indicator.id} ${JSON.stringify(query)} ${span.from}…${span.to}`;
            const summed = await readSummed(db, indicator, query, span, timeZone, today);
            assert.ok(summed, `${message}: from the months`);
            const [a, e] = [byKey(summed!), await factsAnswer(indicator, query, span)];
            assert.deepEqual(a!.map(key), e!.map(key), message);
            for (const [i, row] of a!.entries()) {
              for (const [name, want] of Object.entries(e![i]!.values)) {
                const got = row.values[name] ?? null;
                if (want === null || !names.has(name)) assert.equal(got, want, `${message}: ${name}`);
                else
                  assert.ok(
                    Math.abs(got! - want) <= 0.005 * want + 1,
                    `${message}: ${name} ${got} ≠ ${want}`,
                  );
              }
            }
            const exact = (await readIndicator(db, indicator, query, span, timeZone)).rows;
            assert.deepEqual(exact, summed, `${message}: the API reads the same`);
          }
        }
      }
    };
    await check("built");
    // A month touched by a late event is bucketed from the facts until built again.
    const [july] = await db.query<{ id: number }>(
      "SELECT demand_id AS id FROM demand_facts WHERE closed_at >= '2026-07-02' AND closed_at < '2026-07-28' LIMIT 1",
    );
    await event(july!.id, "demand.noted");
    await refreshIndicatorFacts(db);
    await check("July unbuilt");
    await buildIndicatorMonths(db, timeZone, 100);

    // Read from the kept distributions indeed: 10,000 closures of a whole year added to July's move the median.
    const closure = INDICATORS.find((i) => i.id === "time-to-closure")!;
    const where = `indicator = 'time-to-closure' AND measure = 'closure_calendar_minutes' AND dim = ''
                   AND month = '2026-07-01'`;
    const median = async () => (await readIndicator(db, closure, {}, period, timeZone)).rows[0]!.values;
    const before = await median();
    await db.query(
      `UPDATE indicator_distributions SET buckets = buckets || 2000, counts = counts || 10000 WHERE ${where}`,
    );
    const after = await median();
    assert.equal(after.median_calendar, valueOfBucket(2000));
    assert.equal(after.median_business, before.median_business);
    await db.query(
      `UPDATE indicator_distributions SET buckets = buckets[1:cardinality(buckets) - 1],
              counts = counts[1:cardinality(counts) - 1] WHERE ${where}`,
    );
    assert.deepEqual(await median(), before);
    // Over one month or less a percentile is the facts' own.
    assert.equal(
      await readSummed(db, closure, {}, { from: "2026-07-01", to: "2026-07-31" }, timeZone, today),
      undefined,
    );
  });
});
