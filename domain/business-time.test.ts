import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Holidays from "date-holidays";
import {
  addBusinessMinutes,
  addDeadline,
  type BusinessCalendar,
  businessMinutesBetween,
  DEFAULT_HOURS,
  type DeadlineSpec,
  elapsedFraction,
  instantAtFraction,
  instantOf,
  isBusinessTime,
  resumeDue,
  WEEKDAYS,
} from "./business-time.ts";
import {
  dayNumberOf,
  easterSunday,
  type HolidayRule,
  holidayChecker,
  holidaysIn,
  localDateOf,
  NATIONAL_HOLIDAYS,
} from "./business-time-holidays.ts";
import { complementDue, extendOmbudsmanDue, ombudsmanDue } from "./business-time-legal.ts";

const TZ = "America/Sao_Paulo";
const SP_RULES: HolidayRule[] = [
  ...NATIONAL_HOLIDAYS,
  { key: "sp_state", scope: "state", month: 7, day: 9 },
  { key: "sp_anniversary", scope: "municipal", month: 1, day: 25 },
];
const sp: BusinessCalendar = { timeZone: TZ, hours: DEFAULT_HOURS, isHoliday: holidayChecker(SP_RULES) };
const nationalOnly: BusinessCalendar = {
  timeZone: TZ,
  hours: DEFAULT_HOURS,
  isHoliday: holidayChecker(NATIONAL_HOLIDAYS),
};

/** An instant from São Paulo wall time: "2027-02-05 10:00". */
const at = (text: string) => instantOf(text.slice(0, 10), text.slice(11, 16), TZ);

const wall = new Intl.DateTimeFormat("sv-SE", {
  timeZone: TZ,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
});
/** São Paulo wall time of an instant, "2027-02-05 10:00". */
const show = (d: Date) => wall.format(d);

const alarms = (start: Date, spec: DeadlineSpec, cal = sp) => {
  const due = addDeadline(start, spec, cal);
  return [0.5, 0.8, 1].map((f) => show(instantAtFraction(start, due, f, spec.unit, cal)));
};

describe("holidays", () => {
  it("finds Easter Sunday, and Carnival, Good Friday and Corpus Christi from it", () => {
    assert.equal(easterSunday(2019), "2019-04-21");
    assert.equal(easterSunday(2026), "2026-04-05");
    assert.equal(easterSunday(2027), "2027-03-28");
    const days = (year: number) => holidaysIn(year, NATIONAL_HOLIDAYS).map((h) => `${h.date} ${h.key}`);
    assert.ok(days(2027).includes("2027-02-08 carnival_monday"));
    assert.ok(days(2027).includes("2027-02-09 carnival_tuesday"));
    assert.ok(days(2026).includes("2026-02-16 carnival_monday"));
    assert.ok(days(2026).includes("2026-04-03 good_friday"));
    assert.ok(days(2027).includes("2027-05-27 corpus_christi"));
  });

  it("keeps Black Consciousness Day national only from 2024", () => {
    const has = (year: number) => holidaysIn(year, NATIONAL_HOLIDAYS).some((h) => h.date === `${year}-11-20`);
    assert.equal(has(2023), false);
    assert.equal(has(2024), true);
  });

  it("agrees with date-holidays on Brazil's national days from 2019 to 2045", () => {
    const library = new Holidays("BR");
    for (let year = 2019; year <= 2045; year++) {
      const theirs = library
        .getHolidays(year)
        // public and bank days; the library also lists Sunday election days and half days (Ash Wednesday until
        // 14h, Christmas and New Year's eves), which are not days off.
        .filter((h) => (h.type === "public" || h.type === "bank") && !h.name.includes("Eleição"))
        .filter((h) => h.date.endsWith("00:00:00"))
        .map((h) => h.date.slice(0, 10));
      const ours = holidaysIn(year, NATIONAL_HOLIDAYS).map((h) => h.date);
      assert.deepEqual(ours, [...new Set(theirs)].sort(), `national holidays of ${year}`);
    }
  });

  it("takes one-off dates, month-days and Easter offsets, within their years", () => {
    const rules: HolidayRule[] = [
      { key: "a", scope: "extra", date: "2027-03-01" },
      { key: "b", scope: "municipal", month: 2, day: 29 },
      { key: "c", scope: "municipal", easterOffset: 1, fromYear: 2027, untilYear: 2027 },
    ];
    assert.deepEqual(
      holidaysIn(2027, rules).map((h) => h.date),
      ["2027-03-01", "2027-03-29"],
    );
    assert.deepEqual(
      holidaysIn(2028, rules).map((h) => h.date),
      ["2028-02-29"],
    );
    assert.equal(localDateOf(dayNumberOf("2028-02-29")), "2028-02-29");
  });
});

