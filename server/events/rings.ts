/**
 * Ringing calls for the agents' consoles. The call's transaction NOTIFYs on `responsiva_calls` (sent at its commit,
 * so a pop never names a call that is not there); each web process LISTENs and hands the notice to its staff
 * streams, which send `call.ringing` to the agent the call rings for, or to every agent when it names nobody. A ring
 * is worth something only while the phone rings, so it is not replayed: a console that reconnects lists its open
 * calls (GET /api/v1/calls). Decision 0016.
 */
import type { Db } from "../db/index.ts";
import { can, type Staff } from "../http/auth.ts";

/** The channel ringing calls are announced on (written by server/telephony/commands.ts). */
export const RINGS_CHANNEL = "responsiva_calls";

/** One ring: the call and the agent it rings for (null: every agent). */
export interface Ring {
  callId: number;
  agentId: number | null;
}

/** The stream message of a ring. */
export function presentRing(ring: Ring) {
  return { kind: "call" as const, type: "call.ringing", callId: ring.callId, agentId: ring.agentId };
}

/** True when `staff` is to see the ring: it rings for them, or for every agent and they take calls. */
export function ringReaches(ring: Ring, staff: Staff): boolean {
  return ring.agentId === null ? can(staff.role, "calls.intake") : ring.agentId === staff.id;
}

/** The rings of one web process. */
export interface RingListener {
  /** Calls `deliver` with each ring until the returned function is called. */
  subscribe(deliver: (ring: Ring) => void): () => void;
  stop(): Promise<void>;
}

function parseRing(payload: string): Ring | undefined {
  try {
    const value = JSON.parse(payload) as { callId?: unknown; agentId?: unknown };
    if (typeof value.callId !== "number") return undefined;
    return { callId: value.callId, agentId: typeof value.agentId === "number" ? value.agentId : null };
  } catch {
    return undefined;
  }
}

/** LISTENs for rings; with none subscribed a ring is dropped. */
export async function startRingListener(db: Db): Promise<RingListener> {
  const subscribers = new Set<(ring: Ring) => void>();
  let unlisten: (() => Promise<void>) | undefined;
  try {
    unlisten = await db.listen(RINGS_CHANNEL, (payload) => {
      const ring = parseRing(payload);
      if (!ring) return;
      for (const deliver of subscribers) {
        try {
          deliver(ring);
        } catch (error) {
          console.error("events: a stream failed to take a ring", error);
        }
      }
    });
  } catch (error) {
    console.error("events: LISTEN for rings failed; consoles see calls by listing them", error);
  }
  return {
    subscribe(deliver) {
      subscribers.add(deliver);
      return () => void subscribers.delete(deliver);
    },
    async stop() {
      subscribers.clear();
      await unlisten?.().catch(() => {});
    },
  };
}
