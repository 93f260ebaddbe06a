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
  const form = new Intl.PluralRules(locale).select(spec.amount) === "one" ? "one" : "other";
  return { key: `ui.deadline.${spec.unit}_${form}`, params: { count: spec.amount } };
}

/**
 * A due instant as people of the city read it, in its time zone (IANA, the calendar's): the date, and the time too
 * for deadlines counted in hours.
 */
export function formatDueDate(due: Date, spec: DeadlineSpec, locale: string, timeZone: string): string {
  return due.toLocaleString(locale, {
    timeZone,
    dateStyle: "long",
    ...(spec.unit === "business_hours" ? { timeStyle: "short" } : {}),
  });
}
