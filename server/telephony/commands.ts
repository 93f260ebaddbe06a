/**
 * Commands on calls: a telephony event recorded (the call row created or moved on, the caller found by the number,
 * the agents told it rings), an agent taking a ringing call, and a demand registered during a call with the caller
 * as its citizen. Each runs in one transaction.
 */

import type { Staff } from "../access/principal.ts";
import { normalisePhone, PHONE_CHANNELS } from "../citizens/contacts.ts";
import { type Db, maybeOne, one, type Sql } from "../db/index.ts";
import { type Actor, type CreatedDemand, createDemand, type Idempotency } from "../demands/commands.ts";
import { AppError, conflict } from "../errors.ts";
import { RINGS_CHANNEL, type Ring } from "../events/rings.ts";
import { currentTenant } from "../tenants/current.ts";
import { type CallRow, findCall } from "./queries.ts";
import { linkCallRecordings } from "./recordings.ts";
import type { CallDemandInput } from "./schemas.ts";

/** A call event from either provider, read into one shape. */
export interface CallEventInput {
  provider: "pbx" | "twilio";
  providerCallId: string;
  /** `ivr`: the line's IVR answered the call; it rings for the agents when the caller asks for one. */
  event: "ivr" | "ringing" | "answered" | "ended";
  from: string;
  to: string;
  /** Staff e-mail or extension. */
  agent?: string | undefined;
  at: Date;
  reason?: string | undefined;
}

const ORDER = { ivr: -1, ringing: 0, answered: 1, ended: 2 } as const;

/**
 * The caller's number in E.164 ("+5511987654321"): Brazilian numbers with or without trunk and carrier prefixes,
 * 0800/0300 numbers, numbers with a country code; a local 8- or 9-digit number gets `areaCode`. Null when the
 * number was withheld or is not a full number.
 */
export function callerNumber(raw: string, areaCode?: string): string | null {
  const digits = raw.replace(/\D/g, "");
  if (areaCode && !raw.trim().startsWith("+") && /^\d{8,9}$/.test(digits)) {
    return `+55${areaCode}${digits}`;
  }
  const e164 = normalisePhone(raw);
  return e164 ? `+${e164}` : null;
}

/** The dialled number: E.164 when it is a full number, else as sent (a short code such as 156). */
export function dialledNumber(raw: string): string {
  return callerNumber(raw) ?? raw.trim();
}

/**
 * The oldest living citizen holding this number on a phone channel: a hint for the agent's screen pop only. Caller ID
 * is asserted by the network, not proven by the person, so nothing is ever attached to this record (decision 0019).
 */
async function citizenByNumber(sql: Sql, e164: string | null): Promise<number | null> {
  if (!e164) return null;
  const row = await maybeOne<{ id: number }>(
    sql,
    `SELECT z.id FROM citizens z JOIN citizen_contacts c ON c.citizen_id = z.id
      WHERE z.erased_at IS NULL AND c.value = $1 AND c.channel = ANY($2::text[])
      ORDER BY z.id LIMIT 1`,
    [e164.slice(1), PHONE_CHANNELS],
  );
  return row?.id ?? null;
}

/** The active staff member a PBX names by e-mail or extension; null when none. */
async function agentNamed(sql: Sql, agent: string | undefined): Promise<number | null> {
  if (!agent) return null;
  const row = await maybeOne<{ id: number }>(
    sql,
    "SELECT id FROM staff_users WHERE active AND (lower(email) = lower($1) OR extension = $1) ORDER BY id LIMIT 1",
    [agent],
  );
  return row?.id ?? null;
}

/**
 * Records one call event. A call moves only forward (ringing → answered → ended): a repeated or late event changes
 * nothing and answers `changed: false`. A call that starts ringing (or rings for another agent) is announced on
 * RINGS_CHANNEL inside the transaction, so the screen pop leaves exactly when the row is committed.
 */
