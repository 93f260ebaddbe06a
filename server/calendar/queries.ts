/**
 * Reads of the calendar concept, and `loadCalendar`: the city's BusinessCalendar (time zone, opening hours,
 * national plus configured holidays) that the deadline scanner and the screens compute with.
 */
import type { LocalizedText } from "../../domain/attributes.ts";
import type { BusinessCalendar, WeeklyHours } from "../../domain/business-time.ts";
import { type HolidayRule, holidayChecker, NATIONAL_HOLIDAYS } from "../../domain/business-time-holidays.ts";
import { perPoolCache } from "../db/cache.ts";
import type { Sql } from "../db/index.ts";
import type { HolidayScope } from "./schemas.ts";

/** A configured holiday rule (state, municipal or extra). */
export interface HolidayRecord {
  id: number;
  scope: HolidayScope;
  name: LocalizedText;
  date: string | null;
  month: number | null;
  day: number | null;
  easterOffset: number | null;
  fromYear: number | null;
  untilYear: number | null;
  law: string | null;
}

/** The city's calendar settings. */
export interface CalendarSettings {
  timeZone: string;
  hours: WeeklyHours;
  skippedNational: string[];
}

interface HolidayRow {
  id: number;
  scope: HolidayScope;
  name: LocalizedText;
  on_date: string | null;
  month: number | null;
  day: number | null;
  easter_offset: number | null;
  from_year: number | null;
  until_year: number | null;
  law: string | null;
}

const HOLIDAY_COLUMNS = `id, scope, name, on_date::text AS on_date, month, day, easter_offset, from_year, until_year,
       law`;

function toRecord(row: HolidayRow): HolidayRecord {
  return {
    id: row.id,
    scope: row.scope,
    name: row.name,
    date: row.on_date,
    month: row.month,
    day: row.day,
    easterOffset: row.easter_offset,
    fromYear: row.from_year,
    untilYear: row.until_year,
    law: row.law,
  };
}

/** Every configured holiday rule, in a stable order. */
export async function listHolidayRules(sql: Sql): Promise<HolidayRecord[]> {
  const rows = await sql.query<HolidayRow>(`SELECT ${HOLIDAY_COLUMNS} FROM holidays ORDER BY id`);
  return rows.map(toRecord);
}

/** One configured holiday rule, or undefined. */
export async function findHolidayRule(sql: Sql, id: number): Promise<HolidayRecord | undefined> {
  const rows = await sql.query<HolidayRow>(`SELECT ${HOLIDAY_COLUMNS} FROM holidays WHERE id = $1`, [id]);
  return rows[0] ? toRecord(rows[0]) : undefined;
}

/** The city's calendar settings (the migration writes the one row). */
export async function readCalendarSettings(sql: Sql): Promise<CalendarSettings> {
  const rows = await sql.query<{
    time_zone: string;
    business_hours: WeeklyHours;
    skipped_national: string[];
  }>("SELECT time_zone, business_hours, skipped_national FROM calendar_settings");
  const row = rows[0];
  if (!row) throw new Error("calendar_settings has no row: run the migrations");
  return { timeZone: row.time_zone, hours: row.business_hours, skippedNational: row.skipped_national };
}

/** A configured rule as a domain rule; its key "db:<id>" ties a listed date back to the row. */
export function ruleOf(record: HolidayRecord): HolidayRule {
  const span = {
    key: `db:${record.id}`,
    scope: record.scope,
    fromYear: record.fromYear,
    untilYear: record.untilYear,
  };
  if (record.date !== null) return { ...span, date: record.date };
  if (record.easterOffset !== null) return { ...span, easterOffset: record.easterOffset };
  return { ...span, month: record.month ?? 1, day: record.day ?? 1 };
}

/** The national days the city observes plus its configured ones. */
export function rulesOf(settings: CalendarSettings, records: readonly HolidayRecord[]): HolidayRule[] {
  const skipped = new Set(settings.skippedNational);
  return [...NATIONAL_HOLIDAYS.filter((h) => !skipped.has(h.key)), ...records.map(ruleOf)];
}

/** The BusinessCalendar of given settings and rules. */
export function calendarOf(settings: CalendarSettings, records: readonly HolidayRecord[]): BusinessCalendar {
  return {
    timeZone: settings.timeZone,
    hours: settings.hours,
    isHoliday: holidayChecker(rulesOf(settings, records)),
  };
}

/**
 * How long a process reuses the calendar it read. Several processes share one database and only the one that
 * changes the calendar forgets its copy at once, so the others see a change within this many milliseconds.
 */
export const CALENDAR_CACHE_MS = 10_000;

const calendars = perPoolCache(CALENDAR_CACHE_MS, (db) =>
  Promise.all([readCalendarSettings(db), listHolidayRules(db)]).then(([s, r]) => calendarOf(s, r)),
);

/** The city's calendar, read at most once per CALENDAR_CACHE_MS per process (the same object in between). */
export function loadCalendar(db: Sql, now = Date.now()): Promise<BusinessCalendar> {
  return calendars.get(db, now);
}

/** Drops this process's cached calendar of `db`, after a change to it. */
export function forgetCalendar(db: Sql): void {
  calendars.forget(db);
}
