/**
 * The tablet's sync (issue 17): one batch of everything an inspector did offline (responses, demands, visits) in
 * one transaction, with the blocks whose scores it moves marked stale inside it. The batch id is claimed first, so
 * the same batch sent again (the reply was lost, or two sends crossed) waits for the first, then gets its stored
 * reply and changes nothing; each item's clientId makes it arrive once across batches. Under a surge (more batches
 * than the process stores at once) a batch is kept as sent and stored by a worker (`store-field-sync`, queue.ts):
 * the same transaction either way. The rules: docs/field.md.
 */
import { markBlocksStale } from "../block-scores/stale.ts";
import type { AppContext } from "../context.ts";
import { type Db, maybeOne, type Sql } from "../db/index.ts";
import { conflict } from "../errors.ts";
import type { Staff } from "../http/auth.ts";
import { type Claim, finishIn } from "../jobs/runner.ts";
import type { FoundVersion } from "../questionnaires/queries.ts";
import { cityToday } from "./day.ts";
import type { SyncInput, VisitUpdate } from "./schemas.ts";
import { type DemandOutcome, syncDemand } from "./sync-demands.ts";
import {
  type BatchContext,
  type FieldFile,
  filesOfAnswers,
  type ResponseOutcome,
  syncResponses,
} from "./sync-responses.ts";

/** The reply to a sync, item by item, as stored for the batch. */
export interface SyncReply {
  batchId: string;
  responses: ResponseOutcome[];
  demands: DemandOutcome[];
  visits: { visitId: number; outcome: "updated" | "ignored"; reason?: string }[];
  /** Files named by an item but not uploaded: upload them, then send those items again. */
  missingFiles: string[];
  /** The inspector's routes of the day (and of the visits sent) now: a tablet holding another revision downloads. */
  routes: { id: number; revision: number; state: string }[];
}

/** Thrown inside the transaction when the batch was already stored: the caller replays its reply. */
class BatchStored extends Error {}

/** Sets what the inspector did at the visits of their own, in one statement; a visit of another's is ignored. */
async function updateVisits(tx: Sql, staff: Staff, vs: VisitUpdate[]): Promise<SyncReply["visits"]> {
  if (vs.length === 0) return [];
  // A visit sent twice in one batch: the last word counts, as if the updates ran in order.
  const last = new Map(vs.map((v) => [v.visitId, v]));
  const updated = await tx.query<{ id: number }>(
    `UPDATE inspection_visits v
        SET state = t.state, done_at = CASE WHEN t.state = 'done' THEN t.at END, note = coalesce(t.note, v.note)
       FROM unnest($2::bigint[], $3::text[], $4::timestamptz[], $5::text[]) AS t(id, state, at, note),
            inspection_routes r
      WHERE v.id = t.id AND r.id = v.route_id AND r.inspector_id = $1
      RETURNING v.id`,
    [
      staff.id,
      [...last.keys()],
      [...last.values()].map((v) => v.state),
      [...last.values()].map((v) => v.at),
      [...last.values()].map((v) => v.note ?? null),
    ],
  );
  const mine = new Set(updated.map((u) => Number(u.id)));
  return vs.map((v) =>
    mine.has(v.visitId)
      ? { visitId: v.visitId, outcome: "updated" }
      : { visitId: v.visitId, outcome: "ignored", reason: "not_your_visit" },
  );
}

/** A batch as stored: `queued` (kept as sent, a worker stores it) or `done` (its reply kept). */
export interface StoredBatch {
  state: "queued" | "done";
  reply: SyncReply;
  receivedAt: string;
}

/** The batch `batchId` of this inspector's as stored, or undefined; 409 `batch_of_another` for another's. */
export async function storedBatch(db: Sql, staff: Staff, batchId: string): Promise<StoredBatch | undefined> {
  const row = await maybeOne<{
    staff_user_id: number;
    state: StoredBatch["state"];
    reply: SyncReply;
    at: Date;
  }>(db, "SELECT staff_user_id, state, reply, received_at AS at FROM field_syncs WHERE batch_id = $1", [
    batchId,
  ]);
  if (row && Number(row.staff_user_id) !== staff.id) throw conflict("batch_of_another");
  return row && { state: row.state, reply: row.reply, receivedAt: new Date(row.at).toISOString() };
}

