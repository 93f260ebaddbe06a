/**
 * The deadlines the law sets, as data and small helpers over business-time.ts: the ombudsman's answer (Lei
 * 13.460/2017 art. 16: 30 days, extendable once by 30 with an express reason) and the citizen's time to send a
 * complement the department asked for (Decreto 9.492/2018 art. 18: 20 days, while the department's clock waits).
 */
import { addDeadline, type BusinessCalendar, type DeadlineSpec } from "./business-time.ts";

/** Lei 13.460/2017 art. 16: the ombudsman answers a manifestation within 30 days. */
export const OMBUDSMAN_DEADLINE: DeadlineSpec = { amount: 30, unit: "calendar_days" };

/** Lei 13.460/2017 art. 16: the 30 days may be extended once, by as many days, with an express reason. */
export const OMBUDSMAN_EXTENSION: DeadlineSpec = { amount: 30, unit: "calendar_days" };

/** How many extensions the law allows. */
export const OMBUDSMAN_MAX_EXTENSIONS = 1;

/** Decreto 9.492/2018 art. 18: the citizen has 20 days to send the complement asked for. */
export const COMPLEMENT_WAIT: DeadlineSpec = { amount: 20, unit: "calendar_days" };

/** The demand types that are ombudsman manifestations (reclamação, denúncia, elogio, sugestão). */
export const OMBUDSMAN_DEMAND_TYPES = ["complaint", "report", "compliment", "suggestion"] as const;

/** True when a demand type is answered under the ombudsman law's deadline. */
export function isOmbudsmanType(type: string): boolean {
  return (OMBUDSMAN_DEMAND_TYPES as readonly string[]).includes(type);
}

/** When the ombudsman must answer a manifestation received at `receivedAt`. */
export function ombudsmanDue(receivedAt: Date, cal: BusinessCalendar): Date {
  return addDeadline(receivedAt, OMBUDSMAN_DEADLINE, cal);
}

/** The outcome of asking for an extension: the new due instant, or why the law refuses it. */
export type ExtensionOutcome =
  | { ok: true; due: Date; extensions: number }
  | { ok: false; reason: "already_extended" | "reason_required" };

/**
 * Extends an ombudsman deadline by 30 days counted from the current due day (so the answer may take 60 days in
 * all); refused when it was already extended once or when no reason is given.
 */
export function extendOmbudsmanDue(
  due: Date,
  extensionsSoFar: number,
  reason: string,
  cal: BusinessCalendar,
): ExtensionOutcome {
  if (extensionsSoFar >= OMBUDSMAN_MAX_EXTENSIONS) return { ok: false, reason: "already_extended" };
  if (reason.trim().length === 0) return { ok: false, reason: "reason_required" };
  return { ok: true, due: addDeadline(due, OMBUDSMAN_EXTENSION, cal), extensions: extensionsSoFar + 1 };
}

/** Until when the citizen may send the complement asked for at `askedAt`; after it the demand may be closed. */
export function complementDue(askedAt: Date, cal: BusinessCalendar): Date {
  return addDeadline(askedAt, COMPLEMENT_WAIT, cal);
}
