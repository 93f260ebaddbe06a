/** The JSON shapes of calls that leave the server: the call, the screen pop, and the protocol read back aloud. */
import { presentCitizen } from "../citizens/present.ts";
import { type Locale, pickLocalized } from "../i18n.ts";
import type { CallerDemandRow, CallerHistory, CallRow, PreviousCallRow } from "./queries.ts";

/** A call for the console. */
export function presentCall(c: CallRow) {
  return {
    id: c.id,
    provider: c.provider,
    state: c.state,
    from: c.from_number,
    fromRaw: c.from_raw,
    to: c.to_number,
    agentId: c.agent_id,
    citizenId: c.citizen_id,
    rangAt: c.rang_at.toISOString(),
    answeredAt: c.answered_at?.toISOString() ?? null,
    endedAt: c.ended_at?.toISOString() ?? null,
    endReason: c.end_reason,
  };
}

function presentCallerDemand(d: CallerDemandRow, locale: Locale) {
  return {
    protocol: d.protocol,
    status: d.status,
    identity: d.identity_mode,
    service: { code: d.service_code, name: pickLocalized(d.service_name, locale) },
    openedAt: d.opened_at.toISOString(),
    closedAt: d.closed_at?.toISOString() ?? null,
    dueAt: d.due_at?.toISOString() ?? null,
    open: d.is_open,
  };
}

function presentPreviousCall(c: PreviousCallRow) {
  return {
    id: c.id,
    state: c.state,
    endReason: c.end_reason,
    rangAt: c.rang_at.toISOString(),
    endedAt: c.ended_at?.toISOString() ?? null,
    protocols: c.protocols,
  };
}

/**
 * The screen pop: the call, the caller if known (with their open and recent demands and earlier calls), else an
 * empty history and the number ready to fill a new citizen.
 */
export function presentScreenPop(call: CallRow, history: CallerHistory, locale: Locale) {
  return {
    call: presentCall(call),
    caller: {
      number: call.from_number,
      known: history.citizen !== undefined,
      citizen: history.citizen
        ? { ...presentCitizen(history.citizen), demandCount: history.demandCount }
        : null,
      // What the console puts in the new-citizen form when the number finds nobody.
      newCitizen: history.citizen ? null : { phone: call.from_number },
    },
    openDemands: history.open.map((d) => presentCallerDemand(d, locale)),
    recentDemands: history.recent.map((d) => presentCallerDemand(d, locale)),
    previousCalls: history.calls.map(presentPreviousCall),
  };
}

const DIGIT_WORDS = ["zero", "um", "dois", "três", "quatro", "cinco", "meia", "sete", "oito", "nove"];

/**
 * A protocol grouped for reading aloud: the year, the serial in fours from the left, the check digit apart
 * ("2026 0000 1234 7"), and the same in pt-BR words, six said "meia" as Brazilian phone dictation does so it is
 * never heard as "três".
 */
export function readBack(protocol: string): { grouped: string; words: string } {
  const year = protocol.slice(0, 4);
  const serial = protocol.slice(4, -1);
  const check = protocol.slice(-1);
  const groups = [year, ...(serial.match(/.{1,4}/g) ?? []), check];
  return {
    grouped: groups.join(" "),
    words: groups.map((g) => [...g].map((d) => DIGIT_WORDS[Number(d)]).join(" ")).join(", "),
  };
}