/** Takes the batch for this transaction: a new row, or a queued one of this inspector's; false when it is done. */
async function claimBatch(tx: Sql, staff: Staff, input: SyncInput): Promise<boolean> {
  const claimed = await tx.query(
    `INSERT INTO field_syncs (batch_id, staff_user_id, device_id, reply) VALUES ($1, $2, $3, '{}')
     ON CONFLICT DO NOTHING RETURNING batch_id`,
    [input.batchId, staff.id, input.deviceId],
  );
  if (claimed.length > 0) return true;
  // Kept under a surge and not stored yet: whoever locks it first (this send or the worker) stores it.
  const row = await maybeOne<{ staff_user_id: number; state: string }>(
    tx,
    "SELECT staff_user_id, state FROM field_syncs WHERE batch_id = $1 FOR UPDATE",
    [input.batchId],
  );
  if (row && Number(row.staff_user_id) !== staff.id) throw conflict("batch_of_another");
  return row?.state === "queued";
}

/**
 * Syncs one batch of the inspector `staff`: every item stored or refused in one transaction; the reply stored.
 * `claim` is the worker's outbox row when a queued batch is stored: it ends in the same commit.
 */
export async function syncBatch(
  ctx: Pick<AppContext, "db" | "config">,
  staff: Staff,
  input: SyncInput,
  claim?: Claim,
): Promise<SyncReply> {
  const db: Db = ctx.db;
  const stored = await storedBatch(db, staff, input.batchId);
  if (stored?.state === "done") return stored.reply;
  const today = await cityToday(db);
  try {
    return await db.transaction(async (tx) => {
      // One inspector's batches run one at a time (two tablets, or a retry crossing a send that is still running):
      // a demand is then never filed twice by two batches in flight.
      await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`field-sync:${staff.id}`]);
      // Claimed first: a send of the same batch that waited above finds it stored and replays its reply.
      if (!(await claimBatch(tx, staff, input))) throw new BatchStored();

      const shas = [
        ...new Set([
          ...input.responses.flatMap((r) => filesOfAnswers(r.answers)),
          ...input.demands.flatMap((d) => d.photos),
        ]),
      ];
      const files = await tx.query<FieldFile>(
        "SELECT id, sha256, media_type, size_bytes, storage_key FROM field_files WHERE sha256 = ANY($1::text[])",
        [shas],
      );
      const batch: BatchContext = {
        tx,
        staff,
        deviceId: input.deviceId,
        files: new Map(files.map((f) => [f.sha256, f])),
        serviceIds: new Map(),
      };
      const versions = new Map<number, FoundVersion | undefined>();
      const { outcomes: responses, staleBlocks: stale } = await syncResponses(
        batch,
        input.responses,
        versions,
      );
      const demands: DemandOutcome[] = [];
      for (const d of input.demands) demands.push(await syncDemand(batch, d));
      const visits = await updateVisits(tx, staff, input.visits);
      await markBlocksStale(tx, stale, ctx.config.scoreRefreshDelaySeconds);

      const visitIds = [
        ...input.visits.map((v) => v.visitId),
        ...input.responses.flatMap((r) => (r.visitId === undefined ? [] : [r.visitId])),
      ];
      const routes = await tx.query<{ id: number; revision: number; state: string }>(
        `SELECT id, revision, state FROM inspection_routes
          WHERE inspector_id = $1
            AND (day = $2::date OR id IN (SELECT route_id FROM inspection_visits WHERE id = ANY($3::bigint[])))
          ORDER BY id`,
        [staff.id, today, visitIds],
      );
      const missingFiles = shas.filter((sha) => !batch.files.has(sha));
      const reply: SyncReply = { batchId: input.batchId, responses, demands, visits, missingFiles, routes };
      // The reply is answered as stored (jsonb), so a replay of the batch is the same byte for byte.
      const [saved] = await tx.query<{ reply: SyncReply }>(
        `UPDATE field_syncs SET reply = $2::jsonb, state = 'done', batch = NULL, done_at = now()
          WHERE batch_id = $1 RETURNING reply`,
        [input.batchId, JSON.stringify(reply)],
      );
      await finishIn(tx, claim);
      return saved!.reply;
    });
  } catch (error) {
    if (!(error instanceof BatchStored)) throw error;
    const replay = await storedBatch(db, staff, input.batchId);
    if (replay?.state !== "done") throw error;
    return replay.reply;
  }
}
