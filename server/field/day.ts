/**
 * The inspector's day as the tablet downloads it before going offline (issue 17): the signed-in inspector's own
 * routes of the day (cancelled ones and removed visits left out), the blocks' simplified outlines, the published
 * version of each questionnaire to answer, and the services a new demand from the field may be filed under.
 */
import type { Sql } from "../db/index.ts";
import type { Staff } from "../http/auth.ts";
import { type Locale, pickLocalized } from "../i18n.ts";

/** Today's date (YYYY-MM-DD) in the city's time zone (its calendar settings), São Paulo's when none is set. */
export async function cityToday(sql: Sql): Promise<string> {
  const [row] = await sql.query<{ day: string }>(
    `SELECT to_char(now() AT TIME ZONE coalesce((SELECT time_zone FROM calendar_settings LIMIT 1),
                                               'America/Sao_Paulo'), 'YYYY-MM-DD') AS day`,
  );
  return row!.day;
}

/** Outlines are simplified to about a metre and written with 6 decimals: small to download, exact enough to walk. */
const SIMPLIFY_DEGREES = 0.00001;

/** The day of the inspector `staff`: everything the tablet needs to work with no network. */
export async function loadDay(sql: Sql, staff: Staff, day: string, locale: Locale) {
  const routes = await sql.query<{ id: number; revision: number; note: string | null }>(
    `SELECT id, revision, note FROM inspection_routes
      WHERE inspector_id = $1 AND day = $2::date AND state = 'planned' ORDER BY id`,
    [staff.id, day],
  );
  const visits = await sql.query<{
    id: number;
    route_id: number;
    position: number;
    block_id: number;
    questionnaire_id: number;
    version_id: number | null;
    reason: string;
    state: string;
  }>(
    `SELECT v.id, v.route_id, v.position, v.block_id, v.questionnaire_id, v.reason, v.state,
            (SELECT qv.id FROM questionnaire_versions qv
              WHERE qv.questionnaire_id = v.questionnaire_id AND qv.state = 'published') AS version_id
       FROM inspection_visits v
      WHERE v.route_id = ANY($1::bigint[]) AND v.removed_at IS NULL
      ORDER BY v.route_id, v.position, v.id`,
    [routes.map((r) => r.id)],
  );
  const blockIds = [...new Set(visits.map((v) => v.block_id))];
  const questionnaireIds = [...new Set(visits.map((v) => v.questionnaire_id))];

  const blocks = await sql.query<{
    id: number;
    sector: string;
    block: string;
    district_code: string | null;
    district_name: string | null;
    outline: unknown;
    lat: number;
    lng: number;
    open_demands: number;
  }>(
    `SELECT b.id, b.sector, b.block, d.code AS district_code, d.name AS district_name,
            ST_AsGeoJSON(ST_SimplifyPreserveTopology(b.geom, $2), 6)::json AS outline,
            round(ST_Y(c.p)::numeric, 6)::float8 AS lat, round(ST_X(c.p)::numeric, 6)::float8 AS lng,
            (SELECT count(*)::int FROM demands dm WHERE dm.block_id = b.id
                AND dm.status NOT IN ('answered', 'closed', 'cancelled', 'merged')) AS open_demands
       FROM blocks b
       CROSS JOIN LATERAL (SELECT ST_PointOnSurface(b.geom) AS p) c
       LEFT JOIN LATERAL (SELECT code, name FROM districts WHERE ST_Intersects(geom, c.p) ORDER BY code LIMIT 1) d
         ON true
      WHERE b.id = ANY($1::bigint[]) ORDER BY b.id`,
    [blockIds, SIMPLIFY_DEGREES],
  );

  const questionnaires = await sql.query<{
    id: number;
    code: string;
    title: Record<string, string>;
    version_id: number;
    version: number;
    definition: unknown;
    service_code: string | null;
    service_name: Record<string, string> | null;
    group_code: string | null;
    group_name: Record<string, string> | null;
  }>(
    `SELECT q.id, q.code, q.title, v.id AS version_id, v.version, v.definition,
            s.code AS service_code, s.name AS service_name, g.code AS group_code, g.name AS group_name
       FROM questionnaires q
       JOIN questionnaire_versions v ON v.questionnaire_id = q.id AND v.state = 'published'
       LEFT JOIN services s ON s.id = q.service_id
       LEFT JOIN service_groups g ON g.id = q.service_group_id
      WHERE q.id = ANY($1::bigint[]) ORDER BY q.id`,
    [questionnaireIds],
  );

  const services = await sql.query<{
    code: string;
    name: Record<string, string>;
    group_name: Record<string, string>;
  }>(
    `SELECT s.code, s.name, g.name AS group_name FROM services s JOIN service_groups g ON g.id = s.group_id
      WHERE s.active ORDER BY g.name->>'pt-BR', s.name->>'pt-BR'`,
  );

  return {
    day,
    inspector: { id: staff.id, name: staff.name },
    routes: routes.map((r) => ({
      id: r.id,
      revision: r.revision,
      note: r.note,
      visits: visits
        .filter((v) => v.route_id === r.id)
        .map((v) => ({
          id: v.id,
          position: v.position,
          blockId: v.block_id,
          questionnaireId: v.questionnaire_id,
          versionId: v.version_id,
          reason: v.reason,
          state: v.state,
        })),
    })),
    blocks: blocks.map((b) => ({
      id: b.id,
      sector: b.sector,
      block: b.block,
      district: b.district_code === null ? null : { code: b.district_code, name: b.district_name },
      outline: b.outline,
      centre: { lat: b.lat, lng: b.lng },
      openDemands: b.open_demands,
    })),
    questionnaires: questionnaires.map((q) => ({
      id: q.id,
      code: q.code,
      title: pickLocalized(q.title, locale),
      versionId: q.version_id,
      version: q.version,
      definition: q.definition,
      ...(q.service_code
        ? { service: { code: q.service_code, name: pickLocalized(q.service_name, locale) } }
        : {}),
      ...(q.group_code
        ? { serviceGroup: { code: q.group_code, name: pickLocalized(q.group_name, locale) } }
        : {}),
    })),
    services: services.map((s) => ({
      code: s.code,
      name: pickLocalized(s.name, locale),
      groupName: pickLocalized(s.group_name, locale),
    })),
    downloadedAt: new Date().toISOString(),
  };
}
