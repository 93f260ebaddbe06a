/** Input and output schemas of the calendar concept; they also feed the OpenAPI document. */
import { z } from "zod";
import { LocalizedText } from "../../domain/attributes.ts";
import { isLocalDate, NATIONAL_HOLIDAYS } from "../../domain/business-time-holidays.ts";

/** Where a configured holiday comes from. */
export const HolidayScope = z.enum(["state", "municipal", "extra"]);
export type HolidayScope = z.infer<typeof HolidayScope>;

const LocalDateText = z.string().refine(isLocalDate, { message: "expected a date YYYY-MM-DD" });
const Year = z.number().int().min(1900).max(2200);

/** The body of POST /api/v1/calendar/holidays: a rule of exactly one shape (date, month-day or Easter offset). */
export const HolidayInput = z
  .object({
    /** state (e.g. 9 July in São Paulo), municipal (the city's anniversary) or extra (a one-off day off). */
    scope: HolidayScope,
    /** The holiday's name per locale; pt-BR required. */
    name: LocalizedText,
    /** A single day, "YYYY-MM-DD". */
    date: LocalDateText.optional(),
    /** Every year on this month (1–12) … */
    month: z.number().int().min(1).max(12).optional(),
    /** … and this day of the month. */
    day: z.number().int().min(1).max(31).optional(),
    /** Every year this many days after Easter Sunday (negative: before), for movable religious holidays. */
    easterOffset: z.number().int().min(-100).max(100).optional(),
    /** First year a recurring rule applies. */
    fromYear: Year.optional(),
    /** Last year a recurring rule applies. */
    untilYear: Year.optional(),
    /** The act that establishes it: "Lei municipal 14.485/2007". */
    law: z.string().trim().max(200).optional(),
  })
  .refine((h) => [h.date, h.month, h.easterOffset].filter((v) => v !== undefined).length === 1, {
    path: ["date"],
    message: "give exactly one of date, month/day or easterOffset",
  })
  .refine((h) => (h.month === undefined) === (h.day === undefined), {
    path: ["day"],
    message: "month and day go together",
  })
  .refine((h) => h.fromYear === undefined || h.untilYear === undefined || h.fromYear <= h.untilYear, {
    path: ["untilYear"],
    message: "untilYear comes after fromYear",
  });
export type HolidayInput = z.infer<typeof HolidayInput>;

/** The query of GET /api/v1/calendar/holidays. */
export const HolidayListQuery = z.object({
  /** The year to list; the current year in the city when absent. */
  year: z.coerce.number().int().min(1900).max(2200).optional(),
});

/** The path of DELETE /api/v1/calendar/holidays/:id. */
export const HolidayParams = z.object({
  /** The configured holiday's id. */
  id: z.coerce.number().int().positive(),
});

const Clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/);
const Intervals = z.array(z.tuple([Clock, Clock])).max(6);

/** Opening intervals per weekday in local wall time; a day left out is closed. */
export const BusinessHours = z.object({
  mon: Intervals.optional(),
  tue: Intervals.optional(),
  wed: Intervals.optional(),
  thu: Intervals.optional(),
  fri: Intervals.optional(),
  sat: Intervals.optional(),
  sun: Intervals.optional(),
});

/** The body of PUT /api/v1/calendar/settings. */
export const CalendarSettingsInput = z.object({
  /** IANA time zone of the city, e.g. "America/Sao_Paulo". */
  timeZone: z.string().min(1).max(64),
  /** Opening hours per weekday: {"mon": [["08:00", "18:00"]], …}. */
  hours: BusinessHours,
  /** Keys of national days the city works on anyway (e.g. "carnival_monday"). */
  skippedNational: z
    .array(z.enum(NATIONAL_HOLIDAYS.map((h) => h.key) as [string, ...string[]]))
    .max(20)
    .default([]),
});
export type CalendarSettingsInput = z.infer<typeof CalendarSettingsInput>;

/** The city's calendar settings as the API shows them. */
export const CalendarSettingsView = z.object({
  timeZone: z.string(),
  hours: BusinessHours,
  skippedNational: z.array(z.string()),
  /** Every national day's key, for choosing which to skip. */
  nationalKeys: z.array(z.string()),
});
export type CalendarSettingsView = z.infer<typeof CalendarSettingsView>;

/** One holiday on one date of the year listed. */
export const HolidayView = z.object({
  date: z.string(),
  scope: z.enum(["national", "state", "municipal", "extra"]),
  /** The name in the request's language. */
  name: z.string(),
  /** The national day's key ("carnival_monday"); null for a configured holiday. */
  key: z.string().nullable(),
  /** The configured holiday's id (for deleting it); null for a national day. */
  id: z.number().int().nullable(),
});
export type HolidayView = z.infer<typeof HolidayView>;

/** A configured holiday rule as the API shows it after creating it. */
export const HolidayRuleView = z.object({
  id: z.number().int(),
  scope: HolidayScope,
  name: LocalizedText,
  date: z.string().nullable(),
  month: z.number().int().nullable(),
  day: z.number().int().nullable(),
  easterOffset: z.number().int().nullable(),
  fromYear: z.number().int().nullable(),
  untilYear: z.number().int().nullable(),
  law: z.string().nullable(),
});
export type HolidayRuleView = z.infer<typeof HolidayRuleView>;
