/**
 * The records filed earlier with the CPF gov.br vouched for (decision 0057). They are never linked silently: "my
 * requests" of a gov.br session counts their demands and offers a confirmation; confirming links them to the
 * signed-in record (citizen_record_links), so the session sees those demands as its own while they stay on the
 * records they were filed on, their answers still going to the contacts given with them. Only a session gov.br
 * opened, at the silver or gold level, may confirm; each demand linked gets an internal `citizen.linked` event.
 */
import type { Db, Sql } from "../db/index.ts";
import { one } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { type Confidence, mayLinkByCpf } from "./govbr.ts";
import { reachableRecordsSql } from "./queries.ts";

/** The signed-in citizen as the CPF link needs them (server/citizen-access/queries.ts citizenOf). */
export interface CpfLinkSession {
  citizenId: number;
  provider: "code" | "govbr";
  confidence: Confidence | null;
  govbrCpf: string | null;
}

/**
 * SQL of the records a session may link by its gov.br CPF ($1 the session's record, $2 the CPF): living records
 * filed with that CPF, holding no proven contact and no gov.br identity of their own (those are someone's who signed
 * in: they see them by signing in the same way), that the session does not see already.
 */
const LINKABLE = `SELECT z.id FROM citizens z
                   WHERE z.document = $2 AND z.erased_at IS NULL AND z.id <> $1
                     AND NOT EXISTS (SELECT 1 FROM citizen_contacts q
                                      WHERE q.citizen_id = z.id AND q.verified_at IS NOT NULL)
                     AND NOT EXISTS (SELECT 1 FROM citizen_identities i WHERE i.citizen_id = z.id)
                     AND z.id NOT IN (${reachableRecordsSql("$1")})`;

/** What "my requests" offers: how many demands were filed with the CPF and whether this session may link them. */
export interface CpfLinkOffer {
  demands: number;
  /** False at the bronze level or an unknown one: the person raises their gov.br account first. */
  allowed: boolean;
}

/** The offer of a session, or null when it has none (not opened by gov.br, or nothing filed with the CPF). */
export async function cpfLinkOffer(sql: Sql, session: CpfLinkSession): Promise<CpfLinkOffer | null> {
  if (session.provider !== "govbr" || !session.govbrCpf) return null;
  const row = await one<{ n: number }>(
    sql,
    `SELECT count(*)::int AS n FROM demands WHERE citizen_id IN (${LINKABLE})`,
    [session.citizenId, session.govbrCpf],
  );
  return row.n > 0 ? { demands: row.n, allowed: mayLinkByCpf(session.confidence) } : null;
}

/**
 * Links the records filed with the session's gov.br CPF to its record, in one transaction; answers how many demands
 * the session now sees that it did not. Refused (403) for a session gov.br did not open or below silver.
 */
export async function linkCpfRecords(db: Db, session: CpfLinkSession): Promise<{ linked: number }> {
  if (session.provider !== "govbr" || !session.govbrCpf) throw new AppError(403, "cpf_not_from_govbr");
  if (!mayLinkByCpf(session.confidence)) throw new AppError(403, "govbr_level_too_low");
  const cpf = session.govbrCpf;
  return db.transaction(async (tx) => {
    // One confirmation at a time per person: a double click links once and records each event once.
    await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
      `cpf-link:${session.citizenId}`,
    ]);
    const records = await tx.query<{ id: number }>(LINKABLE, [session.citizenId, cpf]);
    const ids = records.map((r) => r.id);
    if (ids.length === 0) return { linked: 0 };
    await tx.query(
      `INSERT INTO citizen_record_links (citizen_id, record_id, via)
       SELECT $1, unnest($2::bigint[]), 'govbr_cpf' ON CONFLICT DO NOTHING`,
      [session.citizenId, ids],
    );
    const events = await tx.query<{ demand_id: number }>(
      `INSERT INTO demand_events (demand_id, type, actor_kind, visibility, data)
       SELECT id, 'citizen.linked', 'citizen', 'internal', jsonb_build_object('via', 'govbr_cpf', 'citizenId', $2::bigint)
         FROM demands WHERE citizen_id = ANY($1::bigint[])
       RETURNING demand_id`,
      [ids, session.citizenId],
    );
    return { linked: events.length };
  });
}
