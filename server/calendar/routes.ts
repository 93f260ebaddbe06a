/** HTTP routes of the calendar concept: the holidays of a year, configured holidays, and the calendar settings. */
import type { FastifyInstance } from "fastify";
import { localDateAt } from "../../domain/business-time.ts";
import { auditActorOf } from "../audit/record.ts";
import { route, validate } from "../http/openapi.ts";
import { createHoliday, deleteHoliday, updateCalendarSettings } from "./commands.ts";
import { presentCalendarSettings, presentHolidayRule, presentHolidays } from "./present.ts";
import { listHolidayRules, readCalendarSettings } from "./queries.ts";
import {
  CalendarSettingsInput,
  CalendarSettingsView,
  HolidayInput,
  HolidayListQuery,
  HolidayParams,
  HolidayRuleView,
  HolidayView,
} from "./schemas.ts";

/** Registers the calendar routes. */
export async function registerCalendarRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/calendar/holidays",
      summary: "The holidays the city observes in a year: national, state, municipal and one-off days off",
      tag: "calendar",
      action: "public",
      query: HolidayListQuery,
      responses: { 200: { description: "Holidays by date", schema: HolidayView.array() } },
    },
    async (req) => {
      const query = validate(HolidayListQuery, req.query);
      const [settings, records] = await Promise.all([readCalendarSettings(db), listHolidayRules(db)]);
      const year = query.year ?? Number(localDateAt(new Date(), settings.timeZone).slice(0, 4));
      return presentHolidays(year, settings, records, req.locale);
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/calendar/holidays",
      summary: "Add a state, municipal or one-off holiday",
      tag: "calendar",
      action: "calendar.manage",
      body: HolidayInput,
      responses: {
        201: { description: "Created", schema: HolidayRuleView },
        409: { description: "holiday_exists" },
      },
    },
    async (req, reply) => {
      const record = await createHoliday(db, validate(HolidayInput, req.body), auditActorOf(req));
      reply.status(201);
      return presentHolidayRule(record);
    },
  );

  route(
    app,
    {
      method: "DELETE",
      path: "/api/v1/calendar/holidays/:id",
      summary: "Delete a configured holiday",
      tag: "calendar",
      action: "calendar.manage",
      responses: { 204: { description: "Deleted" }, 404: { description: "unknown_holiday" } },
    },
    async (req, reply) => {
      const { id } = validate(HolidayParams, req.params);
      await deleteHoliday(db, id, auditActorOf(req));
      reply.status(204);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/calendar/settings",
      summary: "The city's time zone, opening hours and the national days it works on",
      tag: "calendar",
      action: "public",
      responses: { 200: { description: "Settings", schema: CalendarSettingsView } },
    },
    async () => presentCalendarSettings(await readCalendarSettings(db)),
  );

  route(
    app,
    {
      method: "PUT",
      path: "/api/v1/calendar/settings",
      summary: "Change the city's time zone, opening hours and skipped national days",
      tag: "calendar",
      action: "calendar.manage",
      body: CalendarSettingsInput,
      responses: {
        200: { description: "Settings", schema: CalendarSettingsView },
        422: { description: "unknown_time_zone or invalid_business_hours" },
      },
    },
    async (req) =>
      presentCalendarSettings(
        await updateCalendarSettings(db, validate(CalendarSettingsInput, req.body), auditActorOf(req)),
      ),
  );
}
