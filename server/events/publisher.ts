/**
 * The announcer of one process: after this process commits changes it sends one NOTIFY on `responsiva_events`,
 * outside any transaction and at most once per interval, so the web processes' hubs read the new rows at once.
 * A NOTIFY inside a transaction would take PostgreSQL's notify lock at every commit and serialise intake; one
 * NOTIFY per interval costs nothing. A crash between a commit and its NOTIFY only delays delivery: the hubs also
 * read every second.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "../db/index.ts";

/** The channel every process announces on and every web process LISTENs on. */
export const EVENTS_CHANNEL = "responsiva_events";

/** This process's mark in the payload, so its own hub skips what its own commits already woke. */
export const ORIGIN = randomUUID();

/** A running publisher. */
export interface Publisher {
  /** Sends the pending announcement now, then stops. */
  stop(): Promise<void>;
}

/**
 * Starts announcing this process's commits, at most one NOTIFY every `intervalMs`; `origin` marks the payload (this
 * process's by default).
 */
export function startPublisher(db: Db, options: { intervalMs?: number; origin?: string } = {}): Publisher {
  const intervalMs = options.intervalMs ?? 100;
  const origin = options.origin ?? ORIGIN;
  let lastSent = 0;
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> | undefined;
  const send = () => {
    timer = undefined;
    lastSent = Date.now();
    sending = db
      .query("SELECT pg_notify($1, $2)", [EVENTS_CHANNEL, origin])
      .then(() => undefined)
      // The hubs' safety-net read delivers what this announcement would have hurried.
      .catch((error) => console.error("events: NOTIFY failed", error));
  };
  const off = db.onCommit(() => {
    if (timer) return;
    timer = setTimeout(send, Math.max(0, lastSent + intervalMs - Date.now()));
  });
  return {
    async stop() {
      off();
      if (timer) {
        clearTimeout(timer);
        send();
      }
      await sending;
    },
  };
}
