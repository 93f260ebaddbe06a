/**
 * Incremental refresh of block scores: a change that moves a block's evidence (a field sync, an auditor's call) marks
 * the block stale inside its own transaction, and a worker recomputes those blocks' scores soon after. The work is
 * an outbox row of `refresh-stale-block-scores` (committed with the change or not at all). Many calls coalesce: a
 * call merges its blocks into a row of that job not yet claimed (never tried, locked FOR UPDATE SKIP LOCKED, so a
 * worker never claims a row while it is merged into and a merge never touches a row a worker holds); when no such
 * row is free it queues a new one, due `delaySeconds` later (SCORE_REFRESH_DELAY_SECONDS, 5 by default): the marks
 * of a burst of syncs (the day-end surge: 200 tablets in a few seconds) merge into that row while it waits, so the
 * refresh runs a few times for the burst instead of once per sync — a refresh of 60 blocks costs nearly as much
 * as one of 5,000. Each row is run once by the runner's claim, and recomputing a block twice is harmless anyway.
 */
import type { Sql } from "../db/index.ts";
import { enqueue } from "../jobs/enqueue.ts";
import { JOB_PAYLOADS } from "../jobs/payloads.ts";

/** The incremental job's name (server/block-scores/jobs.ts runs it). */
export const STALE_JOB = "refresh-stale-block-scores";

/** Blocks one row holds at most: a larger set goes to a new row, so no payload grows without bound. */
export const STALE_MAX_BLOCKS = 5000;

/**
 * Queues a recomputation of these blocks' scores, inside the caller's transaction: merged into a waiting row, or a
 * new row due in `delaySeconds`.
 */
export async function markBlocksStale(db: Sql, blockIds: number[], delaySeconds = 0): Promise<void> {
  const ids = [...new Set(blockIds)].sort((a, b) => a - b);
  if (ids.length === 0) return;
  // What the job will parse the row with: a bad id fails here, where it was made.
  const parsed = JOB_PAYLOADS[STALE_JOB].safeParse({ blockIds: ids });
  if (!parsed.success) throw new Error(`markBlocksStale: invalid block ids: ${parsed.error.message}`);
  const merged = await db.query(
    `WITH target AS (
       SELECT id, payload FROM outbox
        WHERE job = $1 AND state = 'pending' AND attempts = 0
          AND jsonb_array_length(payload->'blockIds') + $3 <= $4
        ORDER BY id LIMIT 1
        FOR UPDATE SKIP LOCKED)
     UPDATE outbox o
        SET payload = jsonb_build_object('blockIds', (
              SELECT jsonb_agg(u.b ORDER BY u.b)
                FROM (SELECT jsonb_array_elements_text(t.payload->'blockIds')::bigint AS b
                      UNION SELECT unnest($2::bigint[])) u))
       FROM target t
      WHERE o.id = t.id
     RETURNING o.id`,
    [STALE_JOB, ids, ids.length, STALE_MAX_BLOCKS],
  );
  if (merged.length === 0) await enqueue(db, STALE_JOB, parsed.data, { delaySeconds });
}
