/**
 * Holidays as rules: Brazil's national days (fixed and Easter-bound), and the city's own state, municipal and extra
 * days kept in the database as rules of the same three shapes. Pure: the server and the screens both use it.
 */

/** A civil date in the city, "YYYY-MM-DD". */
export type LocalDate = string;

/** Where a holiday comes from: federal law, the state, the municipality, or a one-off day off ("ponto facultativo"). */
export type HolidayScope = "national" | "state" | "municipal" | "extra";

/** When a holiday falls: one date, every year on a month and day, or every year a number of days from Easter. */
export type HolidayWhen = { date: LocalDate } | { month: number; day: number } | { easterOffset: number };

/** A holiday rule, optionally limited to a span of years (a law that created or abolished it). */
export type HolidayRule = HolidayWhen & {
  /** Stable key: the locales key of a national day ("carnival_monday"), or "db:<id>" for a configured one. */
  key: string;
  scope: HolidayScope;
  fromYear?: number | null;
  untilYear?: number | null;
};

/** One holiday on one date. */
export interface Holiday {
  date: LocalDate;
  key: string;
  scope: HolidayScope;
}

/** Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm, Meeus/Jones/Butcher). */
export function easterSunday(year: number): LocalDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return formatLocalDate(year, month, day);
}

/**
 * Brazil's national days. Fixed: Lei 662/1949, 6.802/1980 (12 Oct), 14.759/2023 (20 Nov, from 2024). Good Friday
 * is a religious holiday the law lets every municipality keep (Lei 9.093/1995) and all capitals do. Carnival Monday
 * and Tuesday and Corpus Christi are "pontos facultativos" of the federal calendar that city halls observe; a city
 * that works on them lists their keys in its settings (`skippedNational`).
 */
export const NATIONAL_HOLIDAYS: readonly HolidayRule[] = [
  { key: "new_year", scope: "national", month: 1, day: 1 },
  { key: "carnival_monday", scope: "national", easterOffset: -48 },
  { key: "carnival_tuesday", scope: "national", easterOffset: -47 },
  { key: "good_friday", scope: "national", easterOffset: -2 },
  { key: "tiradentes", scope: "national", month: 4, day: 21 },
  { key: "labour_day", scope: "national", month: 5, day: 1 },
  { key: "corpus_christi", scope: "national", easterOffset: 60 },
  { key: "independence_day", scope: "national", month: 9, day: 7 },
  { key: "our_lady_aparecida", scope: "national", month: 10, day: 12 },
  { key: "all_souls_day", scope: "national", month: 11, day: 2 },
  { key: "republic_day", scope: "national", month: 11, day: 15 },
  { key: "black_consciousness_day", scope: "national", month: 11, day: 20, fromYear: 2024 },
  { key: "christmas", scope: "national", month: 12, day: 25 },
];

/** The dates the rules give in a year, sorted by date. */
export function holidaysIn(year: number, rules: readonly HolidayRule[]): Holiday[] {
  const out: Holiday[] = [];
  let easter: number | undefined;
  for (const rule of rules) {
    if (rule.fromYear != null && year < rule.fromYear) continue;
    if (rule.untilYear != null && year > rule.untilYear) continue;
    let date: LocalDate | undefined;
    if ("date" in rule) {
      if (Number(rule.date.slice(0, 4)) === year) date = rule.date;
    } else if ("easterOffset" in rule) {
      easter ??= dayNumberOf(easterSunday(year));
      date = localDateOf(easter + rule.easterOffset);
    } else if (rule.day <= daysInMonth(year, rule.month)) {
      date = formatLocalDate(year, rule.month, rule.day);
    }
    if (date !== undefined) out.push({ date, key: rule.key, scope: rule.scope });
  }
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** A fast `isHoliday` over rules: each year's dates are worked out once and kept. */
export function holidayChecker(rules: readonly HolidayRule[]): (date: LocalDate) => boolean {
  const years = new Map<number, Set<LocalDate>>();
  return (date) => {
    const year = Number(date.slice(0, 4));
    let set = years.get(year);
    if (!set) {
      set = new Set(holidaysIn(year, rules).map((h) => h.date));
      years.set(year, set);
    }
    return set.has(date);
  };
}

/** "YYYY-MM-DD" from its parts. */
export function formatLocalDate(year: number, month: number, day: number): LocalDate {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** Days from 1970-01-01 to a civil date (proleptic Gregorian; H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date of a day number (the inverse of `daysFromCivil`). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp + (mp < 10 ? 3 : -9);
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** The day number of "YYYY-MM-DD". */
export function dayNumberOf(date: LocalDate): number {
  return daysFromCivil(Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10)));
}

/** "YYYY-MM-DD" of a day number. */
export function localDateOf(days: number): LocalDate {
  const { year, month, day } = civilFromDays(days);
  return formatLocalDate(year, month, day);
}

/** True when "YYYY-MM-DD" names a real date. */
export function isLocalDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  return localDateOf(dayNumberOf(text)) === text;
}

function daysInMonth(year: number, month: number): number {
  return (
    daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) -
    daysFromCivil(year, month, 1)
  );
}
