/**
 * One client's feed: what it may see (its reader), the replay of what it missed since its Last-Event-ID, then the
 * hub's live items, each sent once. The SSE id of a message is the position after it, `EVENT:ALARM` (the highest
 * timeline event and alarm ids sent), or `EVENT` alone on streams without alarms.
 */
import type { Db } from "../db/index.ts";
import type { EventHub, LiveItem, Position } from "./hub.ts";
import { ALARM_TYPE, RESET_MESSAGE } from "./present.ts";
import { readLatestIds, replayAlarms, replayEvents } from "./queries.ts";
import type { SseStream } from "./sse.ts";

/** The most missed items replayed on reconnection; beyond it the client is told to reload (a `reset`). */
export const REPLAY_LIMIT = 1000;

/** What one stream may see. */
export interface Reader {
  /** Only the demands and alarms of this department; null: every department. */
  departmentId: number | null;
  /** Only this demand. */
  demandId: number | null;
  /** Only these types (`alarm.raised` for alarms); null: all. */
  types: ReadonlySet<string> | null;
  /** Public timeline events only, and no alarms (the tracking page). */
  publicOnly: boolean;
}

/** Where a reconnecting client left off; `alarm` null when its id named no alarm position. */
export interface Resume {
  event: number;
  alarm: number | null;
}

/** Parses a Last-Event-ID (`123:45` or `123`); undefined when it is not one. */
export function parseLastEventId(value: string): Resume | undefined {
  const match = /^(\d{1,15})(?::(\d{1,15}))?$/.exec(value.trim());
  if (!match) return undefined;
  return { event: Number(match[1]), alarm: match[2] === undefined ? null : Number(match[2]) };
}

/** True when the reader may see the item. */
export function sees(reader: Reader, item: LiveItem): boolean {
  if (reader.publicOnly && (item.kind === "alarm" || item.row.visibility !== "public")) return false;
  if (reader.departmentId !== null && item.row.department_id !== reader.departmentId) return false;
  if (reader.demandId !== null && item.row.demand_id !== reader.demandId) return false;
  const type = item.kind === "alarm" ? ALARM_TYPE : item.row.type;
  return reader.types === null || reader.types.has(type);
}

/** How each kind of item becomes a message on this stream. */
export type Presenter = (item: LiveItem) => unknown;

/**
 * Runs a feed on an open stream: subscribes (when live), replays what was missed since `resume`, marks the
 * position, then forwards live items until the stream closes. A catch-up (not live) ends after the replay.
 */
export async function runFeed(feed: {
  db: Db;
  hub: EventHub;
  sse: SseStream;
  reader: Reader;
  resume: Resume | undefined;
  live: boolean;
  present: Presenter;
}): Promise<void> {
  const { db, hub, sse, reader, resume, present } = feed;
  const withAlarms = !reader.publicOnly;
  const idOf = (p: Position) => (withAlarms ? `${p.event}:${p.alarm}` : `${p.event}`);
  const pending: LiveItem[] = [];
  const replayed = new Set<string>();
  let ready = false;
  let position: Position = { event: 0, alarm: 0 };

  // A batch goes out in one write: under heavy intake a console gets a few writes a second, not one per event.
  const forward = (items: readonly LiveItem[]) => {
    const out: Array<{ id: string; message: unknown }> = [];
    for (const item of items) {
      if (!sees(reader, item) || replayed.has(`${item.kind}:${item.row.id}`)) continue;
      if (item.kind === "event") position.event = Math.max(position.event, item.row.id);
      else position.alarm = Math.max(position.alarm, item.row.id);
      out.push({ id: idOf(position), message: present(item) });
    }
    sse.send(out);
  };

  let from: Position;
  if (feed.live) {
    const subscription = await hub.subscribe((items) => {
      if (ready) forward(items);
      else pending.push(...items);
    });
    sse.onClose(subscription.unsubscribe);
    from = subscription.from;
  } else {
    from = await readLatestIds(db);
  }

  if (resume) {
    position = { event: resume.event, alarm: resume.alarm ?? from.alarm };
    const missed = await replay(db, reader, position, withAlarms && resume.alarm !== null);
    if (missed === undefined) {
      position = { ...from };
      sse.send([{ id: idOf(position), message: RESET_MESSAGE }]);
    } else {
      forward(missed);
      // The same rows may also be in the hub's first batches: sent once.
      for (const item of missed) replayed.add(`${item.kind}:${item.row.id}`);
    }
  }
  position = { event: Math.max(position.event, from.event), alarm: Math.max(position.alarm, from.alarm) };
  sse.mark(idOf(position));
  ready = true;
  forward(pending.splice(0));
  if (!feed.live) sse.close();
}

/** The items after `after` the reader may see, oldest first per table; undefined when over the limit. */
async function replay(
  db: Db,
  reader: Reader,
  after: Position,
  withAlarms: boolean,
): Promise<LiveItem[] | undefined> {
  const filter = {
    departmentId: reader.departmentId,
    demandId: reader.demandId,
    types: reader.types ? [...reader.types] : null,
    publicOnly: reader.publicOnly,
  };
  const wantsAlarms = withAlarms && (reader.types === null || reader.types.has(ALARM_TYPE));
  const [events, alarms] = await Promise.all([
    replayEvents(db, after.event, filter, REPLAY_LIMIT + 1),
    wantsAlarms ? replayAlarms(db, after.alarm, filter, REPLAY_LIMIT + 1) : [],
  ]);
  if (events.length + alarms.length > REPLAY_LIMIT) return undefined;
  // Each table in id order: a client cut off mid-replay resumes after the last id it got and misses nothing.
  return [
    ...events.map((row) => ({ kind: "event" as const, row })),
    ...alarms.map((row) => ({ kind: "alarm" as const, row })),
  ];
}
