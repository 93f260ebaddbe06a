/**
 * Reads of calls: one call, the agent's open calls, and the screen pop's history of a caller (their demands, the
 * open ones with their deadlines, and their previous calls).
 */
import type { DeadlineUnit } from "../../domain/business-time.ts";
import { FINAL_STATUSES } from "../../domain/status.ts";
import { PHONE_CHANNELS } from "../citizens/contacts.ts";
import { type CitizenRecord, findCitizen } from "../citizens/queries.ts";
import { maybeOne, type Sql } from "../db/index.ts";
import { decodeCursor, pageOf } from "../http/pagination.ts";
import type { Locale } from "../i18n.ts";

/** A calls row. */
export interface CallRow {
  id: number;
  provider: "pbx" | "twilio";
  provider_call_id: string;
  from_number: string | null;
  from_raw: string;
  to_number: string;
  state: "ivr" | "ringing" | "answered" | "ended";
  end_reason: string | null;
  agent_id: number | null;
  citizen_id: number | null;
  rang_at: Date;
  answered_at: Date | null;
  ended_at: Date | null;
}

/** One call by id, or undefined. */
export function findCall(sql: Sql, id: number): Promise<CallRow | undefined> {
  return maybeOne<CallRow>(sql, "SELECT * FROM calls WHERE id = $1", [id]);
}

/** The calls not ended that ring for or belong to this agent, or ring for every agent; newest first. */
export async function listOpenCalls(
  sql: Sql,
  agentId: number,
  query: { state?: "ringing" | "answered" | undefined; limit: number; cursor?: string | undefined },
): Promise<{ rows: CallRow[]; next: string | null }> {
  const after = decodeCursor(query.cursor, ["string", "number"]);
  // The instant travels as PostgreSQL's own text, so microseconds survive the cursor.
  const rows = await sql.query<CallRow & { sort_key: string }>(
    `SELECT rang_at::text AS sort_key, * FROM calls
      WHERE state <> 'ended' AND ($2::text IS NULL OR state = $2)
        AND (agent_id = $1 OR (agent_id IS NULL AND state = 'ringing'))
        AND rang_at > now() - interval '12 hours'
        AND ($4::timestamptz IS NULL OR (rang_at, id) < ($4::timestamptz, $5::bigint))
      ORDER BY rang_at DESC, id DESC LIMIT $3`,
    [agentId, query.state ?? null, query.limit + 1, after?.[0] ?? null, after?.[1] ?? null],
  );
  return pageOf(rows, query.limit, (r) => [r.sort_key, r.id]);
}

/** One of the caller's demands, for the screen pop. */
export interface CallerDemandRow {
  protocol: string;
  status: string;
  identity_mode: string;
  service_code: string;
  service_name: Partial<Record<Locale, string>>;
  opened_at: Date;
  closed_at: Date | null;
  due_at: Date | null;
  is_open: boolean;
}

/** A previous call from the same number or person. */
export interface PreviousCallRow {
  id: number;
  state: string;
  end_reason: string | null;
  rang_at: Date;
  ended_at: Date | null;
  protocols: string[];
}

/** What the screen pop shows of a caller. */
export interface CallerHistory {
  citizen: CitizenRecord | undefined;
  /** The caller's open demands, earliest deadline first. */
  open: CallerDemandRow[];
  /** The caller's latest demands, open or not. */
  recent: CallerDemandRow[];
  calls: PreviousCallRow[];
  /** How many of the caller's demands this reader may see (up to 100). */
  demandCount: number;
}

/**
 * The caller's history: the citizen (the call's, else whoever holds the number now), the demands of every record the
 * number matches (intake no longer merges records, decision 0019; a hint for the agent, caller ID proves nothing) —
 * confidential ones only when `seesConfidential`, since linking a person to one reveals who filed it; anonymous ones
 * never — and earlier calls.
 */
