import {
  DIGEST_EVERY_SECONDS,
  digestAreaFollowsJob,
  sendAreaDigest,
  sendAreaFollowConfirmation,
} from "../area-follows/jobs.ts";
import { placeAuditorCallJob } from "../auditors/calls.ts";
import { closeAuditorSurveyJob } from "../auditors/chat-survey.ts";
import {
  DISPATCH_EVERY_SECONDS,
  dispatchAuditorCallsJob,
  PLAN_EVERY_SECONDS,
  planAuditorCallsJob,
} from "../auditors/planner.ts";
import {
  fetchCallRecordingJob,
  PURGE_RECORDINGS_EVERY_SECONDS,
  purgeCallRecordingsJob,
} from "../auditors/recordings.ts";
import {
  FULL_REFRESH_EVERY_SECONDS,
  refreshBlockScoresJob,
  refreshStaleBlockScoresJob,
} from "../block-scores/jobs.ts";
import { sendSignInCode } from "../citizen-access/jobs.ts";
import { EMAIL_POLL_EVERY_SECONDS, pollEmailJob } from "../conversations/email-poll.ts";
import { handleInbound, sendReply } from "../conversations/jobs.ts";
import { SCAN_EVERY_SECONDS, scanDeadlinesJob } from "../deadlines/jobs.ts";
import { deleteAttachmentFiles } from "../demands/jobs.ts";
import { INDEX_EVERY_SECONDS, indexDemandSearchJob } from "../demands/search-index.ts";
import {
  PULL_EVERY_SECONDS,
  PULL_JOB,
  pullOpen311Updates,
  sendWorkOrderOpen311,
} from "../department-systems/jobs.ts";
import { storeFieldSyncJob } from "../field/queue.ts";
import {
  buildIndicatorMonthsJob,
  FACTS_EVERY_SECONDS,
  MONTHS_EVERY_SECONDS,
  refreshIndicatorFactsJob,
} from "../indicators/jobs.ts";
import { sendMessage } from "../notifications/jobs.ts";
import { provisionTenantJob } from "../platform/jobs.ts";
import { remindSurveysJob } from "../satisfaction/jobs.ts";
import { routeDemandJob } from "../triage/jobs.ts";
import { deliverWebhook, FAN_OUT_EVERY_SECONDS, fanOutWebhooksJob } from "../webhooks/jobs.ts";
import { SlotPayload } from "./payloads.ts";
import type { Job } from "./runner.ts";
import type { Periodic } from "./scheduler.ts";

/**
 * Deletes what has outlived its purpose: expired sessions, old login failures, idempotency records, done outbox
 * rows, delivered webhooks.
 */
export const purgeExpired: Job<typeof SlotPayload> = {
  name: "purge-expired",
  payload: SlotPayload,
  maxAttempts: 5,
  async run(ctx) {
    await ctx.db.transaction(async (tx) => {
      await tx.query("DELETE FROM staff_sessions WHERE expires_at < now()");
      await tx.query("DELETE FROM citizen_sessions WHERE expires_at < now()");
      await tx.query("DELETE FROM citizen_sign_in_codes WHERE created_at < now() - interval '1 day'");
      await tx.query("DELETE FROM login_failures WHERE at < now() - interval '1 day'");
      // A client retries within minutes; a day keeps every honest retry answered.
      await tx.query("DELETE FROM idempotency_keys WHERE created_at < now() - interval '1 day'");
      await tx.query("DELETE FROM outbox WHERE state = 'done' AND done_at < now() - interval '30 days'");
      // The delivery log answers "did they get it?" for a quarter; its attempts go with it.
      await tx.query(
        "DELETE FROM webhook_deliveries WHERE state = 'delivered' AND delivered_at < now() - interval '90 days'",
      );
      // Delivery receipts did their work when they were handled (the reply's state holds it); three come per message.
      await tx.query(
        `DELETE FROM inbound_messages WHERE handled_at < now() - interval '30 days'
            AND content->>'kind' = 'receipt'`,
      );
    });
  },
};

/** Every job the worker runs. */
export const JOBS: readonly Job[] = [
  purgeExpired,
  sendMessage,
  routeDemandJob,
  scanDeadlinesJob,
  remindSurveysJob,
  sendWorkOrderOpen311,
  pullOpen311Updates,
  fanOutWebhooksJob,
  refreshIndicatorFactsJob,
  buildIndicatorMonthsJob,
  deliverWebhook,
  sendSignInCode,
  deleteAttachmentFiles,
  indexDemandSearchJob,
  handleInbound,
  sendReply,
  pollEmailJob,
  digestAreaFollowsJob,
  sendAreaFollowConfirmation,
  sendAreaDigest,
  provisionTenantJob,
  refreshBlockScoresJob,
  refreshStaleBlockScoresJob,
  storeFieldSyncJob,
  placeAuditorCallJob,
  closeAuditorSurveyJob,
  planAuditorCallsJob,
  dispatchAuditorCallsJob,
  fetchCallRecordingJob,
  purgeCallRecordingsJob,
];

/**
 * What the scheduler enqueues, and how often. Each is a job whose payload is its time slot (payloads.ts): the names
 * are checked by the compiler (a job of another payload does not compile), the payloads by the registry test.
 */
export const PERIODIC: readonly Periodic[] = [
  { job: "purge-expired", everySeconds: 3600 },
  { job: "scan-deadlines", everySeconds: SCAN_EVERY_SECONDS },
  { job: "remind-surveys", everySeconds: 3600 },
  { job: PULL_JOB, everySeconds: PULL_EVERY_SECONDS },
  { job: "fan-out-webhooks", everySeconds: FAN_OUT_EVERY_SECONDS },
  { job: "index-demand-search", everySeconds: INDEX_EVERY_SECONDS },
  { job: "refresh-indicator-facts", everySeconds: FACTS_EVERY_SECONDS },
  { job: "build-indicator-months", everySeconds: MONTHS_EVERY_SECONDS },
  { job: "digest-area-follows", everySeconds: DIGEST_EVERY_SECONDS },
  { job: "refresh-block-scores", everySeconds: FULL_REFRESH_EVERY_SECONDS },
  // Does nothing unless TWILIO_VOICE_FROM is set: the calls to citizen auditors of this week and the next.
  { job: "plan-auditor-calls", everySeconds: PLAN_EVERY_SECONDS },
  { job: "dispatch-auditor-calls", everySeconds: DISPATCH_EVERY_SECONDS },
  { job: "purge-call-recordings", everySeconds: PURGE_RECORDINGS_EVERY_SECONDS },
  // Does nothing unless EMAIL_IMAP_URL is set; that mailbox is the default tenant's.
  { job: "poll-email", everySeconds: EMAIL_POLL_EVERY_SECONDS, defaultTenantOnly: true },
];