export async function recordCallEvent(
  db: Db,
  input: CallEventInput,
  options: { areaCode?: string | undefined } = {},
): Promise<{ call: CallRow; changed: boolean; agentKnown: boolean }> {
  const from = callerNumber(input.from, options.areaCode);
  const to = dialledNumber(input.to);
  return db.transaction(async (tx) => {
    const agentId = await agentNamed(tx, input.agent);
    const agentKnown = input.agent === undefined || agentId !== null;
    const existing = await maybeOne<CallRow>(
      tx,
      "SELECT * FROM calls WHERE provider = $1 AND provider_call_id = $2 FOR UPDATE",
      [input.provider, input.providerCallId],
    );
    const reason =
      input.event === "ended"
        ? (input.reason ??
          (existing?.answered_at || existing?.state === "answered" ? "completed" : "no-answer"))
        : null;
    let call: CallRow;
    let rings = false;
    if (!existing) {
      const citizenId = await citizenByNumber(tx, from);
      call = await one<CallRow>(
        tx,
        `INSERT INTO calls (provider, provider_call_id, from_number, from_raw, to_number, state, end_reason, agent_id,
                            citizen_id, rang_at, answered_at, ended_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
                 CASE WHEN $6 = 'answered' THEN $10::timestamptz END,
                 CASE WHEN $6 = 'ended' THEN $10::timestamptz END)
         RETURNING *`,
        [
          input.provider,
          input.providerCallId,
          from,
          input.from,
          to,
          input.event,
          reason,
          agentId,
          citizenId,
          input.at,
        ],
      );
      rings = input.event === "ringing";
    } else {
      const forward = ORDER[input.event] > ORDER[existing.state];
      // The same call ringing for another agent (a transfer, or the queue picking someone) is a new ring.
      const rerouted =
        input.event === "ringing" &&
        existing.state === "ringing" &&
        agentId !== null &&
        agentId !== existing.agent_id;
      // The provider saying it answered a call its IVR holds is not an agent answering (docs/telephony.md, IVR).
      const ivrAnswered = existing.state === "ivr" && input.event === "answered";
      if ((!forward && !rerouted) || ivrAnswered) return { call: existing, changed: false, agentKnown };
      call = await one<CallRow>(
        tx,
        // Out of the IVR, a call rings from now: the consoles' longest-waiting call is the longest ringing.
        `UPDATE calls SET state = $2, agent_id = coalesce($3, agent_id),
                rang_at = CASE WHEN state = 'ivr' AND $2 = 'ringing' THEN $4 ELSE rang_at END,
                answered_at = CASE WHEN $2 = 'answered' THEN coalesce(answered_at, $4) ELSE answered_at END,
                ended_at = CASE WHEN $2 = 'ended' THEN $4 ELSE ended_at END,
                end_reason = coalesce($5, end_reason)
          WHERE id = $1 RETURNING *`,
        [existing.id, input.event, agentId, input.at, reason],
      );
      // Out of the IVR to the agents: it rings now, with the screen pop.
      rings = rerouted || (existing.state === "ivr" && input.event === "ringing");
    }
    if (rings) await notifyCall(tx, { callId: call.id, agentId: call.agent_id, state: "ringing" });
    else if (call.state === "answered" || call.state === "ended")
      await notifyCall(tx, { callId: call.id, agentId: call.agent_id, state: call.state });
    return { call, changed: true, agentKnown };
  });
}

/** Tells the consoles about a call at the transaction's commit (decision 0016). */
async function notifyCall(tx: Sql, notice: Omit<Ring, "tenant">): Promise<void> {
  // The notice names the call's tenant: every web process hears it, and only that tenant's consoles take it.
  const ring: Ring = { ...notice, tenant: currentTenant() };
  await tx.query("SELECT pg_notify($1, $2)", [RINGS_CHANNEL, JSON.stringify(ring)]);
}

/** The agent takes a ringing call (from the console): it becomes theirs and answered. 409 when someone else has it. */
export async function takeCall(db: Db, callId: number, staff: Staff): Promise<CallRow> {
  return db.transaction(async (tx) => {
    const call = await maybeOne<CallRow>(tx, "SELECT * FROM calls WHERE id = $1 FOR UPDATE", [callId]);
    if (!call) throw new AppError(404, "unknown_call", { id: callId });
    if (call.state === "ended") throw conflict("call_ended", { id: callId });
    if (call.state === "answered") {
      if (call.agent_id === staff.id) return call;
      throw conflict("call_taken", { id: callId });
    }
    const taken = await one<CallRow>(
      tx,
      "UPDATE calls SET state = 'answered', agent_id = $2, answered_at = now() WHERE id = $1 RETURNING *",
      [callId, staff.id],
    );
    await notifyCall(tx, { callId, agentId: staff.id, state: "answered" });
    return taken;
  });
}

/**
 * Registers a demand during a call: channel phone, the staff member as the actor, the caller as the citizen (a record
 * of its own with the number and what the agent typed, all unproven: never added to the record the number matched,
 * decision 0019), and the call linked to the demand (and to that record when the number matched none), in the
 * demand's own transaction.
 */
export async function registerCallDemand(
  db: Db,
  staff: Staff,
  callId: number,
  input: CallDemandInput,
  idempotency?: Idempotency,
): Promise<CreatedDemand> {
  const call = await findCall(db, callId);
  if (!call) throw new AppError(404, "unknown_call", { id: callId });
  // Another agent's call is theirs to register on (the caller talks to them).
  if (call.agent_id !== null && call.agent_id !== staff.id) throw conflict("call_taken", { id: callId });
  const actor: Actor = { kind: "staff", id: staff.id };
  const citizen =
    input.identity === "anonymous"
      ? undefined
      : { ...input.citizen, ...(call.from_number ? { phone: call.from_number } : {}) };
  return createDemand(
    db,
    actor,
    { ...input, channel: "phone", citizen },
    [],
    idempotency,
    async (tx, demand) => {
      await tx.query("INSERT INTO call_demands (call_id, demand_id) VALUES ($1, $2)", [call.id, demand.id]);
      await linkCallRecordings(tx, call.id);
      await tx.query(
        `UPDATE calls SET citizen_id = coalesce(citizen_id, (SELECT citizen_id FROM demands WHERE id = $2))
          WHERE id = $1`,
        [call.id, demand.id],
      );
    },
  );
}
