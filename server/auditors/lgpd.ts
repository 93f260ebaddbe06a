/**
 * A citizen auditor's data under the LGPD: emptied with the person's erasure, listed in the person's export. Kept
 * apart from commands.ts so server/citizens can call it without importing the auditors' commands (which import
 * the citizens' own).
 */
import type { Sql } from "../db/index.ts";
import { cancelUnwantedCalls } from "./calls.ts";
import { expireRecordingsOfCitizen } from "./recordings.ts";

/**
 * Revokes and empties every enrolment of a citizen being erased, inside the erasure's transaction: revoked and
 * do-not-call at once (channel `erasure`), the number, address, point and reason nulled, the windows deleted. The
 * rows stay, as counts of a block's auditors over time; the person's consent history stays with their emptied record.
 */
export async function emptyAuditorsOfCitizen(tx: Sql, citizenId: number): Promise<number> {
  const rows = await tx.query<{ id: number }>(
    `UPDATE auditors
        SET state = 'revoked', do_not_call = true, revoked_at = coalesce(revoked_at, now()),
            revoked_channel = coalesce(revoked_channel, 'erasure'), revoked_reason = NULL, phone = NULL,
            address = NULL, point = NULL, updated_at = now()
      WHERE citizen_id = $1
      RETURNING id`,
    [citizenId],
  );
  await tx.query("DELETE FROM auditor_windows WHERE auditor_id = ANY($1::bigint[])", [rows.map((r) => r.id)]);
  await expireRecordingsOfCitizen(tx, citizenId);
  await cancelUnwantedCalls(
    tx,
    rows.map((r) => r.id),
  );
  return rows.length;
}

/**
 * The calls made to a citizen as an auditor, and the recordings of their voice kept, as their export lists them:
 * when, how each call went, and each recording's length, state and end of keeping (the audio itself is
 * `GET /api/v1/call-recordings/{id}/audio`, for staff with recordings.listen to hand over).
 */
export async function exportAuditorCallsOf(sql: Sql, citizenId: number) {
  const calls = await sql.query<{
    id: number;
    due_at: Date | string;
    state: string;
    attempts: number;
    last_outcome: string | null;
    ended_at: Date | string | null;
  }>(
    `SELECT c.id, c.due_at, c.state, c.attempts, c.last_outcome, c.ended_at
       FROM auditor_calls c JOIN auditors a ON a.id = c.auditor_id
      WHERE a.citizen_id = $1 ORDER BY c.id`,
    [citizenId],
  );
  const recordings = await sql.query<{
    id: number;
    auditor_call_id: number | null;
    state: string;
    duration_seconds: number | null;
    created_at: Date | string;
    expires_at: Date | string;
  }>(
    `SELECT id, auditor_call_id, state, duration_seconds, created_at, expires_at
       FROM call_recordings WHERE citizen_id = $1 AND expires_at > now() ORDER BY id`,
    [citizenId],
  );
  const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());
  return {
    auditorCalls: calls.map((c) => ({
      id: Number(c.id),
      dueAt: iso(c.due_at),
      state: c.state,
      attempts: c.attempts,
      lastOutcome: c.last_outcome,
      endedAt: iso(c.ended_at),
    })),
    callRecordings: recordings.map((r) => ({
      id: Number(r.id),
      auditorCallId: r.auditor_call_id === null ? null : Number(r.auditor_call_id),
      state: r.state,
      durationSeconds: r.duration_seconds,
      recordedAt: iso(r.created_at),
      keptUntil: iso(r.expires_at),
      audio: r.state === "stored" ? `/api/v1/call-recordings/${Number(r.id)}/audio` : null,
    })),
  };
}

/** A citizen's enrolments as their LGPD export lists them (art. 18 II and V), oldest first. */
export async function exportAuditorsOf(sql: Sql, citizenId: number) {
  const rows = await sql.query<{
    phone: string | null;
    channel: string;
    language: string;
    sector: string;
    block: string;
    address: string | null;
    lat: number | null;
    lon: number | null;
    state: string;
    max_calls_per_week: number;
    consent_at: Date | string;
    consent_channel: string;
    consent_text_version: string;
    revoked_at: Date | string | null;
    revoked_channel: string | null;
    revoked_reason: string | null;
    created_at: Date | string;
    windows: { weekday: number; starts: string; ends: string }[];
  }>(
    `SELECT a.phone, a.channel, a.language, b.sector, b.block, a.address, ST_Y(a.point) AS lat, ST_X(a.point) AS lon,
            a.state, a.max_calls_per_week, a.consent_at, a.consent_channel, a.consent_text_version, a.revoked_at,
            a.revoked_channel, a.revoked_reason, a.created_at,
            coalesce((SELECT json_agg(json_build_object('weekday', w.weekday, 'starts', to_char(w.starts, 'HH24:MI'),
                                                        'ends', to_char(w.ends, 'HH24:MI'))
                                      ORDER BY w.weekday, w.starts)
                        FROM auditor_windows w WHERE w.auditor_id = a.id), '[]') AS windows
       FROM auditors a JOIN blocks b ON b.id = a.block_id
      WHERE a.citizen_id = $1 ORDER BY a.id`,
    [citizenId],
  );
  const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());
  return rows.map((r) => ({
    phone: r.phone,
    channel: r.channel,
    language: r.language,
    block: { sector: r.sector, block: r.block },
    address: r.address,
    point: r.lat === null || r.lon === null ? null : { lat: r.lat, lon: r.lon },
    state: r.state,
    maxCallsPerWeek: r.max_calls_per_week,
    windows: r.windows,
    consent: { at: iso(r.consent_at), channel: r.consent_channel, textVersion: r.consent_text_version },
    revoked: r.revoked_at
      ? { at: iso(r.revoked_at), channel: r.revoked_channel, reason: r.revoked_reason }
      : null,
    createdAt: iso(r.created_at),
  }));
}