export async function findCallerHistory(
  sql: Sql,
  call: CallRow,
  seesConfidential: boolean,
): Promise<CallerHistory> {
  let citizenId = call.citizen_id;
  if (citizenId === null && call.from_number) {
    const row = await maybeOne<{ id: number }>(
      sql,
      `SELECT z.id FROM citizens z JOIN citizen_contacts c ON c.citizen_id = z.id
        WHERE z.erased_at IS NULL AND c.value = $1 AND c.channel = ANY($2::text[]) ORDER BY z.id LIMIT 1`,
      [call.from_number.slice(1), PHONE_CHANNELS],
    );
    citizenId = row?.id ?? null;
  }
  const found = citizenId === null ? undefined : await findCitizen(sql, citizenId);
  const citizen = found && found.erased_at === null ? found : undefined;
  const demands = citizen
    ? await sql.query<CallerDemandRow>(
        `SELECT d.protocol, d.status, d.identity_mode, s.code AS service_code, s.name AS service_name, d.opened_at,
                d.closed_at, dl.due_at, NOT (d.status = ANY($3::text[])) AS is_open
           FROM demands d
           JOIN services s ON s.id = d.service_id
           LEFT JOIN LATERAL (SELECT due_at FROM deadlines
                               WHERE demand_id = d.id AND stage = 'demand' AND state IN ('running', 'paused')
                               ORDER BY id DESC LIMIT 1) dl ON true
          WHERE (d.citizen_id = $1
                 OR d.citizen_id IN (SELECT c.citizen_id FROM citizen_contacts c JOIN citizens z ON z.id = c.citizen_id
                                      WHERE z.erased_at IS NULL AND c.value = $4 AND c.channel = ANY($5::text[])))
            AND (d.identity_mode = 'identified' OR $2)
          ORDER BY d.opened_at DESC, d.id DESC LIMIT 100`,
        [citizen.id, seesConfidential, FINAL_STATUSES, call.from_number?.slice(1) ?? null, PHONE_CHANNELS],
      )
    : [];
  const open = demands
    .filter((d) => d.is_open)
    .sort((a, b) => (a.due_at?.getTime() ?? Infinity) - (b.due_at?.getTime() ?? Infinity));
  const calls =
    call.from_number || citizen
      ? await sql.query<PreviousCallRow>(
          `SELECT c.id, c.state, c.end_reason, c.rang_at, c.ended_at,
                  coalesce(array_agg(d.protocol ORDER BY d.id) FILTER (WHERE d.id IS NOT NULL), '{}') AS protocols
             FROM calls c
             LEFT JOIN call_demands cd ON cd.call_id = c.id
             LEFT JOIN demands d ON d.id = cd.demand_id
                   AND (d.identity_mode = 'identified' OR (d.identity_mode = 'confidential' AND $4))
            WHERE c.id <> $1 AND (c.from_number = $2 OR c.citizen_id = $3)
            GROUP BY c.id ORDER BY c.rang_at DESC LIMIT 10`,
          [call.id, call.from_number, citizen?.id ?? null, seesConfidential],
        )
      : [];
  return { citizen, open, recent: demands.slice(0, 10), calls, demandCount: demands.length };
}

/** The demand a receipt is printed for: protocol, service, opening, secret hash. */
export interface ReceiptRow {
  protocol: string;
  service_name: Partial<Record<Locale, string>>;
  opened_at: Date;
  secret_hash: string | null;
  department_id: number | null;
  /** The demand's clock, once routing started it; before that the receipt counts it as the clock will. */
  due_at: Date | null;
  demand_type: string;
  deadline_amount: number;
  deadline_unit: DeadlineUnit;
}

/** The receipt's demand by protocol, or undefined. */
export function findReceipt(sql: Sql, protocol: string): Promise<ReceiptRow | undefined> {
  return maybeOne<ReceiptRow>(
    sql,
    `SELECT d.protocol, s.name AS service_name, d.opened_at, d.secret_hash, d.department_id, d.due_at,
            s.demand_type, s.deadline_amount, s.deadline_unit
       FROM demands d JOIN services s ON s.id = d.service_id WHERE d.protocol = $1`,
    [protocol],
  );
}
