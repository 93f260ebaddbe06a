/**
 * Named errors with an HTTP status and a stable code, and the one renderer that turns any of them into an
 * RFC 9457 problem+json body in the caller's language.
 */
import { hasText, type Locale, translate } from "./i18n.ts";

/** One problem with one field of the input. */
export interface FieldProblem {
  /** JSON pointer-ish path of the field: "location.lat", "attributes.tree_height". */
  field: string;
  /** Stable snake_case code. */
  code: string;
  /** Message key in locales/, with its parameters. */
  key?: string;
  params?: Record<string, string | number>;
}

/** An error the API reports to its caller as a problem document. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly params: Record<string, string | number> = {},
    readonly fields: FieldProblem[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(code);
  }
}

/** 400: the body or query failed validation. */
export const invalidInput = (fields: FieldProblem[]) => new AppError(400, "invalid_input", {}, fields);
/** 400: the body is not JSON at all. */
export const invalidJson = () => new AppError(400, "invalid_json");
/** 404: nothing of that kind with that id. */
export const notFound = (what: string) => new AppError(404, "not_found", { what });
/** 401: no valid staff session. */
export const unauthenticated = () => new AppError(401, "unauthenticated");
/** 403: the staff member's role may not do this. */
export const forbidden = () => new AppError(403, "forbidden");
/** 422: a field is well-formed but breaks a rule of the domain. */
export const unprocessable = (code: string, field?: string, params: Record<string, string | number> = {}) =>
  new AppError(422, code, params, field ? [{ field, code }] : []);
/** 409: the request conflicts with the current state. */
export const conflict = (code: string, params: Record<string, string | number> = {}) =>
  new AppError(409, code, params);
/** 429: too many attempts; retry later. */
export const tooManyRequests = (retryAfterSeconds: number) =>
  new AppError(429, "too_many_requests", { seconds: retryAfterSeconds }, [], {
    "retry-after": String(retryAfterSeconds),
  });

/** 503: the database cannot be reached right now (restarting, refused, no connection free); retry later. */
export const serviceUnavailable = (retryAfterSeconds = 5) =>
  new AppError(503, "service_unavailable", { seconds: retryAfterSeconds }, [], {
    "retry-after": String(retryAfterSeconds),
  });

/**
 * Parameters that are codes of a status, shown to people by their name: the key prefix under which locales/ names
 * each value ("accepted" → "Aceita"). A value with no name stays as it is.
 */
const NAMED_PARAMS: Record<string, Record<string, string>> = {
  illegal_transition: { from: "status", to: "status" },
  illegal_work_order_transition: { from: "work_order_states", to: "work_order_states" },
};

function paramsFor(error: AppError, locale: Locale): Record<string, string | number> {
  const named = NAMED_PARAMS[error.code];
  if (!named) return error.params;
  const out = { ...error.params };
  for (const [param, prefix] of Object.entries(named)) {
    const key = `${prefix}.${out[param]}`;
    if (param in out && hasText(key)) out[param] = translate(locale, key);
  }
  return out;
}

/** The problem+json body of an error (RFC 9457), texts in the given locale. */
export function renderProblem(error: AppError, locale: Locale, instance?: string) {
  const params = paramsFor(error, locale);
  return {
    type: `https://responsiva.dev/problems/${error.code.replaceAll("_", "-")}`,
    title: translate(locale, `problems.${error.code}.title`, params),
    status: error.status,
    detail: translate(locale, `problems.${error.code}.detail`, params),
    code: error.code,
    ...(instance ? { instance } : {}),
    ...(error.fields.length > 0
      ? {
          errors: error.fields.map((f) => ({
            field: f.field,
            code: f.code,
            detail: fieldDetail(f, error, locale),
          })),
        }
      : {}),
  };
}

// A field's message: its own text when locales/ has one, else the problem's detail, else "invalid value": a code
// with no text of its own (a refinement's "custom", a union's) never reaches a person as a raw message key.
function fieldDetail(f: FieldProblem, error: AppError, locale: Locale): string {
  const key = f.key ?? `fields.${f.code}`;
  if (hasText(key)) return translate(locale, key, f.params ?? {});
  if (hasText(`problems.${f.code}.detail`))
    return translate(locale, `problems.${f.code}.detail`, { ...error.params, ...(f.params ?? {}) });
  return translate(locale, "fields.invalid_value");
}
