/**
 * The facts every indicator reads (`demand_facts`, migration 0057): one row per demand, recomputed whenever an event
 * of its timeline commits. A periodic job follows `demand_events` with a durable id cursor (server/events/cursor.ts,
 * as the webhooks' fan-out does), collects the demands the new events touched, reads their state with one
 * statement, computes the durations on the city's business calendar and writes all their rows with another.
 * Recomputing a whole row (not adding deltas) makes a second read of an event harmless.
 */
import {
  type BusinessCalendar,
  businessMinutesBetween,
  calendarMinutesBetween,
} from "../../domain/business-time.ts";
import { loadCalendar } from "../calendar/queries.ts";
import type { Db, Sql } from "../db/index.ts";
import { advance, type IdCursor, missingIds } from "../events/cursor.ts";
import {
  advanceMapLateness,
  keptOf,
  MAP_CELL_DELTA,
  OPEN_COUNT_DELTA,
  onMaps,
  openAt,
  pointsOf,
} from "./kept.ts";

/** Timeline events read per transaction. */
export const FACTS_BATCH = 2_000;

/** How long an id the cursor jumped over is asked for again (the job runs every few seconds). */
export const FACTS_GAP_MS = 10 * 60_000;

/** Events that open or close a pause of the demand's clocks (waiting for the citizen's complement). */
const PAUSE_EVENTS = ["demand.complement_requested", "demand.complement_received", "demand.cancelled"];

/** The demand's keys as they are now, copied into its facts as read. */
interface FactKeys {
  channel: string;
  service_id: number;
  department_id: number | null;
  district_code: string | null;
  subprefeitura_code: string | null;
  status: string;
  district_only: boolean;
  rating: number | null;
  solved: boolean | null;
  imported: boolean;
}

/** What one statement reads of a demand for its facts. */
export interface FactSource extends FactKeys {
  id: number;
  opened_at: Date;
  closed_at: Date | null;
  answered_at_first: Date | null;
  answer_delivered_at: Date | null;
  reopen_count: number;
  clock_due_at: Date | null;
  clock_state: string | null;
  clock_stopped_at: Date | null;
  clock_breached_at: Date | null;
  due_at: Date | null;
  /** The complement events in time order: [type, at]. */
  pauses: Array<[string, string]> | null;
  lon: number | null;
  lat: number | null;
}

/** The row written to demand_facts. */
export interface FactRow extends FactKeys {
  demand_id: number;
  opened_at: string;
  first_answer_at: string | null;
  first_answer_calendar_minutes: number | null;
  first_answer_business_minutes: number | null;
  closed_at: string | null;
  closure_calendar_minutes: number | null;
  closure_business_minutes: number | null;
  paused_minutes: number;
  due_at: string | null;
  on_time: boolean | null;
  answer_delivered: boolean;
  reopened: boolean;
  lon: number | null;
  lat: number | null;
}

/** Paused intervals from the complement events: requested → received (or cancelled, or still paused at `end`). */
export function pausesOf(events: ReadonlyArray<[string, string]>, end: Date): Array<[Date, Date]> {
  const spans: Array<[Date, Date]> = [];
  let from: Date | undefined;
  for (const [type, at] of events) {
    const when = new Date(at);
    if (type === "demand.complement_requested") {
      from ??= when;
    } else if (from) {
      spans.push([from, when]);
      from = undefined;
    }
  }
  if (from && end > from) spans.push([from, end]);
  return spans;
}

const whole = (minutes: number) => Math.max(0, Math.round(minutes));

