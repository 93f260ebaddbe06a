/** Input and output schemas of the work-order routes (they also feed OpenAPI). */
import { z } from "zod";
import { DELIVERY_MEANS } from "../../domain/channels.ts";
import { WORK_ORDER_STATES } from "../../domain/status.ts";
import { pageFields } from "../http/pagination.ts";

export const WorkOrderParams = z.object({ id: z.coerce.number().int().positive() });

export const WorkOrderListQuery = z.object({
  /** Only orders in these states (comma-separated); the open ones by default. */
  state: z.string().optional(),
  /** A department's code; department roles always see their own. */
  department: z.string().max(40).optional(),
  /** Only the order(s) of the demand with this protocol. */
  protocol: z
    .string()
    .regex(/^\d{6,20}$/)
    .optional(),
  ...pageFields(100, 500),
});

/** Why an order goes back or on: said to the next person who handles it. */
const Reason = z.string().trim().min(5).max(2000);

export const ReturnInput = z.object({ reason: Reason });

export const RerouteInput = z.object({
  /** The code of the department that should do it. */
  department: z.string().min(1).max(40),
  reason: Reason,
});

export const ComplementRequestInput = z.object({
  /** What the department needs from the citizen; the citizen reads it. */
  question: z.string().trim().min(10).max(2000),
});

export const AnswerInput = z.object({
  /** The answer to the citizen: what was done (generic closings are refused). */
  answer: z.string().trim().min(1).max(5000),
  /** Notes only staff read. */
  internalNote: z.string().trim().max(5000).optional(),
  /** Ids of the demand's attachments that are evidence of the work (photos uploaded before). */
  evidence: z.array(z.number().int().positive()).max(20).optional(),
});

export const ComplementInput = z.object({
  /** The citizen's secret (or the x-demand-secret header); staff send none. */
  secret: z.string().max(200).optional(),
  /** The complement: what the department asked for. */
  text: z.string().trim().min(1).max(5000),
});

export const WorkOrderView = z
  .object({
    id: z.number(),
    protocol: z.string(),
    state: z.enum(WORK_ORDER_STATES),
    department: z.string(),
    service: z.string(),
    dispatchedAt: z.string(),
    acceptedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    dueAt: z.string().nullable(),
    reason: z.string().nullable(),
    answer: z.string().nullable(),
    complementQuestion: z.string().nullable(),
    actions: z.array(z.string()),
    /** The service's name in the caller's language. */
    serviceName: z.string(),
    /** The district of the demand's place, if it has one. */
    district: z.object({ code: z.string(), name: z.string() }).nullable(),
    /** The demand's point, for the department's map. */
    location: z.object({ lat: z.number(), lon: z.number() }).nullable(),
    /** Alarms of this order (and of its demand's clock at this department) nobody acknowledged yet. */
    openAlarms: z.number(),
    /**
     * The largest alarm fraction of the execution clock whose instant (in business time) has passed — 0.5, 0.8, 1 …
     * — or null when none has or the clock is paused or stopped. Screens call an order "close to late" from 0.8.
     */
    clockShare: z.number().nullable(),
  })
  .meta({ id: "WorkOrder" });

export const EvidenceUploaded = z.object({
  attachments: z.array(
    z.object({ id: z.number(), mediaType: z.string(), sizeBytes: z.number(), name: z.string().nullable() }),
  ),
});

export const AnswerTemplateInput = z.object({
  /** The service's code; none for a template every service may use. */
  service: z.string().max(40).optional(),
  title: z.string().trim().min(3).max(200),
  body: z.string().trim().min(30).max(5000),
  locale: z.enum(["pt-BR", "en", "es"]).default("pt-BR"),
});

export const AnswerTemplateQuery = z.object({ service: z.string().max(40).optional() });

export const ManualDeliveryInput = z.object({
  /** How the answer reached the citizen. */
  means: z.enum(DELIVERY_MEANS),
  /** Who was reached, when: stays internal. */
  note: z.string().trim().max(2000).optional(),
});
