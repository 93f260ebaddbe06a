/** Input schemas of the citizens concept; they also feed the OpenAPI document. */
import { z } from "zod";
import { pageFields } from "../http/pagination.ts";

/** The query of GET /api/v1/citizens. */
export const CitizenLookupQuery = z.object({
  /** A phone number (any format; Brazilian unless it has a country code) or an e-mail address. */
  contact: z.string().trim().min(3).max(254),
  ...pageFields(50, 200),
});
export type CitizenLookupQuery = z.infer<typeof CitizenLookupQuery>;

/** The path parameters of /api/v1/citizens/:id. */
export const CitizenParams = z.object({
  /** Id of the citizen. */
  id: z.coerce.number().int().positive(),
});
export type CitizenParams = z.infer<typeof CitizenParams>;

/** A citizen as the staff console shows it. */
export const CitizenView = z.object({
  /** Citizen id. */
  id: z.number(),
  /** Name as given, or null (never given, or erased). */
  name: z.string().nullable(),
  /** CPF digits, or null. */
  document: z.string().nullable(),
  /** Language the person is answered in. */
  locale: z.enum(["pt-BR", "en", "es"]),
  /**
   * Normalised contacts (e-mail lower case, phones as E.164 digits), each with when the person proved they hold it
   * (a code sent to it), or null: an unproven contact was only typed in, maybe by someone else.
   */
  contacts: z.array(z.object({ channel: z.string(), value: z.string(), verifiedAt: z.string().nullable() })),
  /** How many demands are linked to the person. */
  demandCount: z.number(),
  /** When the record was created (ISO 8601). */
  createdAt: z.string(),
  /** When the person was erased, or null. */
  erasedAt: z.string().nullable(),
});
export type CitizenView = z.infer<typeof CitizenView>;

/** The answer to an erasure. */
export const ErasureView = z.object({
  /** The erased citizen. */
  citizenId: z.number(),
  /** When (ISO 8601). */
  erasedAt: z.string(),
  /** How many demands were unlinked from the person (they stay counted). */
  demands: z.number(),
  /** How many of the person's own uploads were deleted (departments' evidence of the work stays). */
  attachments: z.number(),
});

/** The body of an agent's recording of a withdrawal of consent: how the person asked. */
export const ConsentWithdrawalInput = z.object({
  /** The person asked by phone, at a counter, or by letter. */
  channel: z.enum(["phone", "counter", "letter"]),
});

/** The body (JSON or form) of the one-click withdrawal link's confirmation. */
export const ConsentLinkInput = z.object({
  /** The signed token from the link in the e-mail. */
  token: z.string().min(1).max(100),
});

/** The answer to a withdrawal of consent. */
export const WithdrawalView = z.object({
  /** The citizen who withdrew. */
  citizenId: z.number(),
  /** The purposes that rested on consent and now stop (the demands in progress are still answered). */
  purposes: z.array(z.string()),
  /** Where the withdrawal came from: portal, email_link, phone, counter or letter. */
  channel: z.string(),
  /** When (ISO 8601). */
  at: z.string(),
});
