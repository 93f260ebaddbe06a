/**
 * The day-end surge (issue 17, decision 0064): when every inspector's tablet comes back online at once, a batch that
 * finds this process already storing FIELD_SYNC_AT_ONCE batches is not made to wait behind them. It is kept as sent
 * (one row, `queued`, and its outbox row `store-field-sync`, in one commit) and acknowledged with 202 at once; a
 * worker stores it with the very transaction a direct sync runs (sync.ts), and the tablet reads the reply at
 * `GET /api/v1/field/sync/:batchId`. Whoever takes the queued row first (the worker, or the same batch sent again)
 * stores it; the other finds it done. Nothing acknowledged is lost: the row and its job commit together.
 */
import type { StaffRole } from "../access/principal.ts";
import type { AppContext } from "../context.ts";
import { maybeOne } from "../db/index.ts";
import type { Staff } from "../http/auth.ts";
import { enqueue } from "../jobs/enqueue.ts";
import { JOB_PAYLOADS } from "../jobs/payloads.ts";
import { type Job, PermanentError } from "../jobs/runner.ts";
import { SyncInput } from "./schemas.ts";
import { type SyncReply, storedBatch, syncBatch } from "./sync.ts";

/** The job that stores a queued batch. */
export const STORE_JOB = "store-field-sync";

/** Seconds a tablet waits before it reads a queued batch's reply: a surge of 200 days is stored in about 5 s. */
export const QUEUED_RETRY_SECONDS = 3;

/** A batch kept for a worker: what the 202 says. */
export interface QueuedBatch {
  batchId: string;
  state: "queued";
  receivedAt: string;
}

/** What a send of a batch got: its reply (stored now or before), or the receipt of a batch kept for a worker. */
export type SyncOutcome = { reply: SyncReply } | { queued: QueuedBatch };

/** Batches this process is storing while their tablets wait. */
let storing = 0;

/** Keeps the batch as sent for a worker (once: the same batch kept again changes nothing). */
async function queueBatch(
  ctx: Pick<AppContext, "db" | "config">,
  staff: Staff,
  input: SyncInput,
): Promise<SyncOutcome> {
  const kept = await ctx.db.transaction(async (tx) => {
    const rows = await tx.query<{ at: Date }>(
      `INSERT INTO field_syncs (batch_id, staff_user_id, device_id, reply, state, batch)
       VALUES ($1, $2, $3, '{}', 'queued', $4::jsonb)
       ON CONFLICT DO NOTHING RETURNING received_at AS at`,
      [input.batchId, staff.id, input.deviceId, JSON.stringify(input)],
    );
    if (rows.length > 0) await enqueue(tx, STORE_JOB, { batchId: input.batchId });
    return rows[0];
  });
  if (kept) {
    return {
      queued: { batchId: input.batchId, state: "queued", receivedAt: new Date(kept.at).toISOString() },
    };
  }
  // Sent before (a lost 202, a retry): its reply when stored, its receipt while it waits.
  const stored = await storedBatch(ctx.db, staff, input.batchId);
  if (stored?.state === "done") return { reply: stored.reply };
  return { queued: { batchId: input.batchId, state: "queued", receivedAt: stored?.receivedAt ?? "" } };
}

/**
 * Stores the batch while the tablet waits when this process has room (FIELD_SYNC_AT_ONCE), or keeps it for a
 * worker. A batch already done is answered its reply either way.
 */
export async function acceptBatch(
  ctx: Pick<AppContext, "db" | "config">,
  staff: Staff,
  input: SyncInput,
): Promise<SyncOutcome> {
  if (storing >= ctx.config.fieldSyncAtOnce) return queueBatch(ctx, staff, input);
  storing++;
  try {
    return { reply: await syncBatch(ctx, staff, input) };
  } finally {
    storing--;
  }
}

/** A batch's state for its inspector: the reply when stored, the receipt while queued, undefined when unknown. */
export async function batchOutcome(
  ctx: Pick<AppContext, "db">,
  staff: Staff,
  batchId: string,
): Promise<SyncOutcome | undefined> {
  const stored = await storedBatch(ctx.db, staff, batchId);
  if (!stored) return undefined;
  if (stored.state === "done") return { reply: stored.reply };
  return { queued: { batchId, state: "queued", receivedAt: stored.receivedAt } };
}

const StorePayload = JOB_PAYLOADS[STORE_JOB];

/** Stores a queued batch as its inspector's sync, and ends the outbox row in the same commit. */
export const storeFieldSyncJob: Job<typeof StorePayload> = {
  name: STORE_JOB,
  payload: StorePayload,
  maxAttempts: 8,
  async run(ctx, payload, claim) {
    const row = await maybeOne<{
      state: string;
      batch: unknown;
      id: number;
      name: string;
      email: string;
      role: StaffRole;
      department_id: number | null;
    }>(
      ctx.db,
      `SELECT f.state, f.batch, s.id, s.name, s.email, s.role, s.department_id
         FROM field_syncs f JOIN staff_users s ON s.id = f.staff_user_id
        WHERE f.batch_id = $1`,
      [payload.batchId],
    );
    // Stored meanwhile by the same batch sent again: nothing left to do.
    if (row?.state !== "queued") return;
    const input = SyncInput.safeParse(row.batch);
    if (!input.success) throw new PermanentError(`queued batch unreadable: ${input.error.message}`);
    const staff: Staff = {
      id: Number(row.id),
      name: row.name,
      email: row.email,
      role: row.role,
      departmentId: row.department_id === null ? null : Number(row.department_id),
    };
    await syncBatch(ctx, staff, input.data, claim);
  },
};
