/**
 * From the timeline to the digests, in two steps that never send anything themselves:
 *
 * 1. `matchAreaFollows` reads new timeline events with a durable id cursor (server/events/cursor.ts, kept in
 *    `area_follow_cursor` and locked, as the webhooks' fan-out does) and writes one item per (active follow, demand
 *    opened, answered or closed in its area), in the transaction that moves the cursor. The (follow, event) key makes
 *    a second read write nothing. A point follow matches the demand's published point (rounded to the open-data
 *    grid), so it tells nothing finer than open data; district-only demands never match a point, and a district
 *    follow keeps them as items to be counted, never listed.
 * 2. `writeAreaDigests` takes follows with waiting items whose last digest is an hour old (FOR UPDATE SKIP LOCKED:
 *    two workers take different follows), and writes for each a digest holding its items and the `send-area-digest`
 *    outbox row, in one transaction. An item belongs to one digest, so nothing is sent twice or left out.
 */
import type { Db, Sql } from "../db/index.ts";
import { advance, type IdCursor, missingIds } from "../events/cursor.ts";
import { enqueueMany } from "../jobs/enqueue.ts";
import { CONFIRM_DAYS } from "./commands.ts";

/** Timeline events read per transaction. */
export const MATCH_BATCH = 1_000;
/** How long an id the cursor jumped over is asked for again (the job runs every minute). */
export const MATCH_GAP_MS = 10 * 60_000;
/** At most one digest per follow in this many minutes. */
export const DIGEST_EVERY_MINUTES = 60;
/** Follows digested per transaction. */
export const DIGEST_BATCH = 200;

/** The events that are news to a follower, and what each tells. */
export const NEWS_EVENTS: Record<string, "opened" | "answered" | "closed"> = {
  "demand.created": "opened",
  "demand.answered": "answered",
  "demand.closed": "closed",
};

/** Matches every event committed since the last run; returns how many items it wrote. */
export async function matchAreaFollows(db: Db, batch = MATCH_BATCH): Promise<number> {
  let written = 0;
  for (;;) {
    const step = await db.transaction((tx) => matchBatch(tx, batch));
    written += step.written;
    if (!step.more) return written;
  }
}

async function matchBatch(tx: Sql, batch: number): Promise<{ written: number; more: boolean }> {
  const [state] = await tx.query<{ after_event_id: number; gaps: Record<string, number> }>(
    "SELECT after_event_id, gaps FROM area_follow_cursor FOR UPDATE",
  );
  if (!state) throw new Error("area_follow_cursor has no row: run the migrations");
  const cursor: IdCursor = {
    after: Number(state.after_event_id),
    gaps: new Map(Object.entries(state.gaps).map(([id, until]) => [Number(id), until])),
  };
  const now = Date.now();
  const rows = await tx.query<{ id: number }>(
    "SELECT id FROM demand_events WHERE id > $1 OR id = ANY($2::bigint[]) ORDER BY id LIMIT $3",
    [cursor.after, missingIds(cursor, now), batch],
  );
  const fresh = advance(
    cursor,
    rows.map((r) => ({ id: Number(r.id) })),
    now,
    MATCH_GAP_MS,
  );
  let written = 0;
  if (fresh.length > 0) {
    // Public news only (what the tracking page shows), never history brought in by an import, nor a duplicate
    // merged into another demand (open data lists the demand it joined).
    const inserted = await tx.query(
      `WITH news AS (
         SELECT e.id AS event_id, e.demand_id, e.at, k.kind, d.district_code,
                (s.sensitive OR d.identity_mode = 'confidential') AS district_only,
                CASE WHEN d.location IS NOT NULL THEN ST_SetSRID(ST_MakePoint(
                  round(ST_X(d.location)::numeric, 3)::float8, round(ST_Y(d.location)::numeric, 3)::float8), 4326)
                END AS published
           FROM demand_events e
           JOIN jsonb_each_text($2::jsonb) AS k(type, kind) ON k.type = e.type
           JOIN demands d ON d.id = e.demand_id
           JOIN services s ON s.id = d.service_id
          WHERE e.id = ANY($1::bigint[]) AND e.visibility = 'public' AND e.actor_kind <> 'import'
            AND d.status <> 'merged')
       INSERT INTO area_follow_items (follow_id, event_id, demand_id, kind, district_only, at)
       SELECT f.id, n.event_id, n.demand_id, n.kind, n.district_only, n.at
         FROM news n JOIN area_follows f ON f.district_code = n.district_code
        WHERE f.confirmed_at IS NOT NULL AND f.stopped_at IS NULL AND n.event_id > f.since_event_id
       UNION ALL
       SELECT f.id, n.event_id, n.demand_id, n.kind, false, n.at
         FROM news n JOIN area_follows f
           ON f.point IS NOT NULL AND ST_DWithin(f.point::geography, n.published::geography, f.radius_m)
        WHERE NOT n.district_only AND n.published IS NOT NULL
          AND f.confirmed_at IS NOT NULL AND f.stopped_at IS NULL AND n.event_id > f.since_event_id
       ON CONFLICT (follow_id, event_id) DO NOTHING
       RETURNING follow_id`,
      [fresh.map((r) => r.id), JSON.stringify(NEWS_EVENTS)],
    );
    written = inserted.length;
  }
  await tx.query("UPDATE area_follow_cursor SET after_event_id = $1, gaps = $2, updated_at = now()", [
    cursor.after,
    JSON.stringify(Object.fromEntries(cursor.gaps)),
  ]);
  return { written, more: rows.length === batch };
}

