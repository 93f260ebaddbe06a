/**
 * The deadline a new demand is told about at once (in the intake answer and in the "recebida" message), before the
 * route-demand job starts its clock: the same rule and the same calendar, from the demand's opening, so the date
 * promised is the date the clock will record (server/deadlines/demand-clock.ts, startDemandClock).
 */
import { addDeadline, type BusinessCalendar, type DeadlineSpec } from "../../domain/business-time.ts";
import { deadlineTextKey, demandDeadlineOf, formatDueDate } from "../../domain/deadline-text.ts";
import { loadCalendar } from "../calendar/queries.ts";
import type { Sql } from "../db/index.ts";
import { type Locale, translate } from "../i18n.ts";

/** A demand's deadline and due instant, and the city's time zone its date is said in. */
export interface ExpectedDeadline {
  deadline: DeadlineSpec;
  dueAt: Date;
  /** IANA time zone of the city's calendar. */
  timeZone: string;
}

/**
 * The deadline of a demand of `service` opened at `openedAt`, and its due instant: the one its clock recorded when
 * it has started (`recordedDue`), else the one it will record.
 */
export async function expectedDeadline(
  sql: Sql,
  service: { demandType: string; deadline: DeadlineSpec },
  openedAt: Date,
  recordedDue?: Date | null,
  known?: BusinessCalendar,
): Promise<ExpectedDeadline> {
  const deadline = demandDeadlineOf(service);
  // A caller inside a transaction passes the calendar read before it (cached per pool: a transaction is not).
  const calendar = known ?? (await loadCalendar(sql));
  const dueAt = recordedDue ?? addDeadline(openedAt, deadline, calendar);
  return { deadline, dueAt, timeZone: calendar.timeZone };
}

/** The words of a deadline and its due date in `locale`: "20 dias úteis" and "12 de março de 2026". */
export function deadlineWords(
  expected: ExpectedDeadline,
  locale: Locale,
): { deadline: string; dueDate: string } {
  const { key, params } = deadlineTextKey(expected.deadline, locale);
  return {
    deadline: translate(locale, `web.${key}`, params),
    dueDate: formatDueDate(expected.dueAt, expected.deadline, locale, expected.timeZone),
  };
}
