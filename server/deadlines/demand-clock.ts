/**
 * The demand's own clock: the service's deadline, or the ombudsman legal 30 days for complaints, reports,
 * compliments and suggestions, started when the demand is routed or dispatched (whichever comes first), with what a
 * transaction needs from outside it (the city's calendar and the alarm rules) loaded once before it.
 */
import type { BusinessCalendar } from "../../domain/business-time.ts";
import { isOmbudsmanType, OMBUDSMAN_DEADLINE } from "../../domain/business-time-legal.ts";
import { loadCalendar } from "../calendar/queries.ts";
import { type ServiceTerms, serviceSpec } from "../catalogue/terms.ts";
import type { Db, Sql } from "../db/index.ts";
import type { LockedDemand } from "../demands/transitions.ts";
import { type AlarmRule, cachedAlarmRules, startDeadlines } from "./commands.ts";

/** What a command needs from outside its transaction: the city's calendar and the alarm rules. */
export interface Clocks {
  cal: BusinessCalendar;
  rules: AlarmRule[];
}

/** Reads the calendar and the alarm rules, before a transaction that starts clocks. */
export async function loadClocks(db: Db): Promise<Clocks> {
  const [cal, rules] = await Promise.all([loadCalendar(db), cachedAlarmRules(db)]);
  return { cal, rules };
}

/**
 * Starts a demand's own clock from its opening, unless one runs already; records the due instant on the demand.
 * One statement: the check, the clock, its alarm instants and the demand's due instant.
 */
export async function startDemandClock(tx: Sql, clocks: Clocks, demand: LockedDemand, service: ServiceTerms) {
  const spec = isOmbudsmanType(service.demand_type) ? OMBUDSMAN_DEADLINE : serviceSpec(service);
  // A reopened demand gets a fresh clock from the reopening.
  const startedAt = demand.status === "reopened" ? new Date() : demand.opened_at;
  const due = await startDeadlines(
    tx,
    clocks.cal,
    clocks.rules,
    [{ demandId: demand.id, stage: "demand", spec, departmentId: demand.department_id, startedAt }],
    { unlessDemandClockRuns: true },
  );
  if (due.started[0]) demand.due_at = due[0] as Date;
}
