/** Reads of the citizen sign-in: who a session is, and the demands a citizen filed or follows. */
import type { FastifyRequest } from "fastify";
import { hashToken } from "../access/principal.ts";
import type { Sql } from "../db/index.ts";
import { maybeOne } from "../db/index.ts";
import { tenantCookieValue } from "../tenants/http.ts";

/** The cookie of a citizen session (HttpOnly, SameSite=Lax). */
export const CITIZEN_COOKIE = "responsiva_citizen";

/** The session token a request carries in the citizen cookie. */
export function citizenTokenOf(req: FastifyRequest): string | undefined {
  // Parsed by @fastify/cookie (server/http/edge.ts): a malformed value finds no session instead of throwing.
  return tenantCookieValue(req, CITIZEN_COOKIE);
}

/**
 * The citizen records whose demands a signed-in citizen sees (decision 0019), as SQL over the parameter `param` (their
 * record): their own, and each living record with no proven contact of its own that holds an address they proved —
 * demands filed with that address before they signed in, whose answers already go to it. A phone number proven by
 * an SMS or WhatsApp code matches it held on any phone channel (phone, SMS, WhatsApp). Never a record linked only by
 * a CPF or an unproven contact — but for the records they confirmed as their own after signing in with gov.br
 * (citizen_record_links: filed with the CPF gov.br vouched for, decision 0057).
 */
export function reachableRecordsSql(param: string): string {
  return `SELECT ${param}::bigint
          UNION SELECT o.citizen_id FROM citizen_contacts p
                  JOIN citizen_contacts o
                    ON o.value = p.value AND o.verified_at IS NULL
                   AND (o.channel = p.channel
                        OR (o.channel IN ('phone', 'sms', 'whatsapp') AND p.channel IN ('phone', 'sms', 'whatsapp')))
                  JOIN citizens oz ON oz.id = o.citizen_id AND oz.erased_at IS NULL
                 WHERE p.citizen_id = ${param} AND p.verified_at IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM citizen_contacts q
                                    WHERE q.citizen_id = o.citizen_id AND q.verified_at IS NOT NULL)
          UNION SELECT l.record_id FROM citizen_record_links l
                  JOIN citizens lz ON lz.id = l.record_id AND lz.erased_at IS NULL
                 WHERE l.citizen_id = ${param}`;
}

/** How the session was opened: a code, or gov.br with the account's confidence level (null: unknown). */
export interface CitizenSessionKind {
  provider: "code" | "govbr";
  confidence: "bronze" | "silver" | "gold" | null;
  /** The CPF gov.br vouched for, on a session gov.br opened; null otherwise. */
  govbrCpf: string | null;
}

/** The signed-in citizen of a request: id, the e-mail and phone number they proved, how the session was opened. */
export async function citizenOf(
  sql: Sql,
  req: FastifyRequest,
): Promise<
  ({ citizenId: number; email: string | null; phone: string | null } & CitizenSessionKind) | undefined
> {
  const token = citizenTokenOf(req);
  if (!token) return undefined;
  const row = await maybeOne<{
    citizen_id: number;
    email: string | null;
    phone: string | null;
    provider: CitizenSessionKind["provider"];
    confidence: CitizenSessionKind["confidence"];
    govbr_cpf: string | null;
  }>(
    sql,
    `SELECT s.citizen_id, s.provider, s.confidence,
            (SELECT i.subject FROM citizen_identities i WHERE s.provider = 'govbr' AND i.provider = 'govbr'
                AND i.citizen_id = s.citizen_id) AS govbr_cpf,
            (SELECT value FROM citizen_contacts c WHERE c.citizen_id = s.citizen_id AND c.channel = 'email'
                AND c.verified_at IS NOT NULL ORDER BY c.verified_at DESC, c.id LIMIT 1) AS email,
            (SELECT value FROM citizen_contacts c WHERE c.citizen_id = s.citizen_id
                AND c.channel IN ('phone', 'sms', 'whatsapp') AND c.verified_at IS NOT NULL
              ORDER BY c.verified_at DESC, c.id LIMIT 1) AS phone
       FROM citizen_sessions s JOIN citizens z ON z.id = s.citizen_id
      WHERE s.token_hash = $1 AND s.expires_at > now() AND z.erased_at IS NULL`,
    [hashToken(token)],
  );
  if (!row) return undefined;
  return {
    citizenId: row.citizen_id,
    email: row.email,
    phone: row.phone,
    provider: row.provider,
    confidence: row.confidence,
    govbrCpf: row.govbr_cpf,
  };
}

/**
 * Whether the signed-in citizen of a request filed the demand, on one of the records they reach through a proven
 * contact. Following a demand (a duplicate of theirs was merged into it) is not enough: a follower reads the public
 * view of the demand they follow, and the full view of their own duplicate only, never the filer's words or person.
 */
export async function citizenOwnsDemand(sql: Sql, req: FastifyRequest, demandId: number): Promise<boolean> {
  if (!citizenTokenOf(req)) return false;
  const who = await citizenOf(sql, req);
  if (!who) return false;
  const row = await maybeOne(
    sql,
    `WITH r(id) AS (${reachableRecordsSql("$2")})
     SELECT 1 FROM demands WHERE id = $1 AND citizen_id IN (SELECT id FROM r)`,
    [demandId, who.citizenId],
  );
  return row !== undefined;
}

export interface MyDemandRow {
  protocol: string;
  status: string;
  service_code: string;
  service_name: string;
  opened_at: Date | string;
  due_at: Date | string | null;
  district: string | null;
  relation: "own" | "following";
}

/** The citizen's demands and those they follow, on the records they reach, newest first (at most 200). */
export async function myDemands(sql: Sql, citizenId: number, locale: string): Promise<MyDemandRow[]> {
  return sql.query<MyDemandRow>(
    `WITH r(id) AS (${reachableRecordsSql("$1")})
     SELECT d.protocol, d.status, s.code AS service_code,
            coalesce(s.name->>$2, s.name->>'pt-BR') AS service_name, d.opened_at, d.due_at,
            di.name AS district, x.relation
       FROM (SELECT id, 'own' AS relation FROM demands WHERE citizen_id IN (SELECT id FROM r)
             UNION SELECT demand_id, 'following' FROM demand_followers
                    WHERE citizen_id IN (SELECT id FROM r)
                      AND demand_id NOT IN (SELECT id FROM demands WHERE citizen_id IN (SELECT id FROM r))) x
       JOIN demands d ON d.id = x.id
       JOIN services s ON s.id = d.service_id
       LEFT JOIN districts di ON di.code = d.district_code
      ORDER BY d.opened_at DESC, d.id DESC
      LIMIT 200`,
    [citizenId, locale],
  );
}