describe("deadlines and alarms", () => {
  it("runs business hours across a weekend, the 50% alarm at Friday's close", () => {
    const start = at("2027-03-05 16:00"); // Friday
    assert.deepEqual(alarms(start, { amount: 4, unit: "business_hours" }), [
      "2027-03-05 18:00",
      "2027-03-08 09:12",
      "2027-03-08 10:00",
    ]);
  });

  it("skips Carnival 2027 (8–9 February) in business days and their alarms", () => {
    const start = at("2027-02-05 10:00"); // Friday before Carnival
    assert.deepEqual(alarms(start, { amount: 2, unit: "business_days" }), [
      "2027-02-10 14:00",
      "2027-02-11 12:24",
      "2027-02-11 18:00",
    ]);
  });

  it("skips Carnival 2026 (16–17 February) in business hours", () => {
    const start = at("2026-02-13 14:00");
    assert.deepEqual(alarms(start, { amount: 8, unit: "business_hours" }), [
      "2026-02-13 18:00",
      "2026-02-18 10:24",
      "2026-02-18 12:00",
    ]);
  });

  it("skips Good Friday and Corpus Christi", () => {
    assert.equal(
      show(addDeadline(at("2026-04-02 17:00"), { amount: 1, unit: "business_days" }, sp)),
      "2026-04-06 18:00",
    );
    assert.equal(
      show(addDeadline(at("2027-05-26 09:00"), { amount: 1, unit: "business_days" }, sp)),
      "2027-05-28 18:00",
    );
    assert.deepEqual(alarms(at("2027-05-26 13:00"), { amount: 10, unit: "business_hours" }), [
      "2027-05-26 18:00",
      "2027-05-28 11:00",
      "2027-05-28 13:00",
    ]);
  });

  it("skips the configured municipal holiday of 25 January, which the national calendar does not know", () => {
    const start = at("2027-01-22 18:30"); // Friday after the close; Monday 25 is the city's anniversary
    const spec: DeadlineSpec = { amount: 10, unit: "business_hours" };
    assert.deepEqual(alarms(start, spec), ["2027-01-26 13:00", "2027-01-26 16:00", "2027-01-26 18:00"]);
    assert.equal(show(addDeadline(start, spec, nationalOnly)), "2027-01-25 18:00");
    assert.equal(isBusinessTime(at("2027-01-25 10:00"), sp), false);
    assert.equal(isBusinessTime(at("2027-01-25 10:00"), nationalOnly), true);
  });

  it("counts business hours, business days and calendar days differently from one start", () => {
    const start = at("2027-02-05 10:00");
    const due = (unit: DeadlineSpec["unit"]) => show(addDeadline(start, { amount: 2, unit }, sp));
    assert.equal(due("business_hours"), "2027-02-05 12:00");
    assert.equal(due("business_days"), "2027-02-11 18:00");
    // Sunday 7 February, moved past Carnival to the next business day.
    assert.equal(due("calendar_days"), "2027-02-10 18:00");
  });

  it("puts calendar-day alarms at fractions of the elapsed time", () => {
    const start = at("2027-03-01 08:00");
    const due = addDeadline(start, { amount: 10, unit: "calendar_days" }, sp);
    assert.equal(show(due), "2027-03-11 18:00");
    assert.equal(show(instantAtFraction(start, due, 0.5, "calendar_days", sp)), "2027-03-06 13:00");
    assert.equal(elapsedFraction(start, due, at("2027-03-06 13:00"), "calendar_days", sp), 0.5);
    assert.equal(elapsedFraction(start, due, at("2027-03-11 18:00"), "business_days", sp), 1);
  });

  it("starts a business-day clock the day after, even from a Saturday", () => {
    assert.equal(
      show(addDeadline(at("2027-03-06 11:00"), { amount: 1, unit: "business_days" }, sp)),
      "2027-03-08 18:00",
    );
    assert.equal(
      show(addDeadline(at("2027-03-08 07:00"), { amount: 1, unit: "business_days" }, sp)),
      "2027-03-09 18:00",
    );
  });
});

describe("pause and resume", () => {
  it("adds the business time left at the pause from the resumption", () => {
    const due = at("2027-02-11 18:00");
    const resumed = resumeDue(due, at("2027-02-10 10:00"), at("2027-02-15 15:00"), "business_days", sp);
    assert.equal(show(resumed), "2027-02-17 13:00");
  });

  it("adds the elapsed time left on a calendar clock", () => {
    const due = at("2027-03-31 18:00");
    const resumed = resumeDue(due, at("2027-03-21 18:00"), at("2027-04-10 09:00"), "calendar_days", sp);
    assert.equal(show(resumed), "2027-04-20 09:00");
  });

  it("keeps a clock paused after its due instant late by the same amount", () => {
    const due = at("2027-03-10 16:00");
    const resumed = resumeDue(due, at("2027-03-10 18:00"), at("2027-03-15 10:00"), "business_hours", sp);
    assert.equal(show(resumed), "2027-03-15 08:00");
  });
});