/** The facts of one demand, its durations on `cal` (pure: tested without a database). */
export function factsOf(source: FactSource, cal: BusinessCalendar): FactRow {
  const opened = source.opened_at;
  const closed = source.status === "closed" ? source.closed_at : null;
  const firstAnswer = source.answered_at_first;
  // Pauses count up to the closure (or the first answer, for that duration); a pause still open ends at the end.
  const pauses = pausesOf(source.pauses ?? [], closed ?? firstAnswer ?? opened);
  const pausedBusiness = (until: Date) =>
    pauses.reduce(
      (sum, [a, b]) => (a < until ? sum + businessMinutesBetween(a, b < until ? b : until, cal) : sum),
      0,
    );
  const pausedCalendar = pauses.reduce((sum, [a, b]) => sum + calendarMinutesBetween(a, b), 0);
  const businessTo = (at: Date) => whole(businessMinutesBetween(opened, at, cal) - pausedBusiness(at));
  return {
    demand_id: source.id,
    opened_at: opened.toISOString(),
    channel: source.channel,
    service_id: source.service_id,
    department_id: source.department_id,
    district_code: source.district_code,
    subprefeitura_code: source.subprefeitura_code,
    status: source.status,
    district_only: source.district_only,
    first_answer_at: firstAnswer?.toISOString() ?? null,
    first_answer_calendar_minutes: firstAnswer ? whole(calendarMinutesBetween(opened, firstAnswer)) : null,
    first_answer_business_minutes: firstAnswer ? businessTo(firstAnswer) : null,
    closed_at: closed?.toISOString() ?? null,
    closure_calendar_minutes: closed ? whole(calendarMinutesBetween(opened, closed)) : null,
    closure_business_minutes: closed ? businessTo(closed) : null,
    paused_minutes: whole(pausedCalendar),
    due_at: (source.clock_due_at ?? source.due_at)?.toISOString() ?? null,
    on_time: onTime(source, firstAnswer),
    answer_delivered: source.answer_delivered_at !== null,
    reopened: source.reopen_count > 0,
    lon: source.lon,
    lat: source.lat,
    rating: source.rating,
    solved: source.solved,
    imported: source.imported,
  };
}

/**
 * Whether the first answer came within the demand's deadline: by its clock (stage 'demand') when it has one — met
 * and never breached; breached — or, for history without a clock (imports), the first answer against `due_at`.
 * NULL while undecided (no answer yet and not breached) and for cancelled or merged demands.
 */
function onTime(source: FactSource, firstAnswer: Date | null): boolean | null {
  if (source.status === "cancelled" || source.status === "merged") return null;
  if (source.clock_state !== null) {
    if (source.clock_breached_at !== null) return false;
    if (source.clock_state === "met") {
      const stopped = source.clock_stopped_at ?? firstAnswer;
      return stopped !== null && source.clock_due_at !== null ? stopped <= source.clock_due_at : true;
    }
    return null;
  }
  if (source.due_at && firstAnswer) return firstAnswer <= source.due_at;
  return null;
}

/** Reads what the facts of `ids` need, in one statement. */
export function readFactSources(sql: Sql, ids: readonly number[]): Promise<FactSource[]> {
  return sql.query<FactSource>(
    `SELECT d.id, d.opened_at, d.channel, d.service_id, d.department_id, d.district_code, d.subprefeitura_code,
            d.status, (s.sensitive OR d.identity_mode = 'confidential') AS district_only, d.closed_at,
            d.answer_delivered_at, d.reopen_count, d.due_at,
            (d.import_flags IS NOT NULL OR EXISTS (SELECT 1 FROM demand_events i
                                                    WHERE i.demand_id = d.id AND i.type = 'demand.imported')) AS imported,
            (SELECT min(e.at) FROM demand_events e WHERE e.demand_id = d.id AND e.type = 'demand.answered')
              AS answered_at_first,
            c.due_at AS clock_due_at, c.state AS clock_state, c.stopped_at AS clock_stopped_at,
            c.breached_at AS clock_breached_at,
            v.rating, v.solved, ST_X(d.location) AS lon, ST_Y(d.location) AS lat,
            (SELECT jsonb_agg(jsonb_build_array(p.type, p.at) ORDER BY p.at, p.id) FROM demand_events p
              WHERE p.demand_id = d.id AND p.type = ANY($2::text[])) AS pauses
       FROM demands d
       JOIN services s ON s.id = d.service_id
       LEFT JOIN LATERAL (SELECT due_at, state, stopped_at, breached_at FROM deadlines k
                           WHERE k.demand_id = d.id AND k.stage = 'demand' ORDER BY k.id LIMIT 1) c ON true
       LEFT JOIN LATERAL (SELECT rating, solved FROM satisfaction_surveys v
                           WHERE v.demand_id = d.id AND v.answered_at IS NOT NULL
                           ORDER BY v.answered_at DESC, v.id DESC LIMIT 1) v ON true
      WHERE d.id = ANY($1::bigint[])`,
    [ids, PAUSE_EVENTS],
  );
}

