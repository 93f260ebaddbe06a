/**
 * The staff list and full-text search of demands (GET /api/v1/demands, decision 0037): PostgreSQL's text search in
 * Portuguese with accents ignored (migrations 0045, 0046) over the protocol, description, address, the service's name and
 * the answers given to the citizen; never over the citizen's personal data. Department roles see only their
 * department's demands. Pages are keyset pages: by rank then id when searching, newest first otherwise.
 */
import { z } from "zod";
import { DEMAND_STATUSES as STATUSES } from "../../domain/status.ts";
import type { Sql } from "../db/index.ts";
import { type CursorValues, decodeCursor, pageFields, pageOf } from "../http/pagination.ts";
import type { Locale } from "../i18n.ts";

/** The query of GET /api/v1/demands. */
export const DemandListQuery = z.object({
  /** Words to search for (web-search syntax: "quoted phrase", -excluded, or); ranked best first. */
  q: z.string().trim().min(1).max(200).optional(),
  /** Only the demand with this protocol. */
  protocol: z
    .string()
    .regex(/^\d{6,20}$/)
    .optional(),
  /** Only demands in this status. */
  status: z.enum(STATUSES).optional(),
  ...pageFields(50, 200),
});
export type DemandListQuery = z.infer<typeof DemandListQuery>;

/** One demand in the staff list: what tells it apart, without the citizen's personal data. */
export const DemandListItem = z
  .object({
    protocol: z.string(),
    status: z.enum(STATUSES),
    service: z.object({ code: z.string(), name: z.string() }),
    department: z.string().nullable(),
    district: z.string().nullable(),
    address: z.string().nullable(),
    description: z.string(),
    openedAt: z.string(),
    /** How well the demand matches `q` (higher is better); null without `q`. */
    rank: z.number().nullable(),
  })
  .meta({ id: "DemandListItem" });
export type DemandListItem = z.infer<typeof DemandListItem>;

interface Row {
  id: number;
  protocol: string;
  status: (typeof STATUSES)[number];
  service_code: string;
  service_name: Record<string, string>;
  department_code: string | null;
  district_name: string | null;
  address: string | null;
  description: string;
  opened_at: Date;
  /** real as text, so the cursor carries it exactly. */
  rank: string | null;
}

// The demands whose own text, service name or citizen-visible answer matches: GIN-indexed reads united, so each
// uses its index (one OR across the tables would scan every demand). A demand's own text is indexed by a job
// (decision 0040): those still pending have their vector computed here, so a demand is found as soon as it is filed.
const HITS = `
  SELECT x.demand_id FROM demand_search x WHERE x.search @@ (SELECT q FROM query)
  UNION SELECT d.id FROM demand_search_pending p JOIN demands d ON d.id = p.demand_id
   WHERE demand_search_vector(d.protocol, d.description, d.address) @@ (SELECT q FROM query)
  UNION SELECT w.demand_id FROM work_orders w WHERE w.answer_search @@ (SELECT q FROM query)
  UNION SELECT d.id FROM demands d JOIN services s ON s.id = d.service_id WHERE s.search @@ (SELECT q FROM query)`;

const COLUMNS = `d.id, d.protocol, d.status, s.code AS service_code, s.name AS service_name,
  dep.code AS department_code, dis.name AS district_name, d.address, d.description, d.opened_at`;

const JOINS = `JOIN services s ON s.id = d.service_id
  LEFT JOIN departments dep ON dep.id = d.department_id
  LEFT JOIN districts dis ON dis.code = d.district_code`;

/** A page of demands for staff: `departmentId` set scopes the list to that department. */
export async function searchDemands(
  sql: Sql,
  query: DemandListQuery,
  departmentId: number | null,
): Promise<{ rows: Row[]; next: string | null }> {
  const filters = [departmentId, query.protocol ?? null, query.status ?? null];
  const where = `($1::bigint IS NULL OR d.department_id = $1)
    AND ($2::text IS NULL OR d.protocol = $2) AND ($3::text IS NULL OR d.status = $3)`;
  if (query.q === undefined) {
    const after = decodeCursor(query.cursor, ["number"]);
    const rows = await sql.query<Row>(
      `SELECT ${COLUMNS}, NULL::text AS rank FROM demands d ${JOINS}
        WHERE ${where} AND ($4::bigint IS NULL OR d.id < $4)
        ORDER BY d.id DESC LIMIT $5`,
      [...filters, after?.[0] ?? null, query.limit + 1],
    );
    return pageOf(rows, query.limit, (r): CursorValues => [r.id]);
  }
  const after = decodeCursor(query.cursor, ["string", "number"]);
  const rows = await sql.query<Row>(
    `WITH query AS (SELECT websearch_to_tsquery('pt_unaccent', $4) AS q),
     ranked AS (
       SELECT ${COLUMNS},
              ts_rank(coalesce((SELECT x.search FROM demand_search x WHERE x.demand_id = d.id),
                               demand_search_vector(d.protocol, d.description, d.address)) || s.search,
                      (SELECT q FROM query))
              + coalesce((SELECT max(ts_rank(w.answer_search, (SELECT q FROM query)))
                            FROM work_orders w WHERE w.demand_id = d.id), 0) AS score
         FROM demands d ${JOINS}
        WHERE d.id IN (${HITS}) AND ${where})
     SELECT ranked.*, score::text AS rank FROM ranked
      WHERE $5::real IS NULL OR (score, id) < ($5::real, $6::bigint)
      ORDER BY score DESC, id DESC LIMIT $7`,
    [...filters, query.q, after?.[0] ?? null, after?.[1] ?? null, query.limit + 1],
  );
  return pageOf(rows, query.limit, (r): CursorValues => [r.rank ?? "0", r.id]);
}

/** The list item of a row, the service named in the caller's language. */
export function presentDemandListItem(row: Row, locale: Locale): DemandListItem {
  return {
    protocol: row.protocol,
    status: row.status,
    service: { code: row.service_code, name: row.service_name[locale] ?? row.service_name["pt-BR"] ?? "" },
    department: row.department_code,
    district: row.district_name,
    address: row.address,
    description: row.description,
    openedAt: row.opened_at.toISOString(),
    rank: row.rank === null ? null : Number(row.rank),
  };
}
