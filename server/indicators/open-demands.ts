/**
 * The command centre's drill-down: the open demands behind a bar, a table row or a map cluster, with the same filters
 * as the indicators and the map (queries.ts) over `demand_facts`, so the list holds exactly what the panel counted.
 * Staff only (`indicators.read`, whose roles all read demands): it names protocols and addresses.
 */
import { z } from "zod";
import type { OpenDemand } from "../../domain/open-demand.ts";
import type { Sql } from "../db/index.ts";
import type { Locale } from "../i18n.ts";
import { OPEN } from "./definitions.ts";
import { ClusterQuery } from "./map.ts";
import { filterConditions, IndicatorFilters } from "./queries.ts";

export const OpenDemandsQuery = IndicatorFilters.extend({
  /** Only demands inside this box (a map cluster's cell): west,south,east,north in degrees. */
  bbox: ClusterQuery.shape.bbox.optional(),
  /** How many to list (newest first); the answer's `total` counts them all. */
  limit: z.coerce.number().int().min(1).max(200).default(50),
}).strict();
export type OpenDemandsQuery = z.output<typeof OpenDemandsQuery>;

/** The open demands matching the filters, newest first, with how many there are in all. */
export async function listOpenDemands(
  sql: Sql,
  query: OpenDemandsQuery,
  locale: Locale,
): Promise<{ total: number; demands: OpenDemand[] }> {
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = [OPEN, ...filterConditions(query, param)];
  if (query.bbox) {
    const [w, s, e, n] = query.bbox.map(param);
    where.push(`d.location && ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326)`);
  }
  const rows = await sql.query<{
    protocol: string;
    status: string;
    service_code: string;
    service_name: Record<string, string>;
    department_code: string | null;
    district_name: string | null;
    address: string | null;
    opened_at: Date | string;
    due_at: Date | string | null;
    late: boolean;
    total: number;
  }>(
    `SELECT d.protocol, f.status, s.code AS service_code, s.name AS service_name, dep.code AS department_code,
            dis.name AS district_name, d.address, f.opened_at, f.due_at,
            coalesce(f.due_at < now(), false) AS late, (count(*) OVER ())::int AS total
       FROM demand_facts f
       JOIN demands d ON d.id = f.demand_id
       JOIN services s ON s.id = f.service_id
       JOIN service_groups g ON g.id = s.group_id
       LEFT JOIN service_groups tg ON tg.id = g.parent_id
       LEFT JOIN departments dep ON dep.id = f.department_id
       LEFT JOIN districts dis ON dis.code = f.district_code
      WHERE ${where.join(" AND ")}
      ORDER BY f.opened_at DESC, f.demand_id DESC
      LIMIT ${param(query.limit)}`,
    params,
  );
  const iso = (v: Date | string) => new Date(v).toISOString();
  return {
    total: Number(rows[0]?.total ?? 0),
    demands: rows.map((r) => ({
      protocol: r.protocol,
      status: r.status,
      service: { code: r.service_code, name: r.service_name[locale] ?? r.service_name["pt-BR"] ?? "" },
      department: r.department_code,
      district: r.district_name,
      address: r.address,
      openedAt: iso(r.opened_at),
      dueAt: r.due_at === null ? null : iso(r.due_at),
      late: r.late,
    })),
  };
}