/** Writes the digests that are due; returns how many. */
export async function writeAreaDigests(db: Db, batch = DIGEST_BATCH): Promise<number> {
  let written = 0;
  for (;;) {
    const step = await db.transaction((tx) => digestBatch(tx, batch));
    written += step;
    if (step < batch) return written;
  }
}

async function digestBatch(tx: Sql, batch: number): Promise<number> {
  // A follow another worker is digesting is skipped here, not waited for: it gets its digest from that worker.
  const due = await tx.query<{ id: number }>(
    `SELECT f.id FROM area_follows f
      WHERE f.confirmed_at IS NOT NULL AND f.stopped_at IS NULL
        AND (f.last_digest_at IS NULL OR f.last_digest_at <= now() - make_interval(mins => $1))
        AND EXISTS (SELECT 1 FROM area_follow_items i WHERE i.follow_id = f.id AND i.digest_id IS NULL)
      ORDER BY f.id LIMIT $2
      FOR UPDATE OF f SKIP LOCKED`,
    [DIGEST_EVERY_MINUTES, batch],
  );
  if (due.length === 0) return 0;
  const ids = due.map((r) => Number(r.id));
  const digests = await tx.query<{ id: number; follow_id: number }>(
    `INSERT INTO area_follow_digests (follow_id) SELECT unnest($1::bigint[]) RETURNING id, follow_id`,
    [ids],
  );
  await tx.query(
    `UPDATE area_follow_items i SET digest_id = g.id
       FROM area_follow_digests g
      WHERE g.id = ANY($1::bigint[]) AND i.follow_id = g.follow_id AND i.digest_id IS NULL`,
    [digests.map((d) => Number(d.id))],
  );
  await tx.query("UPDATE area_follows SET last_digest_at = now() WHERE id = ANY($1::bigint[])", [ids]);
  await enqueueMany(
    tx,
    "send-area-digest",
    digests.map((d) => ({ digestId: Number(d.id) })),
  );
  return due.length;
}

/** Days a sent digest and its items are kept (what a follower was told, for a complaint about it); then deleted. */
export const KEEP_SENT_DAYS = 90;

/** Deletes digests sent more than KEEP_SENT_DAYS ago, with their items; returns how many digests. */
export async function purgeSentDigests(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const old = await tx.query<{ id: number }>(
      "SELECT id FROM area_follow_digests WHERE sent_at < now() - make_interval(days => $1)",
      [KEEP_SENT_DAYS],
    );
    if (old.length === 0) return 0;
    const ids = old.map((r) => Number(r.id));
    await tx.query("DELETE FROM area_follow_items WHERE digest_id = ANY($1::bigint[])", [ids]);
    await tx.query("DELETE FROM area_follow_digests WHERE id = ANY($1::bigint[])", [ids]);
    return ids.length;
  });
}

/** Stops follows never confirmed within CONFIRM_DAYS and forgets their addresses; returns how many. */
export async function expireUnconfirmed(sql: Sql): Promise<number> {
  const rows = await sql.query(
    `UPDATE area_follows SET stopped_at = now(), email = NULL
      WHERE confirmed_at IS NULL AND stopped_at IS NULL AND created_at <= now() - make_interval(days => $1)
      RETURNING id`,
    [CONFIRM_DAYS],
  );
  return rows.length;
}
