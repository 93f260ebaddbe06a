/** The named errors of the organisation concept. */
import { AppError, conflict, unprocessable } from "../errors.ts";

/** 404: no department has this code. */
export const departmentNotFound = (code: string) => new AppError(404, "unknown_department", { code });
/** 422: a field names a department that does not exist. */
export const unknownDepartment = (field: string, code: string) =>
  unprocessable("unknown_department", field, { code });
/** 422: a field names a subprefeitura or district that does not exist. */
export const unknownArea = (field: string, code: string) => unprocessable("unknown_area", field, { code });
/** 409: another department already has this code. */
export const departmentCodeTaken = (code: string) => conflict("department_code_taken", { code });
/** 404: no rule of the matrix has this id. */
export const ruleNotFound = (id: number) => new AppError(404, "unknown_rule", { id });
/** 409: the matrix must keep one city-wide rule for any service, or some demands would have nowhere to go. */
export const fallbackRequired = () => conflict("fallback_required");
