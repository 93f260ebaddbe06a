/**
 * Reads of citizen auditors (issue 18): one enrolment with its windows, the staff list, the number a signed-in
 * citizen proved, and `auditorsCallableAt`, the question the call planner builds on.
 */
import { maybeOne, type Sql } from "../db/index.ts";
import { decodeCursor, pageOf } from "../http/pagination.ts";
import type { AuditorListQuery } from "./schemas.ts";

/** An auditors row as read, with its block, its citizen's name and its windows in order. */
export interface AuditorRow {
  id: number;
  citizen_id: number;
  citizen_name: string | null;
  phone: string | null;
  channel: "voice" | "whatsapp" | "sms";
  language: "pt-BR" | "en" | "es";
  block_id: number;
  sector: string;
  block: string;
  district_code: string | null;
  address: string | null;
  lat: number | null;
  lon: number | null;
  state: "active" | "paused" | "revoked";
  max_calls_per_week: number;
  consent_at: Date;
  consent_channel: string;
  consent_text_version: string;
  /** When the person's latest consent for the purpose is a withdrawal (on any channel), its time. */
  consent_withdrawn_at: Date | null;
  revoked_at: Date | null;
  revoked_channel: string | null;
  revoked_reason: string | null;
  do_not_call: boolean;
  created_at: Date;
  updated_at: Date;
  windows: { weekday: number; starts: string; ends: string }[];
}

/**
 * The latest consent of the auditor's citizen for the purpose, when it is a withdrawal: a withdrawal recorded on any
 * channel (the e-mail link, an agent, the portal's general withdrawal) stops the calls at once (consents_latest_idx).
 */
const WITHDRAWN = `(SELECT c.at FROM (SELECT granted, at FROM consents
                                       WHERE citizen_id = a.citizen_id AND purpose = 'citizen_auditor'
                                       ORDER BY id DESC LIMIT 1) c
                     WHERE NOT c.granted)`;

const SELECT_AUDITOR = `
  SELECT a.id, a.citizen_id, z.name AS citizen_name, a.phone, a.channel, a.language, a.block_id, b.sector, b.block,
         a.district_code, a.address, ST_Y(a.point) AS lat, ST_X(a.point) AS lon, a.state, a.max_calls_per_week,
         a.consent_at, a.consent_channel, a.consent_text_version, ${WITHDRAWN} AS consent_withdrawn_at,
         a.revoked_at, a.revoked_channel, a.revoked_reason, a.do_not_call, a.created_at, a.updated_at,
         coalesce((SELECT json_agg(json_build_object('weekday', w.weekday, 'starts', to_char(w.starts, 'HH24:MI'),
                                                     'ends', to_char(w.ends, 'HH24:MI'))
                                   ORDER BY w.weekday, w.starts)
                     FROM auditor_windows w WHERE w.auditor_id = a.id), '[]') AS windows
    FROM auditors a
    JOIN citizens z ON z.id = a.citizen_id
    JOIN blocks b ON b.id = a.block_id`;

/** One enrolment by id, or undefined. */
export function findAuditor(sql: Sql, id: number): Promise<AuditorRow | undefined> {
  return maybeOne<AuditorRow>(sql, `${SELECT_AUDITOR} WHERE a.id = $1`, [id]);
}

/** A citizen's live (active or paused) enrolment, or undefined. */
export function findLiveAuditorOfCitizen(sql: Sql, citizenId: number): Promise<AuditorRow | undefined> {
  return maybeOne<AuditorRow>(sql, `${SELECT_AUDITOR} WHERE a.citizen_id = $1 AND a.state <> 'revoked'`, [
    citizenId,
  ]);
}

/** A page of enrolments, newest first, by state, district and block. */
export async function listAuditors(
  sql: Sql,
  query: AuditorListQuery,
): Promise<{ rows: AuditorRow[]; next: string | null }> {
  const after = decodeCursor(query.cursor, ["number"]);
  const rows = await sql.query<AuditorRow>(
    `${SELECT_AUDITOR}
      WHERE ($1::text IS NULL OR a.state = $1)
        AND ($2::text IS NULL OR a.district_code = $2)
        AND ($3::bigint IS NULL OR a.block_id = $3)
        AND ($4::bigint IS NULL OR a.id < $4)
      ORDER BY a.id DESC
      LIMIT $5`,
    [query.state ?? null, query.district ?? null, query.block ?? null, after?.[0] ?? null, query.limit + 1],
  );
  return pageOf(rows, query.limit, (r) => [Number(r.id)]);
}

/**
 * The E.164 number ("+55…") a citizen proved by a sign-in code, on any phone channel: `phone` itself when they
 * proved it, their latest proven number when `phone` is not given; undefined when they proved none (or not that one).
 */
export async function provenPhoneOf(
  sql: Sql,
  citizenId: number,
  digits?: string,
): Promise<string | undefined> {
  const row = await maybeOne<{ value: string }>(
    sql,
    `SELECT value FROM citizen_contacts
      WHERE citizen_id = $1 AND channel IN ('phone', 'sms', 'whatsapp') AND verified_at IS NOT NULL
        AND ($2::text IS NULL OR ltrim(value, '+') = $2)
      ORDER BY verified_at DESC, id LIMIT 1`,
    [citizenId, digits ?? null],
  );
  return row ? `+${row.value.replace(/^\+/, "")}` : undefined;
}

/** An auditor the planner may call now, with the window that holds the instant. */
export interface CallableAuditor {
  id: number;
  citizenId: number;
  phone: string;
  channel: "voice" | "whatsapp" | "sms";
  language: "pt-BR" | "en" | "es";
  blockId: number;
  maxCallsPerWeek: number;
  /** The window, city time: weekday 0 (Sunday) … 6, "HH:MM". */
  window: { weekday: number; starts: string; ends: string };
}

/**
 * The auditors who may be called at the instant `at`: active, not do-not-call, whose latest consent for the purpose
 * is not a withdrawal, and one of whose windows holds the instant read on the city's wall clock
 * (calendar_settings.time_zone). The planner builds on it (per-week limits, the block's situation, retries); a
 * revocation on any path takes effect at its commit. Read through auditor_windows_when_idx.
 */
export async function auditorsCallableAt(sql: Sql, at: Date): Promise<CallableAuditor[]> {
  const rows = await sql.query<{
    id: number;
    citizen_id: number;
    phone: string;
    channel: CallableAuditor["channel"];
    language: CallableAuditor["language"];
    block_id: number;
    max_calls_per_week: number;
    weekday: number;
    starts: string;
    ends: string;
  }>(
    `WITH t AS (SELECT city_local_time($1::timestamptz) AS l)
     SELECT a.id, a.citizen_id, a.phone, a.channel, a.language, a.block_id, a.max_calls_per_week, w.weekday,
            to_char(w.starts, 'HH24:MI') AS starts, to_char(w.ends, 'HH24:MI') AS ends
       FROM t
       JOIN auditor_windows w ON w.weekday = extract(dow FROM t.l)::smallint
                             AND w.starts <= t.l::time AND w.ends > t.l::time
       JOIN auditors a ON a.id = w.auditor_id
      WHERE a.state = 'active' AND NOT a.do_not_call AND a.phone IS NOT NULL
        AND ${WITHDRAWN} IS NULL
      ORDER BY a.id`,
    [at.toISOString()],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    citizenId: Number(r.citizen_id),
    phone: r.phone,
    channel: r.channel,
    language: r.language,
    blockId: Number(r.block_id),
    maxCallsPerWeek: r.max_calls_per_week,
    window: { weekday: r.weekday, starts: r.starts, ends: r.ends },
  }));
}
