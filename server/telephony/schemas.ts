/** Input schemas of telephony and calls; they validate requests and feed the OpenAPI document. */
import { z } from "zod";
import { CitizenInput, DemandInput } from "../demands/schemas.ts";
import { pageFields } from "../http/pagination.ts";

/** One call event from a PBX/CTI (Asterisk, 3CX …) to our JSON webhook, signed with the shared secret. */
export const PbxEvent = z.object({
  /** The PBX's id of the call (Asterisk's UNIQUEID / LINKEDID, 3CX's call id): the same for every event of one call. */
  callId: z.string().trim().min(1).max(128),
  /** What happened: the call rings for an agent (or for every agent), an agent answered, or it ended. */
  event: z.enum(["ringing", "answered", "ended"]),
  /** The caller's number as the PBX has it ("011987654321", "+5511987654321", "anonymous"). */
  from: z.string().trim().max(64),
  /** The number dialled ("156", "08001234567"). */
  to: z.string().trim().min(1).max(64),
  /** The agent the call rings for or who answered it: staff e-mail, or extension. */
  agent: z.string().trim().min(1).max(254).optional(),
  /** When it happened (ISO 8601); the time received when absent. */
  at: z.iso.datetime({ offset: true }).optional(),
  /** Why it ended (ended events): completed, no-answer, busy, failed, canceled. */
  reason: z.enum(["completed", "no-answer", "busy", "failed", "canceled"]).optional(),
});
export type PbxEvent = z.infer<typeof PbxEvent>;

/** The path parameter of a call. */
export const CallParams = z.object({
  /** The call's id (ours, from the call.ringing event). */
  id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});

/** The agent's open calls. */
export const CallListQuery = z.object({
  /** ringing, answered, or both (default). */
  state: z.enum(["ringing", "answered"]).optional(),
  ...pageFields(50, 200),
});

/** A demand registered by the agent during a call: the caller is the citizen, found by the number or created. */
export const CallDemandInput = DemandInput.omit({ channel: true, citizen: true }).extend({
  /** The caller's name as the agent typed it (required to register a caller the number does not find). */
  citizen: CitizenInput.omit({ phone: true }).optional(),
});
export type CallDemandInput = z.infer<typeof CallDemandInput>;

/** Query of the counter receipt. */
export const ReceiptQuery = z.object({
  /** The citizen's secret from the intake answer, printed for the citizen; omitted on a reprint. */
  secret: z.string().max(100).optional(),
  /** Language of the receipt. */
  lang: z.string().optional(),
});

/** A call as the console shows it. */
export const CallView = z.object({
  id: z.number(),
  provider: z.string(),
  state: z.string(),
  from: z.string().nullable(),
  fromRaw: z.string(),
  to: z.string(),
  agentId: z.number().nullable(),
  citizenId: z.number().nullable(),
  rangAt: z.string(),
  answeredAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  endReason: z.string().nullable(),
});
