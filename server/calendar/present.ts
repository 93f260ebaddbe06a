/** The JSON shapes of the calendar concept that leave the server. */
import { holidaysIn, NATIONAL_HOLIDAYS } from "../../domain/business-time-holidays.ts";
import { type Locale, pickLocalized, translate } from "../i18n.ts";
import { type CalendarSettings, type HolidayRecord, rulesOf } from "./queries.ts";
import type { CalendarSettingsView, HolidayRuleView, HolidayView } from "./schemas.ts";

/** Every holiday the city observes in `year`, national and configured, by date, named in `locale`. */
export function presentHolidays(
  year: number,
  settings: CalendarSettings,
  records: readonly HolidayRecord[],
  locale: Locale,
): HolidayView[] {
  const byId = new Map(records.map((r) => [`db:${r.id}`, r]));
  return holidaysIn(year, rulesOf(settings, records)).map((h) => {
    const record = byId.get(h.key);
    return {
      date: h.date,
      scope: h.scope,
      name: record ? pickLocalized(record.name, locale) : translate(locale, `calendar.holidays.${h.key}`),
      key: record ? null : h.key,
      id: record ? record.id : null,
    };
  });
}

/** A configured holiday rule. */
export function presentHolidayRule(record: HolidayRecord): HolidayRuleView {
  return {
    id: record.id,
    scope: record.scope,
    name: record.name,
    date: record.date,
    month: record.month,
    day: record.day,
    easterOffset: record.easterOffset,
    fromYear: record.fromYear,
    untilYear: record.untilYear,
    law: record.law,
  };
}

/** The city's calendar settings, with the national keys that may be skipped. */
export function presentCalendarSettings(settings: CalendarSettings): CalendarSettingsView {
  return {
    timeZone: settings.timeZone,
    hours: settings.hours as CalendarSettingsView["hours"],
    skippedNational: settings.skippedNational,
    nationalKeys: NATIONAL_HOLIDAYS.map((h) => h.key),
  };
}
