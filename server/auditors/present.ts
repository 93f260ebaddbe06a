/** The JSON shapes of citizen auditors: the staff view, and the citizen's view of their own enrolment. */
import type { AuditorCallRow } from "./calls.ts";
import type { AuditorRow } from "./queries.ts";

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

/** An enrolment as the citizen sees their own: their choices, their place, their consent. */
export function presentOwnAuditor(a: AuditorRow) {
  return {
    id: Number(a.id),
    state: a.state,
    phone: a.phone,
    channel: a.channel,
    language: a.language,
    block: { id: Number(a.block_id), sector: a.sector, block: a.block },
    districtCode: a.district_code,
    address: a.address,
    point: a.lat === null || a.lon === null ? null : { lat: a.lat, lon: a.lon },
    windows: a.windows,
    maxCallsPerWeek: a.max_calls_per_week,
    consent: {
      at: iso(a.consent_at),
      channel: a.consent_channel,
      textVersion: a.consent_text_version,
      // A withdrawal recorded on another channel after this consent: no call is made until it is given again.
      withdrawnAt: iso(a.consent_withdrawn_at),
    },
    revoked: a.revoked_at
      ? { at: iso(a.revoked_at), channel: a.revoked_channel, reason: a.revoked_reason }
      : null,
    createdAt: iso(a.created_at),
    updatedAt: iso(a.updated_at),
  };
}

/** An enrolment as staff see it: the citizen's view with whose it is and the do-not-call flag. */
export function presentAuditor(a: AuditorRow) {
  return {
    ...presentOwnAuditor(a),
    citizen: { id: Number(a.citizen_id), name: a.citizen_name },
    doNotCall: a.do_not_call,
  };
}

/** A call to an auditor as staff see it: when, how far it got, and the response it stored (never the answers). */
export function presentAuditorCall(
  c: AuditorCallRow,
  recordings: readonly { id: number; duration_seconds: number | null; expires_at: Date }[] = [],
) {
  return {
    id: Number(c.id),
    auditorId: Number(c.auditor_id),
    versionId: Number(c.version_id),
    state: c.state,
    attempts: c.attempts,
    lastOutcome: c.last_outcome,
    dueAt: iso(c.due_at),
    untilAt: iso(c.until_at),
    responseId: c.response_id === null ? null : Number(c.response_id),
    createdAt: iso(c.created_at),
    endedAt: iso(c.ended_at),
    // Stored and not expired; the audio is GET /api/v1/call-recordings/:id/audio (recordings.listen).
    recordings: recordings.map((r) => ({
      id: Number(r.id),
      durationSeconds: r.duration_seconds,
      expiresAt: iso(r.expires_at),
    })),
  };
}
