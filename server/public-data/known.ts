/**
 * What is known of a demand's own people, read for `redactPublicText`: one SQL expression every public read selects
 * beside the text it publishes, so the redaction always sees the current citizen, followers and contacts.
 */
import { maybeOne, type Sql } from "../db/index.ts";
import { type KnownPerson, NOBODY } from "./redact.ts";

/**
 * A jsonb `KnownPerson` of the demand aliased `d` (any alias given): the names and documents of its citizen and
 * of the followers of merged duplicates, all their contacts, and the addresses typed on the demand and on the
 * duplicates merged into it. Index lookups only.
 */
export function knownPersonSql(d = "d"): string {
  return `(SELECT jsonb_build_object(
      'names', COALESCE(jsonb_agg(DISTINCT kc.name) FILTER (WHERE kc.name IS NOT NULL), '[]'::jsonb),
      'documents', COALESCE(jsonb_agg(DISTINCT kc.document) FILTER (WHERE kc.document IS NOT NULL), '[]'::jsonb),
      'contacts', COALESCE(jsonb_agg(DISTINCT kk.value) FILTER (WHERE kk.value IS NOT NULL), '[]'::jsonb),
      'addresses', to_jsonb(ARRAY(SELECT ${d}.address WHERE ${d}.address IS NOT NULL
                                  UNION SELECT fd.address FROM demand_followers kf
                                          JOIN demands fd ON fd.id = kf.from_demand_id
                                         WHERE kf.demand_id = ${d}.id AND fd.address IS NOT NULL)))
     FROM citizens kc LEFT JOIN citizen_contacts kk ON kk.citizen_id = kc.id
    WHERE kc.id = ANY(ARRAY(SELECT ${d}.citizen_id
                            UNION SELECT kf.citizen_id FROM demand_followers kf WHERE kf.demand_id = ${d}.id)))`;
}

/** What is known of one demand's people; `NOBODY` when the demand does not exist. */
export async function loadKnownPerson(sql: Sql, demandId: number): Promise<KnownPerson> {
  const row = await maybeOne<{ known: KnownPerson }>(
    sql,
    `SELECT ${knownPersonSql("d")} AS known FROM demands d WHERE d.id = $1`,
    [demandId],
  );
  return row?.known ?? NOBODY;
}
