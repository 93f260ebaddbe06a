/**
 * The calendar types, and their compiled form behind business-time.ts: every question is answered on "business
 * milliseconds since an anchor" (ordinals), with whole weeks multiplied and holidays counted by binary search over
 * per-year tables built once per calendar object.
 */
import { civilFromDays, dayNumberOf, type LocalDate, localDateOf } from "./business-time-holidays.ts";
import { localToInstant, offsetAt, type Zone, zoneOf } from "./business-time-zones.ts";

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The days of the week, Monday first (ISO order). */
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One opening interval in local wall-clock time: ["08:00", "18:00"]; "24:00" is the end of the day. */
export type OpeningInterval = readonly [string, string];

/** Opening intervals per weekday; a day left out is closed. */
export type WeeklyHours = Partial<Record<Weekday, readonly OpeningInterval[]>>;

/** Monday to Friday, 08:00–18:00: the opening hours of a Brazilian city hall's service desks. */
export const DEFAULT_HOURS: WeeklyHours = {
  mon: [["08:00", "18:00"]],
  tue: [["08:00", "18:00"]],
  wed: [["08:00", "18:00"]],
  thu: [["08:00", "18:00"]],
  fri: [["08:00", "18:00"]],
};

/** The city's calendar: its time zone, opening hours and holidays. */
export interface BusinessCalendar {
  /** IANA time zone, e.g. "America/Sao_Paulo". */
  timeZone: string;
  hours: WeeklyHours;
  /** True when the city does not work on this local date. */
  isHoliday(date: LocalDate): boolean;
}

interface YearHolidays {
  /** Day numbers of the holidays that fall on open weekdays, sorted. */
  days: number[];
  /** msBefore[i]: business ms lost to days[0..i-1]. */
  msBefore: number[];
}

/** A calendar prepared for arithmetic: interval tables, weekly sums and per-year holiday tables. */
export interface Compiled {
  zone: Zone;
  isHoliday: (date: LocalDate) => boolean;
  /** Per weekday (Monday = 0): opening intervals as [start, end, start, end …] in local ms of the day. */
  intervals: number[][];
  dayMs: number[];
  weekMs: number;
  openDaysPerWeek: number;
  /** Business ms and open days of the week before each weekday (index 0..7). */
  weekMsBefore: number[];
  weekDaysBefore: number[];
  years: Map<number, YearHolidays>;
  /** Holiday ms and days lost before 1 January of a year, counted from the first year asked (the anchor). */
  yearBase: Map<number, { ms: number; days: number }>;
}

const cache = new WeakMap<BusinessCalendar, Compiled>();

export function compiled(cal: BusinessCalendar): Compiled {
  let c = cache.get(cal);
  if (c) return c;
  const intervals = WEEKDAYS.map((d) => parseIntervals(d, cal.hours[d] ?? []));
  const dayMs = intervals.map((iv) => iv.reduce((sum, v, i) => sum + (i % 2 ? v : -v), 0));
  const weekMsBefore = [0];
  const weekDaysBefore = [0];
  for (let i = 0; i < 7; i++) {
    weekMsBefore.push(weekMsBefore[i]! + dayMs[i]!);
    weekDaysBefore.push(weekDaysBefore[i]! + (dayMs[i]! > 0 ? 1 : 0));
  }
  if (weekMsBefore[7] === 0) throw new RangeError("a business calendar needs opening hours on some weekday");
  c = {
    zone: zoneOf(cal.timeZone),
    isHoliday: (date) => cal.isHoliday(date),
    intervals,
    dayMs,
    weekMs: weekMsBefore[7]!,
    openDaysPerWeek: weekDaysBefore[7]!,
    weekMsBefore,
    weekDaysBefore,
    years: new Map(),
    yearBase: new Map(),
  };
  cache.set(cal, c);
  return c;
}

function parseIntervals(day: Weekday, list: readonly OpeningInterval[]): number[] {
  const out: number[] = [];
  for (const [from, to] of list) {
    const start = parseClock(from);
    const end = parseClock(to);
    if (!(start < end) || (out.length > 0 && start < out[out.length - 1]!))
      throw new RangeError(`opening hours of ${day} must be increasing and apart: ${from}–${to}`);
    out.push(start, end);
  }
  return out;
}

export function parseClock(text: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  const ms = m ? (Number(m[1]) * 60 + Number(m[2])) * MINUTE : Number.NaN;
  if (!(ms >= 0 && ms <= DAY) || Number(m?.[2]) > 59) throw new RangeError(`not a clock time: ${text}`);
  return ms;
}

