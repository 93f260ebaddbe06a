/** Input and output schemas of the API clients admin; they also feed the OpenAPI document. */
import { z } from "zod";

/** The body of POST /api/v1/api-clients. */
export const ApiClientInput = z.object({
  /** The application's name as admins will recognise it: "FixMyStreet Brasil", "App Cidadão". */
  name: z.string().trim().min(1).max(200),
  /** Who answers for the application: an e-mail or a team. */
  contact: z.string().trim().min(1).max(254).nullable().default(null),
  /** Requests a minute the application may make, summed over every app process. */
  rateLimitPerMinute: z.number().int().min(1).max(1_000_000).default(600),
});
export type ApiClientInput = z.infer<typeof ApiClientInput>;

/** The body of PATCH /api/v1/api-clients/:id: only the fields given change. */
export const ApiClientPatch = z.object({
  /** New name. */
  name: z.string().trim().min(1).max(200).optional(),
  /** New contact; null removes it. */
  contact: z.string().trim().min(1).max(254).nullable().optional(),
  /** New limit. */
  rateLimitPerMinute: z.number().int().min(1).max(1_000_000).optional(),
});
export type ApiClientPatch = z.infer<typeof ApiClientPatch>;

/** The path parameters of one client's routes. */
export const ApiClientParams = z.object({ id: z.coerce.number().int().positive() });

/** An API client as admins see it: never the key, only its first characters. */
export const ApiClientView = z.object({
  id: z.number(),
  name: z.string(),
  contact: z.string().nullable(),
  keyPrefix: z.string(),
  rateLimitPerMinute: z.number(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});

/** The answer to creating a client: the key, shown this once. */
export const IssuedKeyView = z.object({ client: ApiClientView, key: z.string() });
