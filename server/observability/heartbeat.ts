/**
 * Process heartbeats: each process writes a `process_heartbeats` row per role it plays and beats it every few
 * seconds, so /health/ready (of any process on the same database) knows whether a worker and a scheduler are alive,
 * and an operator sees every process with `SELECT * FROM process_heartbeats`. A separate module started by main.ts
 * per role: the worker and the scheduler loops know nothing of it.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Role } from "../config.ts";
import type { Db } from "../db/index.ts";
import { logger } from "./log.ts";

/** How often a process beats. */
export const BEAT_MS = 5_000;
/** A role is alive while one of its rows beat within this many seconds (six beats: a busy event loop is not death). */
export const ALIVE_SECONDS = 30;

const log = logger("heartbeat");

/** Beats the rows of `roles` every `beatMs` until stopped; stopping deletes them (the roles leave with the process). */
export function startHeartbeat(
  db: Db,
  roles: readonly Role[],
  beatMs = BEAT_MS,
): { stop(): Promise<void>; readonly processId: string } {
  const processId = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const ids = roles.map((role) => `${processId}:${role}`);
  let failing = false;
  const beat = async () => {
    try {
      await db.query(
        `INSERT INTO process_heartbeats (process_id, role, host, pid)
         SELECT id, role, $3, $4 FROM unnest($1::text[], $2::text[]) AS r(id, role)
         ON CONFLICT (process_id) DO UPDATE SET beat_at = now()`,
        [ids, roles, hostname(), process.pid],
      );
      if (failing) log.info("heartbeat written again");
      failing = false;
    } catch (error) {
      // The database away: readiness says so from the same failure; one line, not one per beat.
      if (!failing) log.warn({ err: error }, "heartbeat failed");
      failing = true;
    }
  };
  // Rows of processes killed long ago would pile up: a start sweeps those silent for a day.
  let current = db
    .query("DELETE FROM process_heartbeats WHERE beat_at < now() - interval '1 day'")
    .catch(() => {})
    .then(beat);
  const timer = setInterval(() => {
    current = beat();
  }, beatMs);
  timer.unref();
  return {
    processId,
    async stop() {
      clearInterval(timer);
      await current;
      await db
        .query("DELETE FROM process_heartbeats WHERE process_id = ANY($1)", [ids])
        .catch((error) => log.warn({ err: error }, "could not remove the heartbeat rows"));
    },
  };
}
