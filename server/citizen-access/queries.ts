/** Reads of the citizen sign-in: who a session is, and the demands a citizen filed or follows. */
import type { FastifyRequest } from "fastify";
import type { Sql } from "../db/index.ts";
import { maybeOne } from "../db/index.ts";
import { hashToken } from "../http/auth.ts";

/** The cookie of a citizen session (HttpOnly, SameSite=Lax). */
export const CITIZEN_COOKIE = "responsiva_citizen";

/** The session token a request carries in the citizen cookie. */
export function citizenTokenOf(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === CITIZEN_COOKIE) return decodeURIComponent(value.join("=")) || undefined;
  }
  return undefined;
}

/** The signed-in citizen of a request (id and e-mail), or undefined. */
export async function citizenOf(
  sql: Sql,
  req: FastifyRequest,
): Promise<{ citizenId: number; email: string | null } | undefined> {
  const token = citizenTokenOf(req);
  if (!token) return undefined;
  const row = await maybeOne<{ citizen_id: number; email: string | null }>(
    sql,
    `SELECT s.citizen_id,
            (SELECT value FROM citizen_contacts c WHERE c.citizen_id = s.citizen_id AND c.channel = 'email'
              ORDER BY c.id LIMIT 1) AS email
       FROM citizen_sessions s JOIN citizens z ON z.id = s.citizen_id
      WHERE s.token_hash = $1 AND s.expires_at > now() AND z.erased_at IS NULL`,
    [hashToken(token)],
  );
  return row ? { citizenId: row.citizen_id, email: row.email } : undefined;
}

/** Whether the signed-in citizen of a request filed the demand or follows it (a duplicate of theirs was merged). */
export async function citizenOwnsDemand(sql: Sql, req: FastifyRequest, demandId: number): Promise<boolean> {
  if (!citizenTokenOf(req)) return false;
  const who = await citizenOf(sql, req);
  if (!who) return false;
  const row = await maybeOne(
    sql,
    `SELECT 1 FROM demands WHERE id = $1 AND citizen_id = $2
     UNION ALL SELECT 1 FROM demand_followers WHERE demand_id = $1 AND citizen_id = $2 LIMIT 1`,
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

/** The citizen's demands and those they follow, newest first (at most 200). */
export async function myDemands(sql: Sql, citizenId: number, locale: string): Promise<MyDemandRow[]> {
  return sql.query<MyDemandRow>(
    `SELECT d.protocol, d.status, s.code AS service_code,
            coalesce(s.name->>$2, s.name->>'pt-BR') AS service_name, d.opened_at, d.due_at,
            di.name AS district, x.relation
       FROM (SELECT id, 'own' AS relation FROM demands WHERE citizen_id = $1
             UNION SELECT demand_id, 'following' FROM demand_followers WHERE citizen_id = $1) x
       JOIN demands d ON d.id = x.id
       JOIN services s ON s.id = d.service_id
       LEFT JOIN districts di ON di.code = d.district_code
      ORDER BY d.opened_at DESC, d.id DESC
      LIMIT 200`,
    [citizenId, locale],
  );
}
