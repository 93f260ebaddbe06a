/**
 * Alarms as the staff screens show them (the back-office inbox, the centre's panel): the shape GET /api/v1/alarms
 * answers, and what an alarm says in words (its kind, the clock's stage, how much of the clock had run).
 */
import type { Translate } from "./i18n.ts";

/** An alarm as GET /api/v1/alarms answers it. */
export interface Alarm {
  id: number;
  kind: string;
  level: number;
  protocol: string | null;
  workOrderId: number | null;
  department: string | null;
  data: { stage?: string; fraction?: number; dueAt?: string };
  raisedAt: string;
  acknowledgedAt: string | null;
}

/**
 * What an alarm is about, e.g. "Prazo vencido · prazo de execução · 100% do prazo". `prefix` is the screen's own
 * texts (`backoffice.alarms`, `centre.alarms`), each with `kinds.*`, `stages.*` and `fraction`.
 */
export function describeAlarm(alarm: Alarm, t: Translate, prefix: string): string {
  const parts = [t(`${prefix}.kinds.${alarm.kind}`)];
  if (alarm.data.stage) parts.push(t(`${prefix}.stages.${alarm.data.stage}`));
  if (typeof alarm.data.fraction === "number")
    parts.push(t(`${prefix}.fraction`, { percent: Math.round(alarm.data.fraction * 100) }));
  return parts.join(" · ");
}

/** The class an alarm's words take: a warning before the due instant, late after it. */
export function alarmClass(alarm: Alarm): "warn" | "late" {
  return alarm.kind === "deadline_near" ? "warn" : "late";
}