describe("legal deadlines", () => {
  it("gives the ombudsman 30 days, moved off Carnival, and one extension of 30 with a reason", () => {
    const received = at("2027-01-09 11:00"); // Saturday; day 30 is Carnival Monday
    const due = ombudsmanDue(received, sp);
    assert.equal(show(due), "2027-02-10 18:00");
    const extended = extendOmbudsmanDue(due, 0, "Vistoria técnica agendada", sp);
    assert.ok(extended.ok);
    assert.equal(show(extended.due), "2027-03-12 18:00");
    assert.deepEqual(extendOmbudsmanDue(extended.due, extended.extensions, "de novo", sp), {
      ok: false,
      reason: "already_extended",
    });
    assert.deepEqual(extendOmbudsmanDue(due, 0, "  ", sp), { ok: false, reason: "reason_required" });
  });

  it("gives the citizen 20 days to send a complement", () => {
    assert.equal(show(complementDue(at("2027-03-01 10:00"), sp)), "2027-03-22 18:00"); // 21 March is a Sunday
  });
});

describe("time zones", () => {
  it("follows São Paulo's daylight saving time of 2018–2019, not a fixed −03:00", () => {
    assert.equal(at("2019-02-15 08:00").toISOString(), "2019-02-15T10:00:00.000Z");
    assert.equal(at("2019-02-18 08:00").toISOString(), "2019-02-18T11:00:00.000Z");
    const due = addBusinessMinutes(at("2019-02-15 17:00"), 120, sp);
    assert.equal(due.toISOString(), "2019-02-18T12:00:00.000Z");
    assert.equal(businessMinutesBetween(at("2019-02-15 17:00"), due, sp), 120);
  });

  it("works in another zone and with lunch breaks and Saturdays", () => {
    const cal: BusinessCalendar = {
      timeZone: "America/Manaus",
      hours: {
        ...DEFAULT_HOURS,
        mon: [
          ["08:00", "12:00"],
          ["14:00", "18:00"],
        ],
        sat: [["08:00", "12:00"]],
      },
      isHoliday: () => false,
    };
    const start = instantOf("2027-03-06", "11:00", cal.timeZone); // Saturday
    const due = addBusinessMinutes(start, 6 * 60, cal);
    assert.equal(due.toISOString(), instantOf("2027-03-08", "15:00", cal.timeZone).toISOString());
  });

  it("refuses opening hours that overlap or never open", () => {
    const bad = (hours: BusinessCalendar["hours"]) => () =>
      addDeadline(
        new Date(),
        { amount: 1, unit: "business_days" },
        { timeZone: TZ, hours, isHoliday: () => false },
      );
    assert.throws(bad({ mon: [["10:00", "09:00"]] }), RangeError);
    assert.throws(
      bad({
        mon: [
          ["08:00", "12:00"],
          ["11:00", "13:00"],
        ],
      }),
      RangeError,
    );
    assert.throws(bad({}), RangeError);
  });
});

/** Business minutes between two instants the slow, obvious way: every local day, every interval. */
function referenceMinutes(a: Date, b: Date, cal: BusinessCalendar): number {
  let total = 0;
  for (let d = dayNumberOf(show(a).slice(0, 10)); d <= dayNumberOf(show(b).slice(0, 10)); d++) {
    const date = localDateOf(d);
    if (cal.isHoliday(date)) continue;
    const weekday = WEEKDAYS[(((d + 3) % 7) + 7) % 7]!;
    for (const [from, to] of cal.hours[weekday] ?? []) {
      const s = Math.max(instantOf(date, from, cal.timeZone).getTime(), a.getTime());
      const e = Math.min(instantOf(date, to, cal.timeZone).getTime(), b.getTime());
      if (e > s) total += e - s;
    }
  }
  return total / 60_000;
}

describe("properties", () => {
  // A small deterministic generator, so a failure names a case that can be run again.
  let seed = 20270208;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };

  it("gives back the amount: businessMinutesBetween(start, addBusinessMinutes(start, m)) = m", () => {
    const from = Date.UTC(2018, 0, 1);
    const to = Date.UTC(2031, 0, 1);
    for (let i = 0; i < 2000; i++) {
      const start = new Date(from + Math.floor(random() * (to - from)));
      const minutes = Math.floor(random() * 60 * 600); // up to 60 business days
      const due = addBusinessMinutes(start, minutes, sp);
      assert.equal(businessMinutesBetween(start, due, sp), minutes, `${start.toISOString()} + ${minutes}`);
      assert.ok(due.getTime() > start.getTime() || minutes === 0);
      const back = addBusinessMinutes(start, -minutes, sp);
      assert.equal(businessMinutesBetween(back, start, sp), minutes, `${start.toISOString()} - ${minutes}`);
    }
  });

  it("counts the same business minutes as a day-by-day walk", () => {
    for (let i = 0; i < 300; i++) {
      const start = new Date(Date.UTC(2018, 9, 1) + Math.floor(random() * 9 * 365 * 86_400_000));
      const end = new Date(start.getTime() + Math.floor(random() * 45 * 86_400_000));
      assert.equal(
        businessMinutesBetween(start, end, sp),
        referenceMinutes(start, end, sp),
        start.toISOString(),
      );
    }
  });
});
