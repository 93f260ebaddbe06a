import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addDeadline, instantAtFraction, instantOf } from "../../domain/business-time.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { CALENDAR_CACHE_MS, loadCalendar } from "./queries.ts";

const { app, ctx } = await testApp();
const db = ctx.db;
const TZ = "America/Sao_Paulo";
const at = (text: string) => instantOf(text.slice(0, 10), text.slice(11, 16), TZ);
const wall = new Intl.DateTimeFormat("sv-SE", {
  timeZone: TZ,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
});
const show = (d: Date) => wall.format(d);

type Listed = { date: string; scope: string; name: string; key: string | null; id: number | null };
const list = async (year: number, lang = "pt-BR") => {
  const res = await app.inject({ method: "GET", url: `/api/v1/calendar/holidays?year=${year}&lang=${lang}` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as Listed[];
};

describe("the seeded calendar", () => {
  it("puts alarms past a weekend and São Paulo's anniversary (25 January), read from the database", async () => {
    const cal = await loadCalendar(db);
    assert.equal(cal.timeZone, TZ);
    assert.equal(cal.isHoliday("2027-01-25"), true);
    assert.equal(cal.isHoliday("2026-07-09"), true);
    assert.equal(cal.isHoliday("2027-02-09"), true);
    const start = at("2027-01-22 10:00"); // Friday
    const due = addDeadline(start, { amount: 2, unit: "business_days" }, cal);
    assert.deepEqual(
      [0.5, 0.8, 1].map((f) => show(instantAtFraction(start, due, f, "business_days", cal))),
      ["2027-01-26 14:00", "2027-01-27 12:24", "2027-01-27 18:00"],
    );
  });

  it("lists a year's national, state and municipal holidays by date, named in the caller's language", async () => {
    const holidays = await list(2027);
    const on = (date: string) => holidays.filter((h) => h.date === date);
    assert.deepEqual(
      on("2027-02-08").map((h) => [h.scope, h.key, h.name]),
      [["national", "carnival_monday", "Carnaval (segunda-feira)"]],
    );
    assert.equal(on("2027-01-25")[0]?.scope, "municipal");
    assert.equal(on("2027-01-25")[0]?.name, "Aniversário da cidade de São Paulo");
    assert.equal(on("2027-07-09")[0]?.scope, "state");
    assert.equal(on("2027-11-20").length, 1, "20 November is national from 2024, not listed twice");
    assert.deepEqual(
      holidays.map((h) => h.date),
      holidays.map((h) => h.date).sort(),
    );
    const english = await list(2027, "en");
    assert.equal(english.find((h) => h.date === "2027-03-26")?.name, "Good Friday");
    // Before 2024 the day was São Paulo's own (Lei 13.707/2004), which matters for imports of older demands.
    assert.equal((await list(2020)).find((h) => h.date === "2020-11-20")?.scope, "municipal");
  });
});

describe("configured holidays", () => {
  it("lets a manager add a one-off day off that deadlines then skip, once per day and scope", async () => {
    const manager = await staffHeaders(db, "manager");
    const body = {
      scope: "extra",
      name: { "pt-BR": "Ponto facultativo — jogo do Brasil", en: "Day off — Brazil match" },
      date: "2027-03-15",
    };
    const post = (headers: Record<string, string>, payload: Record<string, unknown> = body) =>
      app.inject({ method: "POST", url: "/api/v1/calendar/holidays", headers, payload });
    const before = await loadCalendar(db);
    assert.equal(before.isHoliday("2027-03-15"), false);
    const created = await post({ authorization: manager.authorization });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().date, "2027-03-15");
    const after = await loadCalendar(db);
    assert.equal(
      after.isHoliday("2027-03-15"),
      true,
      "the process that changed it forgets its cached calendar",
    );
    assert.equal(
      show(addDeadline(at("2027-03-12 09:00"), { amount: 1, unit: "business_days" }, after)),
      "2027-03-16 18:00",
    );
    const again = await post({ authorization: manager.authorization });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, "holiday_exists");
    const both = await post(
      { authorization: manager.authorization },
      { ...body, date: "2027-03-16", month: 3, day: 16 },
    );
    assert.equal(both.statusCode, 400);
    const agent = await staffHeaders(db, "agent");
    assert.equal((await post({ authorization: agent.authorization })).statusCode, 403);
    assert.equal((await post({})).statusCode, 401);
    const listed = (await list(2027)).find((h) => h.date === "2027-03-15");
    assert.equal(listed?.id, created.json().id);
  });

  it("lets an admin add a movable municipal holiday and delete it", async () => {
    const admin = await staffHeaders(db, "admin");
    const created = await app.inject({
      method: "POST",
      url: "/api/v1/calendar/holidays",
      headers: { authorization: admin.authorization },
      payload: {
        scope: "municipal",
        name: { "pt-BR": "Segunda-feira de Páscoa" },
        easterOffset: 1,
        fromYear: 2027,
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id as number;
    assert.equal((await loadCalendar(db)).isHoliday("2027-03-29"), true);
    assert.equal((await loadCalendar(db)).isHoliday("2026-04-06"), false, "not before its first year");
    const del = () =>
      app.inject({
        method: "DELETE",
        url: `/api/v1/calendar/holidays/${id}`,
        headers: { authorization: admin.authorization },
      });
    assert.equal((await del()).statusCode, 204);
    assert.equal((await loadCalendar(db)).isHoliday("2027-03-29"), false);
    const gone = await del();
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().code, "unknown_holiday");
  });

  it("keeps a calendar read by another process for a few seconds, then reads the change", async () => {
    const now = Date.now() + 60 * CALENDAR_CACHE_MS; // a fresh cache slot, whatever the tests before did
    const first = await loadCalendar(db, now);
    assert.equal(await loadCalendar(db, now + 1000), first, "the same object while the cache holds");
    // Another process adds a holiday: this process's copy does not know it until the cache expires.
    await db.query(
      `INSERT INTO holidays (scope, name, on_date) VALUES ('extra', '{"pt-BR": "Outro processo"}', '2027-04-05')`,
    );
    assert.equal((await loadCalendar(db, now + 1000)).isHoliday("2027-04-05"), false);
    assert.equal((await loadCalendar(db, now + CALENDAR_CACHE_MS)).isHoliday("2027-04-05"), true);
  });
});

describe("calendar settings", () => {
  it("lets an admin change opening hours and skip Carnival, and refuses bad zones and hours", async () => {
    const admin = { authorization: (await staffHeaders(db, "admin")).authorization };
    const put = (payload: Record<string, unknown>) =>
      app.inject({ method: "PUT", url: "/api/v1/calendar/settings", headers: admin, payload });
    const saturdays = {
      timeZone: TZ,
      hours: {
        mon: [["08:00", "17:00"]],
        tue: [["08:00", "17:00"]],
        wed: [["08:00", "17:00"]],
        thu: [["08:00", "17:00"]],
        fri: [["08:00", "17:00"]],
        sat: [["08:00", "12:00"]],
      },
      skippedNational: ["carnival_monday", "carnival_tuesday"],
    };
    const changed = await put(saturdays);
    assert.equal(changed.statusCode, 200, changed.body);
    const read = await app.inject({ method: "GET", url: "/api/v1/calendar/settings" });
    assert.deepEqual(read.json().hours.sat, [["08:00", "12:00"]]);
    const cal = await loadCalendar(db);
    assert.equal(cal.isHoliday("2027-02-08"), false);
    assert.equal(
      show(addDeadline(at("2027-02-05 10:00"), { amount: 2, unit: "business_days" }, cal)),
      "2027-02-08 17:00",
    );
    assert.equal(
      (await put({ ...saturdays, timeZone: "America/Atlantis" })).json().code,
      "unknown_time_zone",
    );
    const overlap = await put({
      ...saturdays,
      hours: {
        mon: [
          ["08:00", "12:00"],
          ["11:00", "13:00"],
        ],
      },
    });
    assert.equal(overlap.json().code, "invalid_business_hours");
    assert.equal((await put({ ...saturdays, hours: {} })).statusCode, 422);
    assert.equal((await put({ ...saturdays, skippedNational: ["carnaval"] })).statusCode, 400);
    const manager = await staffHeaders(db, "supervisor");
    const refused = await app.inject({
      method: "PUT",
      url: "/api/v1/calendar/settings",
      headers: { authorization: manager.authorization },
      payload: saturdays,
    });
    assert.equal(refused.statusCode, 403);
  });
});
