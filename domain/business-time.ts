/**
 * Business time: deadlines in business hours, business days or calendar days over a city's opening hours and
 * holidays, in the city's own time zone (through Intl, so historical offsets such as Brazil's DST up to 2019 are
 * right). Pure and fast: every question is answered by arithmetic on "business milliseconds since an anchor", with
 * whole weeks jumped by multiplication and holidays counted by binary search, never by walking day by day.
 *
 * Conventions (docs/deadlines.md):
 * - business_hours: the clock runs only inside opening hours; a start outside them waits for the next opening.
 *   The due instant is the earliest one at which the amount has run, so a clock that ends with the day ends at
 *   the close (18:00), not at the next opening.
 * - business_days: the start day is left out and the Nth business day after it is included (Lei 9.784/1999
 *   art. 66); the due instant is that day's close of business, whatever the clock time of the start.
 * - calendar_days: the start day is left out and the Nth day after it is included; a due day without business
 *   moves to the next business day (art. 66 §1); due at its close of business.
 */
import {
  type BusinessCalendar,
  closeOf,
  compiled,
  instantOfOrdinal,
  isClosedDay,
  localDay,
  nthBusinessDayAfter,
  ordinalAt,
  parseClock,
  weekdayIndex,
} from "./business-time-calendar.ts";
import { dayNumberOf, type LocalDate, localDateOf } from "./business-time-holidays.ts";
import { localToInstant, offsetAt, zoneOf } from "./business-time-zones.ts";

export {
  type BusinessCalendar,
  DEFAULT_HOURS,
  type OpeningInterval,
  WEEKDAYS,
  type Weekday,
  type WeeklyHours,
} from "./business-time-calendar.ts";
export type { LocalDate } from "./business-time-holidays.ts";

/** How a deadline is counted. */
export type DeadlineUnit = "business_hours" | "business_days" | "calendar_days";

/** A deadline: an amount of a unit. */
export interface DeadlineSpec {
  amount: number;
  unit: DeadlineUnit;
}

/** The clock a deadline runs on: business time (inside opening hours, off on holidays) or plain elapsed time. */
export type Clock = "business" | "calendar";

