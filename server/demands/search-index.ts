/**
 * Fills the staff search index of demands (decision 0040): every demand written is listed in demand_search_pending
 * by a trigger (migration 0046), and this job computes the vectors of those demands in set-based batches, into
 * demand_search. Until then the search computes a pending demand's vector on the fly, so nothing waits for it to be
 * found; the job only keeps that list short.
 */
import type { Sql } from "../db/index.ts";
import { enqueue } from "../jobs/enqueue.ts";
import { SlotPayload } from "../jobs/payloads.ts";
import type { Job } from "../jobs/runner.ts";

/** How often the scheduler asks for a pass (an import also asks for one when it ends). */
export const INDEX_EVERY_SECONDS = 60;

/** Demands per transaction. */
const BATCH = 5000;

/**
 * Indexes one batch of pending demands in one statement; returns how many pending rows it took (0: none left that
 * no other pass holds). Rows another pass locked are skipped; the ids of demands deleted meanwhile just go.
 */
export async function indexPendingBatch(sql: Sql, batchSize = BATCH): Promise<number> {
  const [row] = await sql.query<{ taken: number }>(
    `WITH taken AS (
       DELETE FROM demand_search_pending WHERE demand_id IN (
         SELECT demand_id FROM demand_search_pending ORDER BY demand_id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING demand_id),
     indexed AS (
       -- A vector already there was written by the update trigger from newer text: it stays.
       INSERT INTO demand_search (demand_id, search)
       SELECT d.id, demand_search_vector(d.protocol, d.description, d.address)
         FROM taken t JOIN demands d ON d.id = t.demand_id
       ON CONFLICT (demand_id) DO NOTHING)
     SELECT count(*)::int AS taken FROM taken`,
    [batchSize],
  );
  return row!.taken;
}

/** Indexes pending demands batch by batch until none is left or `budgetMs` is spent; returns how many it took. */
export async function indexPendingDemands(
  sql: Sql,
  options: { batchSize?: number; budgetMs?: number } = {},
): Promise<{ indexed: number; done: boolean }> {
  const started = performance.now();
  let indexed = 0;
  for (;;) {
    const taken = await indexPendingBatch(sql, options.batchSize);
    indexed += taken;
    if (taken === 0) return { indexed, done: true };
    if (performance.now() - started > (options.budgetMs ?? Number.POSITIVE_INFINITY)) {
      return { indexed, done: false };
    }
  }
}

/** Queues a pass now (after an import), with a payload that names why. */
export async function requestSearchIndexing(sql: Sql, reason: string): Promise<void> {
  await enqueue(sql, "index-demand-search", { slot: `${reason}@${new Date().toISOString()}` });
}

/**
 * One pass of the index: at most 30 s of batches, then, if demands are still pending (a large import), it queues the
 * next pass at once instead of waiting for the scheduler's next slot.
 */
export const indexDemandSearchJob: Job<typeof SlotPayload> = {
  name: "index-demand-search",
  payload: SlotPayload,
  maxAttempts: 5,
  async run(ctx) {
    const { done } = await indexPendingDemands(ctx.db, { budgetMs: 30_000 });
    if (!done) await requestSearchIndexing(ctx.db, "continued");
  },
};
