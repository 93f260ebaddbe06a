/**
 * The deadline a citizen is told before and after filing: the service's own, or the ombudsman law's 30 days for
 * complaints, reports, compliments and suggestions (the same choice the demand's clock makes when it starts), and
 * the words for it ("20 dias úteis") chosen with the language's plural rules. Pure: the portal and the server's
 * messages share it, each with its own translator.
 */
import type { DeadlineSpec } from "./business-time.ts";
import { isOmbudsmanType, OMBUDSMAN_DEADLINE } from "./business-time-legal.ts";

/** The deadline of a demand of a service: the ombudsman law's for ombudsman types, else the service's. */
export function demandDeadlineOf(service: { demandType: string; deadline: DeadlineSpec }): DeadlineSpec {
  return isOmbudsmanType(service.demandType) ? OMBUDSMAN_DEADLINE : service.deadline;
}

/**
 * The text key and parameters that say a deadline in `locale`: `ui.deadline.<unit>_one` or `_other` (under `web.`
 * in locales/), by Intl.PluralRules, so "1 dia útil" and "20 dias úteis" both read right.
 */
export function deadlineTextKey(
  spec: DeadlineSpec,
  locale: string,
): { key: string; params: { count: number } } {
  const form = pluralRules(locale).select(spec.amount) === "one" ? "one" : "other";
  return { key: `ui.deadline.${spec.unit}_${form}`, params: { count: spec.amount } };
}

/**
 * A due instant as people of the city read it, in its time zone (IANA, the calendar's): the date, and the time too
 * for deadlines counted in hours.
 */
export function formatDueDate(due: Date, spec: DeadlineSpec, locale: string, timeZone: string): string {
  const withTime = spec.unit === "business_hours";
  const key = `${locale}|${timeZone}|${withTime}`;
  let format = dueFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, {
      timeZone,
      dateStyle: "long",
      ...(withTime ? { timeStyle: "short" } : {}),
    });
    dueFormats.set(key, format);
  }
  return format.format(due);
}

// Building an Intl formatter costs far more than using one (every message and intake answer says a date): one
// per locale, zone and style, for the life of the process (a handful of each).
const dueFormats = new Map<string, Intl.DateTimeFormat>();
const plurals = new Map<string, Intl.PluralRules>();

function pluralRules(locale: string): Intl.PluralRules {
  let rules = plurals.get(locale);
  if (!rules) {
    rules = new Intl.PluralRules(locale);
    plurals.set(locale, rules);
  }
  return rules;
}
