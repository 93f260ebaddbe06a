/**
 * The live-event hub of one web process: it reads new timeline events and alarms by id cursor and hands them to
 * the process's connected streams. It reads when this process commits a change, when another process announces one
 * on the `responsiva_events` channel, and every second as a safety net (a lost NOTIFY only delays delivery). With no
 * stream connected it does nothing at all.
 */
import type { Db } from "../db/index.ts";
import { currentTenant, runAcrossTenants } from "../tenants/current.ts";
import { advance, type IdCursor, missingIds, newCursor } from "./cursor.ts";
import { EVENTS_CHANNEL, ORIGIN } from "./publisher.ts";
import {
  type LiveAlarmRow,
  type LiveEventRow,
  readAlarmsSince,
  readEventsSince,
  readLatestIds,
} from "./queries.ts";

/** A new row for the streams: a timeline event or an alarm. */
export type LiveItem = { kind: "event"; row: LiveEventRow } | { kind: "alarm"; row: LiveAlarmRow };

/** Where live delivery starts: the highest event and alarm ids already behind the hub. */
export interface Position {
  event: number;
  alarm: number;
}

/** One subscription: `from` is the position after which items are delivered; `unsubscribe` ends it. */
export interface Subscription {
  from: Position;
  unsubscribe(): void;
}

/** The hub of one process. */
export interface EventHub {
  /** Delivers every new item to `deliver` (in batches, ascending ids per table) until unsubscribed. */
  subscribe(deliver: (items: LiveItem[]) => void): Promise<Subscription>;
  /** Asks for a read soon (coalesced: at most one every `minIntervalMs`). */
  wake(): void;
  /** How many streams are subscribed now. */
  connected(): number;
  stop(): Promise<void>;
}

export interface HubOptions {
  /** The safety-net read while streams are connected. */
  safetyPollMs?: number;
  /** The shortest time between two reads, however many wake-ups arrive. */
  minIntervalMs?: number;
  /** Rows per read; a full batch is followed by another read at once. */
  batch?: number;
  /** Announcements carrying this mark are this process's own and skipped (tests play two processes in one). */
  origin?: string;
}

/** Starts the hub: LISTENs on the events channel and wakes on this process's own commits. */
export async function startEventHub(db: Db, options: HubOptions = {}): Promise<EventHub> {
  const safetyPollMs = options.safetyPollMs ?? 1000;
  const minIntervalMs = options.minIntervalMs ?? 100;
  const batch = options.batch ?? 500;
  const origin = options.origin ?? ORIGIN;
  // Each stream with the tenant it was opened for: the hub reads every tenant's rows and hands each its own.
  const subscribers = new Map<(items: LiveItem[]) => void, number>();
  let cursors: { event: IdCursor; alarm: IdCursor } | undefined;
  let starting: Promise<void> | undefined;
  let reading: Promise<void> | undefined;
  let again = false;
  let lastRead = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const read = async (): Promise<void> => {
    const current = cursors;
    if (!current) return;
    for (;;) {
      const now = Date.now();
      const [events, alarms] = await runAcrossTenants(() =>
        Promise.all([
          readEventsSince(db, current.event.after, missingIds(current.event, now), batch),
          readAlarmsSince(db, current.alarm.after, missingIds(current.alarm, now), batch),
        ]),
      );
      const items: LiveItem[] = [
        ...advance(current.event, events, now).map((row) => ({ kind: "event" as const, row })),
        ...advance(current.alarm, alarms, now).map((row) => ({ kind: "alarm" as const, row })),
      ];
      // A hub that went idle and started again meanwhile has a new cursor: this batch belongs to nobody.
      if (cursors !== current) return;
      if (items.length > 0) {
        for (const [deliver, tenant] of subscribers) {
          const theirs = items.filter((item) => item.row.tenant_id === tenant);
          if (theirs.length === 0) continue;
          try {
            deliver(theirs);
          } catch (error) {
            console.error("events: a stream failed to take a batch", error);
          }
        }
      }
      if (events.length < batch && alarms.length < batch) return;
    }
  };

  const runRead = () => {
    timer = undefined;
    if (reading) {
      again = true;
      return;
    }
    lastRead = Date.now();
    reading = read()
      .catch((error) => console.error("events: reading new events failed", error))
      .finally(() => {
        reading = undefined;
        if (again) {
          again = false;
          schedule();
        }
      });
  };

  function schedule() {
    if (stopped || subscribers.size === 0 || timer) return;
    timer = setTimeout(runRead, Math.max(0, lastRead + minIntervalMs - Date.now()));
  }

  const safety = setInterval(schedule, safetyPollMs);
  safety.unref();
  const offCommit = db.onCommit(schedule);
  let unlisten: (() => Promise<void>) | undefined;
  try {
    // Our own announcements are skipped: this process's commits already woke it.
    unlisten = await db.listen(EVENTS_CHANNEL, (payload) => {
      if (payload !== origin) schedule();
    });
  } catch (error) {
    console.error("events: LISTEN failed; falling back to reading every second", error);
  }

  return {
    async subscribe(deliver) {
      subscribers.set(deliver, currentTenant());
      if (!cursors) {
        starting ??= runAcrossTenants(() => readLatestIds(db))
          .then((ids) => {
            cursors = { event: newCursor(ids.event), alarm: newCursor(ids.alarm) };
          })
          .finally(() => {
            starting = undefined;
          });
        try {
          await starting;
        } catch (error) {
          subscribers.delete(deliver);
          throw error;
        }
      }
      const from = { event: cursors!.event.after, alarm: cursors!.alarm.after };
      return {
        from,
        unsubscribe() {
          subscribers.delete(deliver);
          // Idle again: the next first stream starts from the latest ids, not from a stale cursor.
          if (subscribers.size === 0) cursors = undefined;
        },
      };
    },
    wake: schedule,
    connected: () => subscribers.size,
    async stop() {
      stopped = true;
      clearInterval(safety);
      clearTimeout(timer);
      offCommit();
      subscribers.clear();
      await reading;
      await unlisten?.().catch(() => {});
    },
  };
}