/** Monday = 0 … Sunday = 6; day 0 (1970-01-01) was a Thursday. */
export function weekdayIndex(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

function yearOf(day: number): number {
  return civilFromDays(day).year;
}

function holidaysOfYear(c: Compiled, year: number): YearHolidays {
  let y = c.years.get(year);
  if (y) return y;
  y = { days: [], msBefore: [0] };
  const first = dayNumberOf(`${String(year).padStart(4, "0")}-01-01`);
  const next = dayNumberOf(`${String(year + 1).padStart(4, "0")}-01-01`);
  for (let d = first; d < next; d++) {
    const ms = c.dayMs[weekdayIndex(d)]!;
    if (ms > 0 && c.isHoliday(localDateOf(d))) {
      y.days.push(d);
      y.msBefore.push(y.msBefore[y.msBefore.length - 1]! + ms);
    }
  }
  c.years.set(year, y);
  return y;
}

function baseOfYear(c: Compiled, year: number): { ms: number; days: number } {
  const known = c.yearBase.get(year);
  if (known) return known;
  if (c.yearBase.size === 0) {
    c.yearBase.set(year, { ms: 0, days: 0 });
    return { ms: 0, days: 0 };
  }
  // Walk from the nearest known year: a few years at most in practice, each worked out once.
  let from = year;
  for (let d = 1; from === year; d++) {
    if (c.yearBase.has(year - d)) from = year - d;
    else if (c.yearBase.has(year + d)) from = year + d;
  }
  const step = from < year ? 1 : -1;
  for (let k = from; k !== year; k += step) {
    const base = c.yearBase.get(k)!;
    const h = holidaysOfYear(c, step > 0 ? k : k - 1);
    const ms = h.msBefore[h.msBefore.length - 1]!;
    c.yearBase.set(k + step, { ms: base.ms + step * ms, days: base.days + step * h.days.length });
  }
  return c.yearBase.get(year)!;
}

/** Index of the first element of a sorted array that is ≥ value. */
function lowerBound(list: number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Holiday ms and holiday days (on open weekdays) before the start of `day`, relative to the anchor. */
function holidaysBefore(c: Compiled, day: number): { ms: number; days: number } {
  const year = yearOf(day);
  const base = baseOfYear(c, year);
  const h = holidaysOfYear(c, year);
  const i = lowerBound(h.days, day);
  return { ms: base.ms + h.msBefore[i]!, days: base.days + i };
}

export function isClosedDay(c: Compiled, day: number): boolean {
  if (c.dayMs[weekdayIndex(day)] === 0) return true;
  const h = holidaysOfYear(c, yearOf(day));
  return h.days[lowerBound(h.days, day)] === day;
}

/** Business ms from the anchor to the start of `day`. */
function ordinalOfDay(c: Compiled, day: number): number {
  const k = day + 3; // days since Monday 1969-12-29
  const weeks = Math.floor(k / 7);
  return weeks * c.weekMs + c.weekMsBefore[k - weeks * 7]! - holidaysBefore(c, day).ms;
}

/** Open days from the anchor to the start of `day`. */
function openDaysBefore(c: Compiled, day: number): number {
  const k = day + 3;
  const weeks = Math.floor(k / 7);
  return weeks * c.openDaysPerWeek + c.weekDaysBefore[k - weeks * 7]! - holidaysBefore(c, day).days;
}

export function localDay(c: Compiled, t: number): number {
  return Math.floor((t + offsetAt(c.zone, t)) / DAY);
}

/** Business ms from the anchor to instant `t`. */
export function ordinalAt(c: Compiled, t: number): number {
  const local = t + offsetAt(c.zone, t);
  const day = Math.floor(local / DAY);
  const base = ordinalOfDay(c, day);
  if (isClosedDay(c, day)) return base;
  const ms = local - day * DAY;
  const iv = c.intervals[weekdayIndex(day)]!;
  let inside = 0;
  for (let i = 0; i < iv.length; i += 2) inside += Math.max(0, Math.min(ms, iv[i + 1]!) - iv[i]!);
  return base + inside;
}

/** The smallest day ≥ … with f(day) ≥ target, for a non-decreasing f, searched from a guess. */
function smallestDay(f: (day: number) => number, target: number, guess: number): number {
  let lo: number;
  let hi: number;
  if (f(guess) >= target) {
    hi = guess;
    let step = 1;
    lo = guess - step;
    while (f(lo) >= target) {
      hi = lo;
      step *= 2;
      lo = hi - step;
    }
  } else {
    lo = guess;
    let step = 1;
    hi = guess + step;
    while (f(hi) < target) {
      lo = hi;
      step *= 2;
      hi = lo + step;
    }
  }
  // f(lo) < target ≤ f(hi)
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (f(mid) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The instant whose business ordinal is `ordinal`: the earliest one (a clock ending with the day ends at the close)
 * or, for `latest`, the last one (a clock counted backwards stops at the opening).
 */
export function instantOfOrdinal(c: Compiled, ordinal: number, hintDay: number, latest = false): number {
  const guess = hintDay + Math.floor(((ordinal - ordinalOfDay(c, hintDay)) / c.weekMs) * 7);
  // Ordinals are whole milliseconds, so "> ordinal" is "≥ ordinal + 1".
  const day = smallestDay((d) => ordinalOfDay(c, d + 1), latest ? ordinal + 1 : ordinal, guess);
  let rest = ordinal - ordinalOfDay(c, day);
  const iv = c.intervals[weekdayIndex(day)]!;
  for (let i = 0; i < iv.length; i += 2) {
    const length = iv[i + 1]! - iv[i]!;
    if (rest < length || (rest === length && !latest)) return localToInstant(c.zone, day, iv[i]! + rest);
    rest -= length;
  }
  return localToInstant(c.zone, day, iv[iv.length - 1]!);
}

/** The Nth open day after `day` (N ≥ 1). */
export function nthBusinessDayAfter(c: Compiled, day: number, n: number): number {
  const target = openDaysBefore(c, day + 1) + n;
  const guess = day + Math.ceil((n * 7) / c.openDaysPerWeek);
  return smallestDay((d) => openDaysBefore(c, d + 1), target, guess);
}

export function closeOf(c: Compiled, day: number): number {
  const iv = c.intervals[weekdayIndex(day)]!;
  return localToInstant(c.zone, day, iv[iv.length - 1]!);
}
