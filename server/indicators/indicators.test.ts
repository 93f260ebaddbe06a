import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { INDICATORS } from "./definitions.ts";
import { refreshIndicatorFacts } from "./facts.ts";
import { shiftPeriod } from "./queries.ts";

// Hand-made timelines in January 2026 on the city's calendar (Mon–Fri 08:00–18:00, America/Sao_Paulo, UTC−3), each
// written as the workflow would leave it: the demand row, its timeline events, its clock and its survey.
const { app, ctx } = await testApp();
const db = ctx.db;
const local = (day: number, hour: number) => new Date(Date.UTC(2026, 0, day, hour + 3)).toISOString();

interface Made {
  channel: string;
  status: string;
  opened: string;
  closed?: string;
  department?: string;
  district?: string;
  due?: string;
  delivered?: string;
  reopens?: number;
  mergedInto?: number;
  service?: string;
  events?: Array<[string, string]>;
  clock?: { due: string; state: string; stopped?: string; breached?: string };
  survey?: { rating: number; solved: boolean; at: string };
}

let serial = 0;
let services: { plain: string; other: string };
let departments: { A: number; B: number };

async function make(m: Made): Promise<number> {
  serial++;
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO demands (protocol, service_id, channel, status, identity_mode, opened_at, closed_at, due_at,
                          department_id, district_code, reopen_count, answer_delivered_at, merged_into_id,
                          description)
     VALUES ($1, (SELECT id FROM services WHERE code = $2), $3, $4, 'anonymous', $5, $6, $7, $8, $9, $10, $11, $12,
             'timeline')
     RETURNING id`,
    [
      `2026900${String(serial).padStart(4, "0")}`,
      m.service ?? services.plain,
      m.channel,
      m.status,
      m.opened,
      m.closed ?? null,
      m.due ?? m.clock?.due ?? null,
      departments[m.department === "B" ? "B" : "A"],
      m.district ?? "1",
      m.reopens ?? 0,
      m.delivered ?? null,
      m.mergedInto ?? null,
    ],
  );
  const id = Number(row!.id);
  const events: Array<[string, string]> = [["demand.created", m.opened], ...(m.events ?? [])];
  for (const [type, at] of events) {
    await db.query(
      "INSERT INTO demand_events (demand_id, at, type, actor_kind, visibility) VALUES ($1, $2, $3, 'system', 'public')",
      [id, at, type],
    );
  }
  if (m.clock) {
    await db.query(
      `INSERT INTO deadlines (demand_id, stage, unit, amount, started_at, due_at, state, stopped_at, breached_at,
                              fractions)
       VALUES ($1, 'demand', 'business_days', 10, $2, $3, $4, $5, $6, '{}')`,
      [id, m.opened, m.clock.due, m.clock.state, m.clock.stopped ?? null, m.clock.breached ?? null],
    );
  }
  if (m.survey) {
    await db.query(
      `INSERT INTO satisfaction_surveys (demand_id, round, channel, asked_at, answered_at, rating, solved)
       VALUES ($1, 0, 'email', $2, $2, $3, $4)`,
      [id, m.survey.at, m.survey.rating, m.survey.solved],
    );
  }
  return id;
}

const JANUARY = "from=2026-01-01&to=2026-01-31";
async function indicator(id: string, query = JANUARY, headers: Record<string, string> = {}) {
  const res = await app.inject({ method: "GET", url: `/api/v1/indicators/${id}?${query}`, headers });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as {
    rows: Array<{ key: Record<string, string>; values: Record<string, number | null> }>;
    previous?: {
      period: { from: string; to: string };
      rows: Array<{ values: Record<string, number | null> }>;
    };
    title: string;
  };
}
const total = async (id: string, query = JANUARY, headers: Record<string, string> = {}) =>
  (await indicator(id, query, headers)).rows[0]!.values;

let ids: Record<string, number>;

before(async () => {
  const plain = await db.query<{ code: string }>(
    "SELECT code FROM services WHERE NOT sensitive AND active ORDER BY id LIMIT 1",
  );
  const other = await db.query<{ code: string }>(
    `SELECT s.code FROM services s WHERE NOT s.sensitive AND s.active
        AND s.group_id <> (SELECT group_id FROM services WHERE code = $1) ORDER BY s.id LIMIT 1`,
    [plain[0]!.code],
  );
  services = { plain: plain[0]!.code, other: other[0]!.code };
  const deps = await db.query<{ id: number; code: string }>(
    "SELECT id, code FROM departments ORDER BY id LIMIT 2",
  );
  departments = { A: Number(deps[0]!.id), B: Number(deps[1]!.id) };
  ids = {};
  // A: answered next morning, closed, delivered, rated 5 and solved. First answer 600 business minutes (Mon 09–18,
  // Tue 08–09), closure 660; calendar 1,440 and 1,500.
  ids.A = await make({
    channel: "web",
    status: "closed",
    opened: local(5, 9),
    closed: local(6, 10),
    delivered: local(6, 10),
    events: [
      ["demand.answered", local(6, 9)],
      ["demand.closed", local(6, 10)],
    ],
    clock: { due: local(19, 18), state: "met", stopped: local(6, 9) },
    survey: { rating: 5, solved: true, at: local(7, 9) },
  });
  // B: answered, closed, reopened, answered again and closed again. First answer Wed 10:00 (1,200 business
  // minutes), last closure Fri 11:00 (2,460; calendar 5,820). Rated 2, not solved.
  ids.B = await make({
    channel: "phone",
    status: "closed",
    opened: local(5, 10),
    closed: local(9, 11),
    delivered: local(9, 11),
    reopens: 1,
    events: [
      ["demand.answered", local(7, 10)],
      ["demand.closed", local(7, 11)],
      ["demand.reopened", local(8, 8)],
      ["demand.answered", local(9, 10)],
      ["demand.closed", local(9, 11)],
    ],
    clock: { due: local(19, 18), state: "met", stopped: local(7, 10) },
    survey: { rating: 2, solved: false, at: local(9, 15) },
  });
  // C: answered late (its clock breached), and the answer never reached the citizen. 1,800 business minutes.
  ids.C = await make({
    channel: "whatsapp",
    status: "closed",
    opened: local(5, 11),
    closed: local(8, 11),
    events: [
      ["demand.answered", local(8, 11)],
      ["demand.closed", local(8, 11)],
    ],
    clock: { due: local(6, 11), state: "met", stopped: local(8, 11), breached: local(6, 11) },
  });
  // D: paused two days for the citizen's complement (Mon 12:00 → Wed 12:00: 1,200 business minutes not counted).
  // First answer Thu 08:00 (600), closure Thu 09:00 (660); calendar 4,380, of which 2,880 paused.
  ids.D = await make({
    channel: "app",
    status: "closed",
    opened: local(12, 8),
    closed: local(15, 9),
    delivered: local(15, 9),
    department: "B",
    district: "10",
    service: services.other,
    events: [
      ["demand.complement_requested", local(12, 12)],
      ["demand.complement_received", local(14, 12)],
      ["demand.answered", local(15, 8)],
      ["demand.closed", local(15, 9)],
    ],
    clock: { due: local(30, 18), state: "met", stopped: local(15, 8) },
  });
  // E: merged into A; F: cancelled. Both were demands made (counted as opened), neither is ever answered.
  ids.E = await make({ channel: "web", status: "merged", opened: local(5, 12), mergedInto: ids.A });
  ids.F = await make({
    channel: "phone",
    status: "cancelled",
    opened: local(6, 9),
    closed: local(6, 10),
    events: [["demand.cancelled", local(6, 10)]],
  });
  // G: rerouted from department A to B, still in progress and past its due: open and late, under B.
  ids.G = await make({
    channel: "counter",
    status: "in_progress",
    opened: local(6, 9),
    department: "B",
    events: [["demand.rerouted", local(6, 15)]],
    clock: { due: local(7, 18), state: "running", breached: local(7, 18) },
  });
  // H: open and not yet due.
  ids.H = await make({
    channel: "sms",
    status: "dispatched",
    opened: local(7, 9),
    clock: { due: "2099-01-01T12:00:00Z", state: "running" },
  });
  await refreshIndicatorFacts(db);
  await ctx.reader?.caughtUp();
});

describe("indicators on hand-made timelines", () => {
  it("counts every demand made as opened, and only those closed now as closed", async () => {
    assert.equal((await total("demands-opened")).count, 8);
    assert.equal((await total("demands-closed")).count, 4, "A, B, C, D: not the cancelled or the merged one");
    const byChannel = await indicator("demands-opened", `${JANUARY}&groupBy=channel`);
    assert.deepEqual(Object.fromEntries(byChannel.rows.map((r) => [r.key.channel, r.values.count])), {
      app: 1,
      counter: 1,
      phone: 2,
      sms: 1,
      web: 2,
      whatsapp: 1,
    });
  });

  it("gives the backlog now, late included, by the department responsible after a reroute", async () => {
    assert.deepEqual(await total("backlog", ""), { open: 2, late: 1 });
    const byDepartment = await indicator("backlog", "groupBy=department");
    const codes = await db.query<{ id: number; code: string }>(
      "SELECT id, code FROM departments WHERE id = ANY($1)",
      [[departments.A, departments.B]],
    );
    const codeOf = (id: number) => codes.find((c) => Number(c.id) === id)!.code;
    const rows = Object.fromEntries(byDepartment.rows.map((r) => [r.key.department, r.values]));
    assert.deepEqual(
      rows[codeOf(departments.B)],
      { open: 1, late: 1 },
      "G counts under B, where it was rerouted",
    );
    assert.deepEqual(rows[codeOf(departments.A)], { open: 1, late: 0 });
  });

  it("measures deadline compliance on the first answer, by the clock, leaving out merged and cancelled", async () => {
    const v = await total("deadline-compliance");
    assert.equal(v.decided, 4);
    assert.equal(v.on_time, 3, "C was breached");
    assert.equal(v.share, 0.75);
  });

  it("times the first answer and the closure in business minutes less pauses, and in calendar minutes", async () => {
    const first = await total("time-to-first-answer");
    // business: A 600, B 1,200, C 1,800, D 600 (pause left out)
    assert.equal(first.answered, 4);
    assert.equal(first.median_business, 900);
    assert.equal(first.p90_business, 1620);
    const closure = await total("time-to-closure");
    // business: A 660, B 2,460 (to its last closure), C 1,800, D 660; calendar: 1,500, 5,820, 4,320, 4,380
    assert.equal(closure.closed, 4);
    assert.equal(closure.median_business, 1230);
    assert.equal(closure.p90_business, 2262);
    assert.equal(closure.median_calendar, 4350);
  });

  it("counts an answer as given only when it reached the citizen", async () => {
    const v = await total("answer-delivered");
    assert.deepEqual(v, { share: 0.75, delivered: 3, answered: 4 });
  });

  it("gives satisfaction, “resolveu?” and the reopen rate of the demands closed in the period", async () => {
    assert.deepEqual(await total("satisfaction"), { mean: 3.5, rated: 2 });
    assert.deepEqual(await total("solved"), { share: 0.5, solved: 1, asked: 2 });
    assert.deepEqual(await total("reopen-rate"), { share: 0.25, reopened: 1, closed: 4 });
  });

  it("gives each channel's share within its month and the digital share", async () => {
    const all = await total("channel-share");
    assert.equal(all.digital, 5 / 8);
    const monthly = await indicator("channel-share", `${JANUARY}&groupBy=month,channel`);
    const phone = monthly.rows.find((r) => r.key.channel === "phone")!;
    assert.equal(phone.key.month, "2026-01");
    assert.equal(phone.values.share_of_period, 2 / 8);
  });

  it("filters by district, service group and department, and compares with the month before", async () => {
    assert.equal((await total("demands-opened", `${JANUARY}&district=10`)).count, 1);
    const group = await db.query<{ code: string }>(
      "SELECT g.code FROM services s JOIN service_groups g ON g.id = s.group_id WHERE s.code = $1",
      [services.other],
    );
    assert.equal((await total("demands-opened", `${JANUARY}&serviceGroup=${group[0]!.code}`)).count, 1);
    const compared = await indicator("demands-opened", `${JANUARY}&compare=previous-month`);
    assert.deepEqual(compared.previous?.period, { from: "2025-12-01", to: "2025-12-31" });
    assert.equal(compared.previous?.rows[0]?.values.count, 0);
    assert.deepEqual(shiftPeriod({ from: "2026-03-31", to: "2026-03-31" }, "previous-month"), {
      from: "2026-02-28",
      to: "2026-02-28",
    });
  });

  it("follows the timeline: a demand closed later moves from the backlog to the closures", async () => {
    await db.query(
      "UPDATE demands SET status = 'closed', closed_at = $2, answer_delivered_at = $2 WHERE id = $1",
      [ids.H, local(20, 10)],
    );
    await db.query(
      `INSERT INTO demand_events (demand_id, at, type, actor_kind, visibility)
       VALUES ($1, $2, 'demand.answered', 'system', 'public'), ($1, $2, 'demand.closed', 'system', 'public')`,
      [ids.H, local(20, 10)],
    );
    await refreshIndicatorFacts(db);
    await refreshIndicatorFacts(db); // a second run reads nothing new and changes nothing
    await ctx.reader?.caughtUp();
    assert.deepEqual(await total("backlog", ""), { open: 1, late: 1 });
    assert.equal((await total("demands-closed")).count, 5);
  });
});

describe("the indicators' API", () => {
  it("lists the public indicators in the caller's language, and the staff ones only to a role that reads them", async () => {
    const anonymous = await app.inject({
      method: "GET",
      url: "/api/v1/indicators",
      headers: { "accept-language": "en" },
    });
    const listed = anonymous.json().indicators as Array<{ id: string; title: string }>;
    assert.ok(listed.every((i) => INDICATORS.find((d) => d.id === i.id)?.audience === "public"));
    assert.equal(listed.find((i) => i.id === "backlog")?.title, "Open demands");
    const supervisor = await staffHeaders(db, "supervisor");
    const staffList = await app.inject({
      method: "GET",
      url: "/api/v1/indicators",
      headers: { authorization: supervisor.authorization },
    });
    assert.ok((staffList.json().indicators as Array<{ id: string }>).some((i) => i.id === "late-open"));
  });

  it("refuses a staff indicator without the right, an unknown one, and a bad period", async () => {
    const url = "/api/v1/indicators/late-open";
    assert.equal((await app.inject({ method: "GET", url })).statusCode, 401);
    const agent = await staffHeaders(db, "agent");
    assert.equal(
      (await app.inject({ method: "GET", url, headers: { authorization: agent.authorization } })).statusCode,
      403,
    );
    const manager = await staffHeaders(db, "manager");
    const late = await total("late-open", "", { authorization: manager.authorization });
    assert.equal(late.late, 1);
    const unknown = await app.inject({ method: "GET", url: "/api/v1/indicators/nothing-here" });
    assert.equal(unknown.statusCode, 404);
    assert.match(String(unknown.headers["content-type"]), /problem\+json/);
    for (const query of [
      "from=2026-02-30",
      "from=2026-02-01&to=2026-01-01",
      "from=2020-01-01&to=2026-01-01",
      "groupBy=week",
      "colour=red",
    ]) {
      const res = await app.inject({ method: "GET", url: `/api/v1/indicators/demands-opened?${query}` });
      assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
    }
    const now = await app.inject({ method: "GET", url: "/api/v1/indicators/backlog?groupBy=day" });
    assert.equal(now.statusCode, 400);
    assert.equal(now.json().code, "indicator_describes_now");
  });
});
