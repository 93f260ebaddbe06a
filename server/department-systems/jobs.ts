import {
  getServiceRequestUpdates,
  getToken,
  Open311Error,
  postServiceRequest,
  type ServiceRequestInput,
} from "../../channels/open311/adapter.ts";
import { OPEN_WORK_ORDER_STATES, type WorkOrderState } from "../../domain/status.ts";
import type { AppContext } from "../context.ts";
import { translate } from "../i18n.ts";
import { JOB_PAYLOADS, SlotPayload } from "../jobs/payloads.ts";
import { type Job, PermanentError } from "../jobs/runner.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";
import {
  cancelSend,
  claimDuePulls,
  recordPull,
  recordReceipt,
  recordSendError,
  recordSendFailed,
  recordTokenResolved,
} from "./commands.ts";
import {
  endpointOf,
  findOrderToSend,
  findSystemById,
  listPendingTokens,
  type OrderToSend,
} from "./queries.ts";
import { SEND_JOB } from "./queue.ts";
import { applyExternalUpdate, type UpdateOutcome } from "./updates.ts";

/** The periodic pull job, and how often the scheduler enqueues it (each endpoint has its own interval). */
export const PULL_JOB = "pull-open311-updates";
export const PULL_EVERY_SECONDS = 30;

/** How far back each pull reaches before the end of the previous one: late-published updates are not missed. */
export const PULL_OVERLAP_MS = 60 * 60 * 1000;

/** FixMyStreet's split of a name: the first word, and the rest. */
export function splitName(name: string | null): { firstName?: string; lastName?: string } {
  const match = name ? /^(\S+)(?:\s+(.+))?$/.exec(name.trim()) : null;
  if (!match) return {};
  return { firstName: match[1]!, ...(match[2] ? { lastName: match[2] } : {}) };
}

function attributeValues(attributes: Record<string, unknown>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [code, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === "") continue;
    if (Array.isArray(value)) out[code] = value.map((v) => String(v));
    else out[code] = typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  return out;
}

/**
 * The service request for an order: their service code, the place, the description with our protocol and its
 * tracking link (their staff can quote it to the citizen), the answers to the service's fields, and who asked
 * only when the demand is identified.
 */
export function requestOf(order: OrderToSend, serviceCode: string, publicUrl: string): ServiceRequestInput {
  const url = `${publicUrl.replace(/\/+$/, "")}/acompanhar?protocolo=${order.protocol}`;
  const footer = translate("pt-BR", "department_systems.request_footer", { protocol: order.protocol, url });
  return {
    serviceCode,
    ...(order.lat !== null && order.long !== null ? { lat: order.lat, long: order.long } : {}),
    ...(order.address ? { addressString: order.address } : {}),
    description: order.description ? `${order.description}\n\n${footer}` : footer,
    attributes: attributeValues(order.attributes),
    // Filled only for identified demands (see findOrderToSend): confidential and anonymous ones send nobody.
    ...(order.citizen_email ? { email: order.citizen_email } : {}),
    ...(order.citizen_phone ? { phone: `+${order.citizen_phone.replace(/^\+/, "")}` } : {}),
    ...splitName(order.citizen_name),
  };
}

const SendPayload = JOB_PAYLOADS[SEND_JOB];

