/** The named errors of the catalogue concept. */
import { AppError, conflict, unprocessable } from "../errors.ts";

/** 404: no service has this public code. */
export const unknownService = (code: string) => new AppError(404, "unknown_service", { code });
/** 422: a field names a service that does not exist. */
export const unknownServiceField = (field: string, code: string) =>
  unprocessable("unknown_service", field, { code });
/** 422: a field names a service group that does not exist. */
export const unknownGroup = (field: string, code: string) => unprocessable("unknown_group", field, { code });
/** 409: another service already has this code. */
export const serviceCodeTaken = (code: string) => conflict("service_code_taken", { code });
