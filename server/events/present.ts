/**
 * The JSON messages of the event streams. Staff get a timeline event whole (with who did it) and alarms; the
 * public stream gets only what the public view of a demand already shows of its public events.
 */
import { redactPublicDeep } from "../public-data/redact.ts";
import type { LiveAlarmRow, LiveEventRow } from "./queries.ts";

/** A timeline event for staff consoles. */
export function presentStaffEvent(e: LiveEventRow) {
  return {
    kind: "event" as const,
    id: e.id,
    type: e.type,
    protocol: e.protocol,
    at: e.at.toISOString(),
    actor: { kind: e.actor_kind, id: e.actor_id },
    visibility: e.visibility,
    data: e.data,
  };
}

/**
 * A public timeline event for the tracking page: the same fields as the public view's timeline, no actor id, and
 * its data through the one redaction rule with what is known of the demand's people.
 */
export function presentPublicEvent(e: LiveEventRow) {
  return {
    kind: "event" as const,
    id: e.id,
    type: e.type,
    protocol: e.protocol,
    at: e.at.toISOString(),
    actor: e.actor_kind,
    visibility: e.visibility,
    data: redactPublicDeep(e.data, e.known),
  };
}

/** An alarm for staff dashboards, typed `alarm.raised` so `?types=` filters it like any event. */
export function presentAlarm(a: LiveAlarmRow) {
  return {
    kind: "alarm" as const,
    id: a.id,
    type: ALARM_TYPE,
    alarm: a.kind,
    level: a.level,
    protocol: a.protocol,
    workOrderId: a.work_order_id,
    departmentId: a.department_id,
    at: a.raised_at.toISOString(),
    data: a.data,
  };
}

/** The type alarms carry in the streams. */
export const ALARM_TYPE = "alarm.raised";

/** Sent instead of a replay too long to send: the client reloads what it shows, then follows live. */
export const RESET_MESSAGE = { kind: "reset" as const };
