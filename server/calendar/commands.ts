/** Changes to the city's calendar, one transaction each: configured holidays and the settings. */
import { checkCalendar } from "../../domain/business-time.ts";
import { type AuditActor, recordAudit } from "../audit/record.ts";
import { type Db, isUniqueViolation, one } from "../db/index.ts";
import { holidayExists, holidayNotFound, invalidBusinessHours, unknownTimeZone } from "./problems.ts";
import {
  type CalendarSettings,
  findHolidayRule,
  forgetCalendar,
  type HolidayRecord,
  readCalendarSettings,
} from "./queries.ts";
import type { CalendarSettingsInput, HolidayInput } from "./schemas.ts";

/** Adds a state, municipal or extra holiday; 409 when its scope already has one on that day. */
export async function createHoliday(db: Db, input: HolidayInput, actor: AuditActor): Promise<HolidayRecord> {
  try {
    const record = await db.transaction(async (tx) => {
      const row = await one<{ id: number }>(
        tx,
        `INSERT INTO holidays (scope, name, on_date, month, day, easter_offset, from_year, until_year, law)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [
          input.scope,
          JSON.stringify(input.name),
          input.date ?? null,
          input.month ?? null,
          input.day ?? null,
          input.easterOffset ?? null,
          input.fromYear ?? null,
          input.untilYear ?? null,
          input.law || null,
        ],
      );
      const created = await findHolidayRule(tx, row.id);
      if (!created) throw holidayNotFound(row.id);
      await recordAudit(tx, actor, {
        action: "holiday.created",
        entityType: "holiday",
        entityId: row.id,
        after: created,
      });
      return created;
    });
    forgetCalendar(db);
    return record;
  } catch (error) {
    if (isUniqueViolation(error, "holidays_rule_idx")) throw holidayExists();
    throw error;
  }
}

/** Deletes a configured holiday; 404 when unknown. National days are not rows: skip them in the settings. */
export async function deleteHoliday(db: Db, id: number, actor: AuditActor): Promise<void> {
  await db.transaction(async (tx) => {
    const before = await findHolidayRule(tx, id);
    if (!before) throw holidayNotFound(id);
    await tx.query("DELETE FROM holidays WHERE id = $1", [id]);
    await recordAudit(tx, actor, { action: "holiday.deleted", entityType: "holiday", entityId: id, before });
  });
  forgetCalendar(db);
}

/** Replaces the city's time zone, opening hours and skipped national days; 422 when they cannot be used. */
export async function updateCalendarSettings(
  db: Db,
  input: CalendarSettingsInput,
  actor: AuditActor,
): Promise<CalendarSettings> {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: input.timeZone });
  } catch {
    throw unknownTimeZone(input.timeZone);
  }
  // The database reads the zone too (the protocol's year, city_local_time: migration 0047), so it must know it.
  const known = await db.query<{ known: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1) AS known",
    [input.timeZone],
  );
  if (!known[0]?.known) throw unknownTimeZone(input.timeZone);
  try {
    checkCalendar({ timeZone: input.timeZone, hours: input.hours, isHoliday: () => false });
  } catch {
    throw invalidBusinessHours();
  }
  const after = await db.transaction(async (tx) => {
    const before = await readCalendarSettings(tx);
    await tx.query(
      `UPDATE calendar_settings
          SET time_zone = $1, business_hours = $2, skipped_national = $3, updated_at = now()`,
      [input.timeZone, JSON.stringify(input.hours), input.skippedNational],
    );
    const after = await readCalendarSettings(tx);
    await recordAudit(tx, actor, {
      action: "calendar_settings.updated",
      entityType: "calendar_settings",
      entityId: "city",
      before,
      after,
    });
    return after;
  });
  forgetCalendar(db);
  return after;
}