/**
 * Writes (or rewrites) the facts of these demands in one statement, and in it what they change of the summaries
 * (decision 0053): the maps' cells get the old row taken away and the new one added (when open and placed); every
 * month (in `timeZone`) an old or a new instant falls in gets its version raised, so indicator_months stops serving
 * it until it is built again. Callers serialise on the facts cursor (refreshIndicatorFacts), so no two writes
 * read the same old rows.
 */
export async function writeFacts(sql: Sql, rows: readonly FactRow[], timeZone: string): Promise<void> {
  if (rows.length === 0) return;
  await sql.query(
    `WITH r AS MATERIALIZED (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(demand_id bigint, opened_at timestamptz,
            channel text, service_id bigint, department_id bigint, district_code text, subprefeitura_code text,
            status text, district_only boolean, first_answer_at timestamptz, first_answer_calendar_minutes integer,
            first_answer_business_minutes integer, closed_at timestamptz, closure_calendar_minutes integer,
            closure_business_minutes integer, paused_minutes integer, due_at timestamptz, on_time boolean,
            answer_delivered boolean, reopened boolean, rating smallint, solved boolean, imported boolean,
            lon float8, lat float8)),
     old AS MATERIALIZED (
       SELECT f.* FROM demand_facts f WHERE f.demand_id IN (SELECT demand_id FROM r)),
     written AS (
       INSERT INTO demand_facts AS f (demand_id, opened_at, channel, service_id, department_id, district_code,
            subprefeitura_code, status, district_only, first_answer_at, first_answer_calendar_minutes,
            first_answer_business_minutes, closed_at, closure_calendar_minutes, closure_business_minutes,
            paused_minutes, due_at, on_time, answer_delivered, reopened, rating, solved, imported, lon, lat,
            updated_at)
       SELECT r.*, now() FROM r
       ON CONFLICT (demand_id) DO UPDATE SET
         opened_at = EXCLUDED.opened_at, channel = EXCLUDED.channel, service_id = EXCLUDED.service_id,
         department_id = EXCLUDED.department_id, district_code = EXCLUDED.district_code,
         subprefeitura_code = EXCLUDED.subprefeitura_code, status = EXCLUDED.status,
         district_only = EXCLUDED.district_only, first_answer_at = EXCLUDED.first_answer_at,
         first_answer_calendar_minutes = EXCLUDED.first_answer_calendar_minutes,
         first_answer_business_minutes = EXCLUDED.first_answer_business_minutes, closed_at = EXCLUDED.closed_at,
         closure_calendar_minutes = EXCLUDED.closure_calendar_minutes,
         closure_business_minutes = EXCLUDED.closure_business_minutes, paused_minutes = EXCLUDED.paused_minutes,
         due_at = EXCLUDED.due_at, on_time = EXCLUDED.on_time, answer_delivered = EXCLUDED.answer_delivered,
         reopened = EXCLUDED.reopened, rating = EXCLUDED.rating, solved = EXCLUDED.solved,
         imported = EXCLUDED.imported, lon = EXCLUDED.lon, lat = EXCLUDED.lat, updated_at = now()
       RETURNING 1),
     months AS (
       INSERT INTO indicator_month_state AS m (month)
       SELECT DISTINCT date_trunc('month', i.t AT TIME ZONE $2::text)::date
         FROM (SELECT opened_at, closed_at, first_answer_at FROM old
               UNION ALL SELECT opened_at, closed_at, first_answer_at FROM r) x,
              LATERAL (VALUES (x.opened_at), (x.closed_at), (x.first_answer_at)) AS i(t)
        WHERE i.t IS NOT NULL
       ON CONFLICT (tenant_id, month) DO UPDATE SET version = m.version + 1
       RETURNING 1),
     delta AS (
       SELECT p.public, p.lon, p.lat, o.due_at, -1 AS sign FROM old o ${pointsOf("o")} WHERE ${onMaps("o")}
       UNION ALL
       SELECT p.public, p.lon, p.lat, n.due_at, 1 FROM r n ${pointsOf("n")} WHERE ${onMaps("n")}),
     cells AS (${MAP_CELL_DELTA} RETURNING 1),
     kept AS (
       SELECT ${keptOf("o")}, -1 AS sign FROM old o WHERE ${openAt("o")}
       UNION ALL
       SELECT ${keptOf("n")}, 1 FROM r n WHERE ${openAt("n")}),
     counts AS (${OPEN_COUNT_DELTA} RETURNING 1)
     SELECT (SELECT count(*) FROM written) + (SELECT count(*) FROM months) + (SELECT count(*) FROM cells)
            + (SELECT count(*) FROM counts) AS n`,
    [JSON.stringify(rows), timeZone],
  );
}

