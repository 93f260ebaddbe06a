/**
 * Ringing calls for the agents' consoles. The call's transaction NOTIFYs on `responsiva_calls` (sent at its commit,
 * so a pop never names a call that is not there); each web process LISTENs and hands the notice to its staff
 * streams, which send `call.ringing` to the agent the call rings for, or to every agent when it names nobody. A ring
 * is worth something only while the phone rings, so it is not replayed: a console that reconnects lists its open
 * calls (GET /api/v1/calls). Decision 0016.
 */
import type { Db } from "../db/index.ts";
import { can, type Staff } from "../http/auth.ts";
import { currentTenant, DEFAULT_TENANT } from "../tenants/current.ts";

/** The channel ringing calls are announced on (written by server/telephony/commands.ts). */
export const RINGS_CHANNEL = "responsiva_calls";

/**
 * One notice: the call, the agent it rings for (null: every agent), and what happened — it rings, an agent took
 * it, or it ended (so the other consoles stop showing it as ringing). Absent state: ringing.
 */
export interface Ring {
  /** The call's tenant: a ring reaches only the streams of that tenant (decision 0059). */
  tenant: number;
  callId: number;
  agentId: number | null;
  state?: "ringing" | "answered" | "ended";
}

/** The stream message of a notice: `call.ringing`, `call.answered` or `call.ended`. */
export function presentRing(ring: Ring) {
  return {
    kind: "call" as const,
    type: `call.${ring.state ?? "ringing"}`,
    callId: ring.callId,
    agentId: ring.agentId,
  };
}

/**
 * True when `staff` is to see the notice: a ring for them, or for every agent and they take calls; an answered or
 * ended call is told to everyone who takes calls, whose consoles may still show it ringing.
 */
export function ringReaches(ring: Ring, staff: Staff): boolean {
  if ((ring.state ?? "ringing") !== "ringing" || ring.agentId === null)
    return can(staff.role, "calls.intake");
  return ring.agentId === staff.id;
}

/** The rings of one web process. */
export interface RingListener {
  /** Calls `deliver` with each ring of the subscriber's tenant until the returned function is called. */
  subscribe(deliver: (ring: Ring) => void): () => void;
  stop(): Promise<void>;
}

function parseRing(payload: string): Ring | undefined {
  try {
    const value = JSON.parse(payload) as {
      tenant?: unknown;
      callId?: unknown;
      agentId?: unknown;
      state?: unknown;
    };
    if (typeof value.callId !== "number") return undefined;
    const state = value.state === "answered" || value.state === "ended" ? value.state : "ringing";
    // A notice of a release before tenants (a rolling upgrade) is the default tenant's.
    const tenant = typeof value.tenant === "number" ? value.tenant : DEFAULT_TENANT;
    return {
      tenant,
      callId: value.callId,
      agentId: typeof value.agentId === "number" ? value.agentId : null,
      state,
    };
  } catch {
    return undefined;
  }
}

/** LISTENs for rings; with none subscribed a ring is dropped. */
export async function startRingListener(db: Db): Promise<RingListener> {
  // Each stream with the tenant it was opened for.
  const subscribers = new Map<(ring: Ring) => void, number>();
  let unlisten: (() => Promise<void>) | undefined;
  try {
    unlisten = await db.listen(RINGS_CHANNEL, (payload) => {
      const ring = parseRing(payload);
      if (!ring) return;
      for (const [deliver, tenant] of subscribers) {
        if (tenant !== ring.tenant) continue;
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
      subscribers.set(deliver, currentTenant());
      return () => void subscribers.delete(deliver);
    },
    async stop() {
      subscribers.clear();
      await unlisten?.().catch(() => {});
    },
  };
}
