/** Input schemas of the triage routes (they also feed OpenAPI). */
import { z } from "zod";
import { pageFields } from "../http/pagination.ts";

export const QueueQuery = z.object({ ...pageFields(50, 500) });

export const ReclassifyInput = z.object({
  /** The code of the service the demand really is. */
  service: z.string().min(1).max(40),
});

export const DispatchInput = z.object({
  /** A department's code; the matrix's department when left out. */
  department: z.string().min(1).max(40).optional(),
});

export const MergeInput = z.object({
  /** The protocol of the demand this one duplicates: it survives. */
  into: z.string().min(5).max(20),
});

export const CancelInput = z.object({
  /** Why: told to the citizen. */
  reason: z.string().trim().min(5).max(2000),
});

export const TakenView = z.object({
  id: z.number(),
  protocol: z.string(),
  status: z.string(),
  claimedUntil: z.string(),
  duplicates: z.array(z.object({ protocol: z.string(), status: z.string(), distanceM: z.number() })),
  /** What the managers' rules and the text suggester propose for the citizen's words. */
  suggestions: z.array(z.object({ code: z.string(), name: z.string(), score: z.number() })),
});
