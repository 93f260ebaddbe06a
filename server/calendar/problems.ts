/** The named errors of the calendar concept. */
import { AppError, conflict, unprocessable } from "../errors.ts";

/** 404: no configured holiday has this id. */
export const holidayNotFound = (id: number) => new AppError(404, "unknown_holiday", { id });
/** 409: the same scope already has a holiday on that day. */
export const holidayExists = () => conflict("holiday_exists");
/** 422: the time zone is not an IANA name this runtime knows. */
export const unknownTimeZone = (zone: string) => unprocessable("unknown_time_zone", "timeZone", { zone });
/** 422: opening intervals overlap, run backwards, or the week has none. */
export const invalidBusinessHours = () => unprocessable("invalid_business_hours", "hours");