/** Sends one work order to its department's Open311 endpoint. */
export const sendWorkOrderOpen311: Job<typeof SendPayload> = {
  name: SEND_JOB,
  payload: SendPayload,
  // 30 s, 1, 2, 4 … 60 min apart: about three hours of their system being down before supervisors are alarmed.
  maxAttempts: 10,
  async run(ctx, payload) {
    const order = await findOrderToSend(ctx.db, payload.workOrderId);
    if (!order) throw new PermanentError(`work order ${payload.workOrderId} has nothing to send`);
    // Sent already (a retry after the receipt was recorded), or cancelled: nothing is sent twice. A failed one is
    // sent again when a supervisor retries its dead row.
    if (order.send_state !== "queued" && order.send_state !== "failed") return;
    if (!OPEN_WORK_ORDER_STATES.includes(order.order_state as WorkOrderState)) {
      return cancelSend(ctx.db, order.work_order_id, `order ${order.order_state} before it was sent`);
    }
    const system = await findSystemById(ctx.db, order.system_id);
    if (!system?.active || system.deleted_at) {
      return cancelSend(ctx.db, order.work_order_id, "the department's system was switched off");
    }
    const serviceCode = system.service_codes[order.service_code] ?? system.default_service_code;
    if (!serviceCode)
      throw new PermanentError(`no service_code of theirs for our service ${order.service_code}`);
    const endpoint = endpointOf(system);
    let receipt: Awaited<ReturnType<typeof postServiceRequest>>;
    try {
      receipt = await postServiceRequest(endpoint, requestOf(order, serviceCode, await tenantPublicUrl(ctx)));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await recordSendError(ctx.db, order.work_order_id, message);
      // A refusal of this request (400: their service code, a missing field) will not pass later; a refused
      // api_key is the configuration, retried until an admin fixes it, like a refused SMTP login.
      const forGood =
        error instanceof Open311Error && !error.temporary && error.status !== 401 && error.status !== 403;
      throw forGood ? new PermanentError(message) : new Error(message);
    }
    await ctx.db.transaction((tx) => recordReceipt(tx, order, receipt));
    if (receipt.token && !receipt.serviceRequestId) {
      // Many servers have the id at once; if not, the pull job polls the token later.
      const id = await getToken(endpoint, receipt.token).catch(() => null);
      if (id) await recordTokenResolved(ctx.db, order.work_order_id, id);
    }
  },
  onDead: (tx, payload, claim, error) => recordSendFailed(tx, claim.id, payload.workOrderId, error),
};

/** What one pull of one system did, for tests and logs. */
export interface PullSummary {
  tokensResolved: number;
  outcomes: UpdateOutcome[];
  error?: string;
}

/**
 * Pulls one system: resolves its pending tokens, then fetches the updates from an overlap before the last pull's
 * end up to now and applies each (duplicates of the overlap are recognised by update_id). A failure leaves the
 * window where it was, so the next pull asks for it again.
 */
export async function pullSystem(ctx: AppContext, systemId: number, now = new Date()): Promise<PullSummary> {
  const summary: PullSummary = { tokensResolved: 0, outcomes: [] };
  const system = await findSystemById(ctx.db, systemId);
  if (!system?.active || system.deleted_at) return summary;
  const endpoint = endpointOf(system);
  try {
    for (const pending of await listPendingTokens(ctx.db, system.id, 50)) {
      const id = await getToken(endpoint, pending.token);
      if (id && (await recordTokenResolved(ctx.db, pending.work_order_id, id))) summary.tokensResolved++;
    }
    const from = system.pulled_until ?? system.created_at;
    // W3C date-times go in whole seconds: the end is rounded up, so what was published this second is asked for.
    const until = new Date(Math.ceil(now.getTime() / 1000) * 1000);
    const updates = await getServiceRequestUpdates(endpoint, {
      startDate: new Date(from.getTime() - PULL_OVERLAP_MS),
      endDate: until,
    });
    for (const update of updates) {
      summary.outcomes.push(await applyExternalUpdate(ctx.db, system, update, "pull"));
    }
    await recordPull(ctx.db, system.id, { until });
  } catch (error) {
    summary.error = error instanceof Error ? error.message : String(error);
    await recordPull(ctx.db, system.id, { error: summary.error });
  }
  return summary;
}

/** Pulls every system whose interval has come. */
export const pullOpen311Updates: Job<typeof SlotPayload> = {
  name: PULL_JOB,
  payload: SlotPayload,
  maxAttempts: 3,
  async run(ctx) {
    for (const id of await claimDuePulls(ctx.db, 50)) await pullSystem(ctx, id);
  },
};
