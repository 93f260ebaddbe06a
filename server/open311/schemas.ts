/**
 * Inputs of the GeoReport v2 routes, under the spec's own parameter names. Open311 says an optional argument
 * passed empty is the same as one not passed, so empty strings are dropped before checking; form fields sent
 * twice keep their first value (only `attribute[CODE][]` is a list).
 */
import { z } from "zod";
import { AppError } from "../errors.ts";

/** Statuses a client may send in POST servicerequestupdates: the spec's two and FixMyStreet's extended ones. */
export const UPDATE_STATUSES = [
  "open",
  "closed",
  "fixed",
  "in_progress",
  "action_scheduled",
  "investigating",
  "duplicate",
  "not_councils_responsibility",
  "no_further_action",
  "internal_referral",
  "reopen",
] as const;
export type UpdateStatus = (typeof UPDATE_STATUSES)[number];

/** Drops empty values and keeps the first of repeated ones, so zod sees one string or nothing per field. */
export function cleanFields(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw || typeof raw !== "object") return out;
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined || first === null) continue;
    const text = String(first);
    if (text.trim() !== "") out[key] = text;
  }
  return out;
}

const text = (max: number) => z.string().trim().min(1).max(max);

/** POST requests: the spec's form fields (attributes are read apart, see `attributesOf`). */
export const RequestForm = z.object({
  /** The service, from GET services. */
  service_code: text(64),
  /** WGS84 latitude; sent with `long`. */
  lat: z.coerce.number().min(-90).max(90).optional(),
  /** WGS84 longitude; sent with `lat`. */
  long: z.coerce.number().min(-180).max(180).optional(),
  /** The address as the person typed it. */
  address_string: text(500).optional(),
  /** The district code (our addressing unit): where the person picked a district and no point. */
  address_id: text(16).optional(),
  email: z.string().trim().email().max(254).optional(),
  /** Accepted and not kept: a device identifier is not needed to answer anyone. */
  device_id: text(200).optional(),
  /** Accepted and not kept: this server has no accounts of its own. */
  account_id: text(200).optional(),
  first_name: text(100).optional(),
  last_name: text(100).optional(),
  phone: z.string().trim().min(8).max(30).optional(),
  description: text(10_000).optional(),
  media_url: z.string().trim().url().max(2000).optional(),
});
export type RequestForm = z.infer<typeof RequestForm>;

/**
 * The `attribute[CODE]` and `attribute[CODE][]` fields of a form, by code. A repeated single field keeps its
 * first value; the `[]` form is always a list (multivaluelist).
 */
export function attributesOf(raw: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (!raw || typeof raw !== "object") return out;
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const match = /^attribute\[([^\]]+)\](\[\])?$/.exec(key);
    if (!match?.[1]) continue;
    const values = (Array.isArray(value) ? value : [value]).map(String).filter((v) => v.trim() !== "");
    if (values.length === 0) continue;
    out[match[1]] = match[2] ? values : (values[0] as string);
  }
  return out;
}

const W3C_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * A W3C date-time with its zone ("2010-01-01T00:00:00Z", "…-03:00"); 400 `bad_date` naming the field otherwise.
 * A "+" of the offset that arrived as a space (an unencoded query string) is read as the "+" it was.
 */
export function parseW3cDate(field: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const repaired = value.trim().replace(/ (\d{2}:?\d{2})$/, "+$1");
  const date = new Date(repaired);
  if (!W3C_DATETIME.test(repaired) || Number.isNaN(date.getTime())) {
    throw new AppError(400, "bad_date", { field }, [{ field, code: "bad_date", params: { field } }]);
  }
  return date;
}

/** GET requests: the spec's filters. */
export const RequestsQuery = z.object({
  /** Protocol numbers, comma separated; overrides every other filter. */
  service_request_id: z.string().max(20_000).optional(),
  /** Service codes, comma separated. */
  service_code: z.string().max(5_000).optional(),
  start_date: z.string().max(40).optional(),
  end_date: z.string().max(40).optional(),
  /** open, closed, or both comma separated. */
  status: z.string().max(40).optional(),
});

/** GET servicerequestupdates: the window of update instants. */
export const UpdatesQuery = z.object({
  start_date: z.string().max(40).optional(),
  end_date: z.string().max(40).optional(),
});

/** POST servicerequestupdates: an update a client application sends about one of the requests. */
export const UpdateForm = z.object({
  /** The protocol number. */
  service_request_id: text(40),
  /** The client's own id of this update (FixMyStreet's comment id): a retry with it is answered, not repeated. */
  update_id: text(100).optional(),
  /** The status the client says the request has; see docs/open311.md for what each one does. */
  status: z
    .string()
    .trim()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(UPDATE_STATUSES))
    .optional(),
  description: text(10_000).optional(),
  updated_datetime: z.string().max(40).optional(),
  media_url: z.string().trim().url().max(2000).optional(),
  // Who wrote the update: accepted (FixMyStreet sends them) and not kept, like the reporter of a request.
  email: z.string().max(254).optional(),
  first_name: z.string().max(100).optional(),
  last_name: z.string().max(100).optional(),
  phone: z.string().max(30).optional(),
});
export type UpdateForm = z.infer<typeof UpdateForm>;
