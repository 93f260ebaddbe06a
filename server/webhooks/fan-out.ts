/**
 * The fan-out: reads new timeline events in commit order with a durable cursor (the live hub's id cursor with gaps,
 * kept in `webhook_cursor`) and writes one delivery and its `deliver-webhook` outbox row per (active subscription,
 * public event it subscribes to), in the same transaction that moves the cursor. The cursor row is locked, so two
 * workers fan out one after the other; the unique (subscription, event) pair makes a second read of an event write
 * nothing. It runs as a periodic job, never on the intake path. Each delivery carries the id of the request that
 * caused its event (demand_events.request_id), which its attempts send as X-Request-Id.
 */
import type { Db, Sql } from "../db/index.ts";
import { advance, type IdCursor, missingIds } from "../events/cursor.ts";
import { enqueueMany } from "../jobs/enqueue.ts";
import { knownPersonSql } from "../public-data/known.ts";
import { type PublicEventFacts, presentWebhookBody } from "./present.ts";

/** Timeline events read per transaction. */
export const FAN_OUT_BATCH = 500;

/**
 * How long an id the cursor jumped over (its transaction had not committed yet) is asked for again. The fan-out
 * runs every few seconds, not continuously like the hub, so the window is minutes rather than the hub's 10 s.
 */
export const FAN_OUT_GAP_MS = 10 * 60_000;

interface EventHead {
  id: number;
  type: string;
  visibility: string;
  actor_kind: string;
}

interface ActiveSubscription {
  id: number;
  event_types: string[];
  since_event_id: number;
}

/** True when a subscription's list of types takes `type`: the type itself, a `prefix.*` above it, or `*`. */
export function subscribes(types: readonly string[], type: string): boolean {
  return types.some((t) => t === "*" || t === type || (t.endsWith(".*") && type.startsWith(t.slice(0, -1))));
}

/** Fans out every event committed since the last run; returns how many deliveries it wrote. */
export async function fanOutWebhooks(db: Db, batch = FAN_OUT_BATCH): Promise<number> {
  let written = 0;
  for (;;) {
    const step = await db.transaction((tx) => fanOutBatch(tx, batch));
    written += step.written;
    if (!step.more) return written;
  }
}

async function fanOutBatch(tx: Sql, batch: number): Promise<{ written: number; more: boolean }> {
  const [state] = await tx.query<{ after_event_id: number; gaps: Record<string, number> }>(
    "SELECT after_event_id, gaps FROM webhook_cursor FOR UPDATE",
  );
  if (!state) throw new Error("webhook_cursor has no row: run the migrations");
  const subscriptions = await tx.query<ActiveSubscription>(
    "SELECT id, event_types, since_event_id FROM webhook_subscriptions WHERE active ORDER BY id",
  );
  if (subscriptions.length === 0) {
    // Nobody listens: nothing read now is owed to anyone, and a subscription made later starts after its creation.
    await tx.query(
      `UPDATE webhook_cursor SET gaps = '{}', updated_at = now(),
              after_event_id = GREATEST(after_event_id, (SELECT COALESCE(max(id), 0) FROM demand_events))`,
    );
    return { written: 0, more: false };
  }
  const cursor: IdCursor = {
    after: state.after_event_id,
    gaps: new Map(Object.entries(state.gaps).map(([id, until]) => [Number(id), until])),
  };
  const now = Date.now();
  const rows = await tx.query<EventHead>(
    `SELECT id, type, visibility, actor_kind FROM demand_events
      WHERE id > $1 OR id = ANY($2::bigint[]) ORDER BY id LIMIT $3`,
    [cursor.after, missingIds(cursor, now), batch],
  );
  const fresh = advance(cursor, rows, now, FAN_OUT_GAP_MS);
  // Public events only (what the tracking page shows); history brought in by an import is not news.
  const pairs: Array<{ subscription: number; event: EventHead }> = [];
  for (const event of fresh) {
    if (event.visibility !== "public" || event.actor_kind === "import") continue;
    for (const s of subscriptions) {
      if (event.id > s.since_event_id && subscribes(s.event_types, event.type)) {
        pairs.push({ subscription: s.id, event });
      }
    }
  }
  const written = pairs.length > 0 ? await writeDeliveries(tx, pairs) : 0;
  await tx.query("UPDATE webhook_cursor SET after_event_id = $1, gaps = $2, updated_at = now()", [
    cursor.after,
    JSON.stringify(Object.fromEntries(cursor.gaps)),
  ]);
  return { written, more: rows.length === batch };
}

/** Writes the deliveries (skipping pairs already written) and one outbox row each; returns how many were new. */
async function writeDeliveries(
  tx: Sql,
  pairs: Array<{ subscription: number; event: EventHead }>,
): Promise<number> {
  const ids = [...new Set(pairs.map((p) => p.event.id))];
  const facts = await tx.query<PublicEventFacts & { request_id: string | null }>(
    `SELECT e.id, e.type, e.at, e.actor_kind, e.data, e.request_id, d.protocol, d.status, s.code AS service_code,
            s.name AS service_name, d.district_code, di.name AS district_name, ${knownPersonSql("d")} AS known
       FROM demand_events e
       JOIN demands d ON d.id = e.demand_id
       JOIN services s ON s.id = d.service_id
       LEFT JOIN districts di ON di.code = d.district_code
      WHERE e.id = ANY($1::bigint[])`,
    [ids],
  );
  const bodies = new Map(facts.map((f) => [f.id, presentWebhookBody(f)]));
  const requestIds = new Map(facts.map((f) => [f.id, f.request_id]));
  const kept = pairs.filter((p) => bodies.has(p.event.id));
  const inserted = await tx.query<{ id: number }>(
    `INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, body, request_id)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[])
     ON CONFLICT (subscription_id, event_id) DO NOTHING
     RETURNING id`,
    [
      kept.map((p) => p.subscription),
      kept.map((p) => p.event.id),
      kept.map((p) => p.event.type),
      kept.map((p) => bodies.get(p.event.id)!),
      kept.map((p) => requestIds.get(p.event.id) ?? null),
    ],
  );
  if (inserted.length === 0) return 0;
  const deliveryIds = inserted.map((r) => Number(r.id));
  const outboxIds = await enqueueMany(
    tx,
    "deliver-webhook",
    deliveryIds.map((deliveryId) => ({ deliveryId })),
  );
  // enqueueMany answers the rows' ids in the payloads' order. A delivery whose event was caused by a request runs
  // under that request's id (the runner takes it from the outbox row and the POST sends it as X-Request-Id); the
  // others keep the fan-out's own.
  await tx.query(
    `WITH w AS (
       UPDATE webhook_deliveries w SET outbox_id = t.outbox_id
         FROM unnest($1::bigint[], $2::bigint[]) AS t(delivery_id, outbox_id) WHERE w.id = t.delivery_id
       RETURNING w.outbox_id, w.request_id)
     UPDATE outbox o SET request_id = w.request_id FROM w WHERE o.id = w.outbox_id AND w.request_id IS NOT NULL`,
    [deliveryIds, outboxIds],
  );
  return inserted.length;
}