/** The clock of a deadline unit (a clock passes through unchanged). */
export function clockOf(unit: DeadlineUnit | Clock): Clock {
  return unit === "calendar_days" || unit === "calendar" ? "calendar" : "business";
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The due instant of a deadline started at `start` (see the conventions at the top of this file). */
export function addDeadline(start: Date, spec: DeadlineSpec, cal: BusinessCalendar): Date {
  if (!(spec.amount > 0)) throw new RangeError(`deadline amount must be positive: ${spec.amount}`);
  const c = compiled(cal);
  if (spec.unit === "business_hours") return addBusinessMinutes(start, spec.amount * 60, cal);
  const startDay = localDay(c, start.getTime());
  if (!Number.isInteger(spec.amount)) throw new RangeError(`days must be whole: ${spec.amount}`);
  const day =
    spec.unit === "business_days"
      ? nthBusinessDayAfter(c, startDay, spec.amount)
      : nthBusinessDayAfter(c, startDay + spec.amount - 1, 1);
  return new Date(closeOf(c, day));
}

/** Business minutes from `a` to `b` (negative when `b` is earlier); fractions of a minute are kept. */
export function businessMinutesBetween(a: Date, b: Date, cal: BusinessCalendar): number {
  const c = compiled(cal);
  return (ordinalAt(c, b.getTime()) - ordinalAt(c, a.getTime())) / MINUTE;
}

/**
 * The earliest instant after `start` at which `minutes` business minutes have run; for a negative amount, the
 * latest instant before it that far back. A start outside opening hours waits for the next opening.
 */
export function addBusinessMinutes(start: Date, minutes: number, cal: BusinessCalendar): Date {
  if (minutes === 0) return new Date(start);
  const c = compiled(cal);
  const t = start.getTime();
  const ordinal = ordinalAt(c, t) + Math.round(minutes * MINUTE);
  return new Date(instantOfOrdinal(c, ordinal, localDay(c, t), minutes < 0));
}

/** Elapsed minutes from `a` to `b`. */
export function calendarMinutesBetween(a: Date, b: Date): number {
  return (b.getTime() - a.getTime()) / MINUTE;
}

/** The instant `minutes` elapsed minutes after `start`. */
export function addCalendarMinutes(start: Date, minutes: number): Date {
  return new Date(start.getTime() + Math.round(minutes * MINUTE));
}

/** Minutes on a deadline's own clock from `a` to `b`. */
export function clockMinutesBetween(
  a: Date,
  b: Date,
  unit: DeadlineUnit | Clock,
  cal: BusinessCalendar,
): number {
  return clockOf(unit) === "calendar" ? calendarMinutesBetween(a, b) : businessMinutesBetween(a, b, cal);
}

/** The instant `minutes` after `start` on a deadline's own clock. */
export function addClockMinutes(
  start: Date,
  minutes: number,
  unit: DeadlineUnit | Clock,
  cal: BusinessCalendar,
): Date {
  return clockOf(unit) === "calendar"
    ? addCalendarMinutes(start, minutes)
    : addBusinessMinutes(start, minutes, cal);
}

/**
 * When `fraction` of the clock from `start` to `due` has run, on the deadline's own clock: the 50%, 80% and 100%
 * alarms. Fraction 1 is `due` itself; fractions above 1 (escalations after the breach) go on past it.
 */
export function instantAtFraction(
  start: Date,
  due: Date,
  fraction: number,
  unit: DeadlineUnit | Clock,
  cal: BusinessCalendar,
): Date {
  if (fraction <= 0) return new Date(start);
  if (fraction === 1) return new Date(due);
  const span = clockMinutesBetween(start, due, unit, cal);
  if (span <= 0) return new Date(due);
  return addClockMinutes(start, span * fraction, unit, cal);
}

/** The share of the clock from `start` to `due` that has run at `now` (0 before the start, above 1 once late). */
export function elapsedFraction(
  start: Date,
  due: Date,
  now: Date,
  unit: DeadlineUnit | Clock,
  cal: BusinessCalendar,
): number {
  const span = clockMinutesBetween(start, due, unit, cal);
  if (span <= 0) return now.getTime() >= due.getTime() ? 1 : 0;
  return Math.max(0, clockMinutesBetween(start, now, unit, cal) / span);
}

/**
 * The new due instant after the clock was paused at `pausedAt` (waiting for the citizen's complement) and started
 * again at `resumedAt`: the clock left at the pause, added from the resumption. A clock paused after its due
 * instant stays late by the same amount.
 */
export function resumeDue(
  due: Date,
  pausedAt: Date,
  resumedAt: Date,
  unit: DeadlineUnit | Clock,
  cal: BusinessCalendar,
): Date {
  return addClockMinutes(resumedAt, clockMinutesBetween(pausedAt, due, unit, cal), unit, cal);
}

/** Throws a RangeError when a calendar's time zone or opening hours are unusable; checked before saving one. */
export function checkCalendar(cal: BusinessCalendar): void {
  compiled(cal);
}

/** True when `at` falls inside the city's opening hours on a working day. */
export function isBusinessTime(at: Date, cal: BusinessCalendar): boolean {
  const c = compiled(cal);
  const t = at.getTime();
  const local = t + offsetAt(c.zone, t);
  const day = Math.floor(local / DAY);
  if (isClosedDay(c, day)) return false;
  const ms = local - day * DAY;
  const iv = c.intervals[weekdayIndex(day)]!;
  for (let i = 0; i < iv.length; i += 2) if (ms >= iv[i]! && ms < iv[i + 1]!) return true;
  return false;
}

/** The city's local date at an instant. */
export function localDateAt(at: Date, timeZone: string): LocalDate {
  const t = at.getTime();
  return localDateOf(Math.floor((t + offsetAt(zoneOf(timeZone), t)) / DAY));
}

/** The instant a local date and wall-clock time ("HH:MM") name in a time zone. */
export function instantOf(date: LocalDate, time: string, timeZone: string): Date {
  return new Date(localToInstant(zoneOf(timeZone), dayNumberOf(date), parseClock(time)));
}
