/**
 * The inputs of inspection routes (issue 17): a manager's plan of an inspector's day, its changes, the planner's
 * suggestions, and the filters of the one table of answers.
 */
import { z } from "zod";
import { pageFields } from "../http/pagination.ts";

/** Years a day or instant may be in: what a database date holds is wider, what the field means is not. */
const inYears = (v: string) => v >= "1900" && v < "3000";

/** A calendar day, YYYY-MM-DD. */
export const Day = z.iso.date().refine(inYears, "a year from 1900 to 2999");

/** An instant with its offset (a device's clock). */
export const Instant = z.iso.datetime({ offset: true }).refine(inYears, "a year from 1900 to 2999");

/** A positive database id, also when it comes as text in a path or query. */
export const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** The id a path names. */
export const IdParams = z.object({ id: Id });

/** Why a block is on a route: what the planner saw, or a manager's own pick on the map. */
export const VISIT_REASONS = ["open_demands", "late_orders", "bad_scores", "manual"] as const;

/** One planned stop of a route. */
export const VisitInput = z.object({
  /** The fiscal block to inspect. */
  blockId: Id,
  /** The questionnaire to answer there; its published version is what the tablet downloads. */
  questionnaireId: Id,
  /** Why it was chosen; manual by default. */
  reason: z.enum(VISIT_REASONS).default("manual"),
});
export type VisitInput = z.infer<typeof VisitInput>;

/** A route planned for an inspector's day. */
export const RouteInput = z.object({
  /** A staff member whose role is inspector. */
  inspectorId: Id,
  day: Day,
  note: z.string().trim().max(2000).optional(),
  /** The stops, in the order to visit them. */
  visits: z.array(VisitInput).min(1).max(200),
});
export type RouteInput = z.infer<typeof RouteInput>;

/**
 * A route's new plan: its visits in order. A visit of the same block and questionnaire as one already on the route
 * keeps its id (and what the tablet did there); a visit left out is marked removed, never deleted.
 */
export const RouteChange = z.object({
  note: z.string().trim().max(2000).optional(),
  visits: z.array(VisitInput).min(1).max(200),
});
export type RouteChange = z.infer<typeof RouteChange>;

/** The routes of a day, of one inspector or all. */
export const RouteListQuery = z.object({
  day: Day,
  inspector: Id.optional(),
});

/** Where the planner looks and how many blocks it proposes. */
export const SuggestionInput = z
  .object({
    /** The day to plan (blocks already on a route that day are left out); today by default. */
    day: Day.optional(),
    /** A district's code, or a subprefeitura's: the area to look in (one of them). */
    district: z.string().trim().min(1).max(20).optional(),
    subprefeitura: z.string().trim().min(1).max(20).optional(),
    /** Only these questionnaires' services count for the block scores read. */
    questionnaireIds: z.array(Id).max(50).optional(),
    /** How many blocks to propose. */
    count: z.number().int().min(1).max(200).default(20),
    /** Blocks visited in this many days before the day are left out. */
    skipVisitedDays: z.number().int().min(0).max(365).default(14),
  })
  .refine((v) => v.district === undefined || v.subprefeitura === undefined, {
    message: "district or subprefeitura, not both",
    path: ["subprefeitura"],
  });
export type SuggestionInput = z.infer<typeof SuggestionInput>;

/** The filters of the table of answers (responses), newest first. */
export const ResponseListQuery = z.object({
  block: Id.optional(),
  /** A service's code: responses with an answer measuring it. */
  service: z.string().trim().min(1).max(40).optional(),
  inspector: Id.optional(),
  /** Answered at or after this instant. */
  since: Instant.optional(),
  state: z.enum(["accepted", "rejected"]).optional(),
  ...pageFields(50, 200),
});
export type ResponseListQuery = z.infer<typeof ResponseListQuery>;

/** A stored file named by its SHA-256. */
export const FileParams = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) });
