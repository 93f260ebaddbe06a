/**
 * What each job takes, by its name: the one schema the job's handler parses a row with (its `payload`) and enqueue
 * checks a payload against before the row is written. Kept apart from the registry so that any command can queue
 * work without importing every job's handler (those import the commands back). The registry test checks each
 * registered job's `payload` is the schema named here.
 */
import { z } from "zod";
import { ConfirmationPayload, DigestPayload } from "../area-follows/schemas.ts";
import { SendCodePayload } from "../citizen-access/schemas.ts";
import { SendMessagePayload } from "../notifications/schemas.ts";
import { ProvisionPayload } from "../platform/schemas.ts";
import { DeliverWebhookPayload } from "../webhooks/schemas.ts";

/** The payload of a periodic job: the start of its time slot, which also makes its dedupe key. */
export const SlotPayload = z.object({ slot: z.string() });

/** Every job's payload schema, by job name. */
export const JOB_PAYLOADS = {
  "purge-expired": SlotPayload,
  "scan-deadlines": SlotPayload,
  "index-demand-search": SlotPayload,
  "remind-surveys": SlotPayload,
  "pull-open311-updates": SlotPayload,
  "fan-out-webhooks": SlotPayload,
  "refresh-indicator-facts": SlotPayload,
  "build-indicator-months": SlotPayload,
  "poll-email": SlotPayload,
  "digest-area-follows": SlotPayload,
  "send-message": SendMessagePayload,
  "route-demand": z.object({ demandId: z.number().int().positive() }),
  "send-work-order-open311": z.object({ workOrderId: z.number().int().positive() }),
  "deliver-webhook": DeliverWebhookPayload,
  "send-sign-in-code": SendCodePayload,
  "delete-attachment-files": z.object({ keys: z.array(z.string()) }),
  "handle-inbound": z.object({ inboundId: z.number().int().positive() }),
  "send-reply": z.object({ replyId: z.number().int().positive() }),
  "send-area-follow-confirmation": ConfirmationPayload,
  "send-area-digest": DigestPayload,
  "provision-tenant": ProvisionPayload,
  "refresh-block-scores": SlotPayload,
  "refresh-stale-block-scores": z.object({ blockIds: z.array(z.number().int().positive()).min(1) }),
  "store-field-sync": z.object({ batchId: z.uuid() }),
  "plan-auditor-calls": SlotPayload,
  "dispatch-auditor-calls": SlotPayload,
  "fetch-call-recording": z.object({ recordingId: z.number().int().positive() }),
  "purge-call-recordings": SlotPayload,
  "place-auditor-call": z.object({ callId: z.number().int().positive() }),
  "close-auditor-survey": z.object({ callId: z.number().int().positive() }),
} as const;

/** The name of a job this release knows. */
export type JobName = keyof typeof JOB_PAYLOADS;

/** What a job of `J` is queued with. */
export type JobPayload<J extends JobName> = z.input<(typeof JOB_PAYLOADS)[J]>;