/** Recomputes the facts of `ids` now (the job's step; also used after an import and by tests). */
export async function refreshFactsOf(
  sql: Sql,
  ids: readonly number[],
  cal: BusinessCalendar,
): Promise<number> {
  if (ids.length === 0) return 0;
  const sources = await readFactSources(sql, ids);
  await writeFacts(
    sql,
    sources.map((s) => factsOf(s, cal)),
    cal.timeZone,
  );
  return sources.length;
}

/**
 * Brings the facts up to date with every event committed since the last run; returns how many demands it
 * recomputed. Batches run one after the other under the cursor row's lock, so two workers never interleave.
 */
export async function refreshIndicatorFacts(db: Db, batch = FACTS_BATCH): Promise<number> {
  const cal = await loadCalendar(db);
  let refreshed = 0;
  for (;;) {
    const step = await db.transaction(async (tx) => {
      const [state] = await tx.query<{ after_event_id: number; gaps: Record<string, number> }>(
        "SELECT after_event_id, gaps FROM indicator_cursor FOR UPDATE",
      );
      if (!state) throw new Error("indicator_cursor has no row: run the migrations");
      const cursor: IdCursor = {
        after: Number(state.after_event_id),
        gaps: new Map(Object.entries(state.gaps).map(([id, until]) => [Number(id), until])),
      };
      const now = Date.now();
      const rows = await tx.query<{ id: number; demand_id: number }>(
        `SELECT id, demand_id FROM demand_events WHERE id > $1 OR id = ANY($2::bigint[]) ORDER BY id LIMIT $3`,
        [cursor.after, missingIds(cursor, now), batch],
      );
      const fresh = advance(
        cursor,
        rows.map((r) => ({ id: Number(r.id), demand_id: Number(r.demand_id) })),
        now,
        FACTS_GAP_MS,
      );
      const ids = [...new Set(fresh.map((r) => r.demand_id))];
      const count = await refreshFactsOf(tx, ids, cal);
      await advanceMapLateness(tx);
      await tx.query("UPDATE indicator_cursor SET after_event_id = $1, gaps = $2, updated_at = now()", [
        cursor.after,
        JSON.stringify(Object.fromEntries(cursor.gaps)),
      ]);
      return { count, more: rows.length === batch };
    });
    refreshed += step.count;
    if (!step.more) return refreshed;
  }
}
