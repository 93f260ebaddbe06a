/** Input and output schemas of department systems (Open311 endpoints of departments); they also feed OpenAPI. */
import { z } from "zod";

/** What an update of a department's system does to the work order here. */
export const UpdateAction = z.enum(["accept", "start", "answer", "return", "note"]);
export type UpdateAction = z.infer<typeof UpdateAction>;

const Code = z.string().trim().min(1).max(100);

/** The body of PUT /api/v1/department-systems/:code: the department's GeoReport v2 endpoint, replaced whole. */
export const SystemInput = z.object({
  /** The GeoReport v2 base URL (http or https), e.g. `https://sistema.secretaria.example/open311/v2/`. */
  baseUrl: z
    .url({ protocol: /^https?$/ })
    .max(500)
    .refine((u) => {
      // Zod runs this even when the URL check above failed: an unparsable text is that check's finding, not a throw.
      if (!URL.canParse(u)) return true;
      const url = new URL(u);
      return !url.username && !url.password && !url.hash && !url.search;
    }, "no credentials, query or fragment in the base URL"),
  /** Which of the spec's formats the endpoint is spoken in. */
  format: z.enum(["xml", "json"]),
  /** The api_key their system gave us; required when the endpoint is first set, kept when left out later. */
  apiKey: z.string().min(1).max(500).optional(),
  /** Their jurisdiction_id, when their system serves several. */
  jurisdictionId: z.string().trim().min(1).max(200).nullable().default(null),
  /** Our service code → their service_code. */
  serviceCodes: z.record(Code, Code).default({}),
  /** Their service_code for our services missing from `serviceCodes`; null sends only the mapped ones. */
  defaultServiceCode: Code.nullable().default(null),
  /** Their status (any case) → what it does here, over the built-in table; e.g. `{"ACTION_SCHEDULED": "start"}`. */
  statusActions: z.record(z.string().trim().min(1).max(100), UpdateAction).default({}),
  /** false: new work orders of the department stay in Responsiva only, and nothing is pulled. */
  active: z.boolean().default(true),
  /** How often servicerequestupdates is pulled, in seconds (30 to 86400); 0 for push only. */
  pullIntervalSeconds: z
    .number()
    .int()
    .refine((n) => n === 0 || (n >= 30 && n <= 86_400), "0, or between 30 and 86400")
    .default(300),
  /** true makes a new push secret (the old one stops working); it is shown once in the answer. */
  rotatePushSecret: z.boolean().default(false),
});
export type SystemInput = z.infer<typeof SystemInput>;

/** The path of the routes about one department's system. */
export const SystemParams = z.object({
  /** The department's code (URL-encoded when it holds "/"). */
  code: z.string().min(1).max(40),
});

/** A department's system as admins see it: the api_key only by its last characters. */
export const SystemView = z.object({
  department: z.string(),
  protocol: z.literal("open311"),
  baseUrl: z.string(),
  format: z.enum(["xml", "json"]),
  /** The api_key masked, e.g. `••••••3f9a`. */
  apiKey: z.string(),
  jurisdictionId: z.string().nullable(),
  serviceCodes: z.record(z.string(), z.string()),
  defaultServiceCode: z.string().nullable(),
  statusActions: z.record(z.string(), UpdateAction),
  active: z.boolean(),
  pullIntervalSeconds: z.number(),
  /** Where their system POSTs its updates (servicerequestupdates), with the push secret as api_key. */
  pushUrl: z.string(),
  /** The push secret, only in the answer that made it. */
  pushSecret: z.string().optional(),
  lastPulledAt: z.string().nullable(),
  lastPullError: z.string().nullable(),
  /** Orders by state of their sending: queued, token, sent, failed, cancelled. */
  orders: z.record(z.string(), z.number()),
});
export type SystemView = z.infer<typeof SystemView>;

/**
 * An update their system POSTs to us, in the fields FixMyStreet's post_service_request_update sends
 * (form-urlencoded or JSON); `api_key` is the push secret.
 */
export const PushedUpdate = z.object({
  api_key: z.string().min(1).max(500),
  jurisdiction_id: z.string().max(200).optional(),
  update_id: z.coerce.string().trim().min(1).max(200),
  service_request_id: z.coerce.string().trim().min(1).max(200),
  status: z.string().trim().min(1).max(100),
  updated_datetime: z.string().max(64).optional(),
  description: z.string().max(10_000).default(""),
  external_status_code: z.coerce.string().max(100).optional(),
  media_url: z.string().max(2000).optional(),
});
export type PushedUpdate = z.infer<typeof PushedUpdate>;
