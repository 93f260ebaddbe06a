/**
 * The one way a demand's status changes: lock the row, check the move against the transition table in
 * domain/status.ts, write the status and its timeline event. And the one way the citizens of a demand are told
 * something: a `send-message` outbox row per citizen with a contact (the demand's own and its followers'),
 * written in the caller's transaction.
 */
import { canMoveDemand, type DemandStatus } from "../../domain/status.ts";
import type { Actor } from "../access/principal.ts";
import { maybeOne, type Sql } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { enqueueSql, sqlValue } from "../jobs/enqueue.ts";
import { JOB_PAYLOADS } from "../jobs/payloads.ts";
import type { MessageData, Template } from "../notifications/schemas.ts";

/** What the workflow commands need of a locked demand. */
export interface LockedDemand {
  id: number;
  protocol: string;
  status: DemandStatus;
  service_id: number;
  department_id: number | null;
  citizen_id: number | null;
  channel: string;
  identity_mode: string;
  district_code: string | null;
  subprefeitura_code: string | null;
  opened_at: Date;
  due_at: Date | null;
  reopen_count: number;
}

/** The columns of a LockedDemand. */
export const LOCKED_COLUMNS = `id, protocol, status, service_id, department_id, citizen_id, channel, identity_mode,
  district_code, subprefeitura_code, opened_at, due_at, reopen_count`;

/** Locks a demand by id for the rest of the transaction; 404 when there is none. */
export async function lockDemand(tx: Sql, id: number): Promise<LockedDemand> {
  const demand = await maybeOne<LockedDemand>(
    tx,
    `SELECT ${LOCKED_COLUMNS} FROM demands WHERE id = $1 FOR UPDATE`,
    [id],
  );
  if (!demand) throw new AppError(404, "unknown_demand", { id });
  return demand;
}

/** Locks a demand by protocol number (already parsed and checked); 404 when there is none. */
export async function lockDemandByProtocol(tx: Sql, protocol: string): Promise<LockedDemand> {
  const demand = await maybeOne<LockedDemand>(
    tx,
    `SELECT ${LOCKED_COLUMNS} FROM demands WHERE protocol = $1 FOR UPDATE`,
    [protocol],
  );
  if (!demand) throw new AppError(404, "unknown_protocol", { protocol });
  return demand;
}

/**
 * The actor columns of a timeline event. A department's own system shows as the system: the event's data names the
 * work order and the status it sent, and actor_id keeps to staff ids.
 */
export function actorColumns(actor: Actor): [string, number | null] {
  if (actor.kind === "department_system") return ["system", null];
  return [actor.kind, actor.kind === "staff" ? actor.id : null];
}

/** Appends one event to a demand's timeline. */
export async function recordEvent(
  tx: Sql,
  demandId: number,
  type: string,
  actor: Actor,
  visibility: "public" | "internal",
  data: Record<string, unknown> = {},
): Promise<void> {
  const [kind, id] = actorColumns(actor);
  await tx.query(`${INSERT_EVENT} VALUES ($1, $2, $3, $4, $5, $6)`, [
    demandId,
    type,
    kind,
    id,
    visibility,
    JSON.stringify(data),
  ]);
}

const INSERT_EVENT = "INSERT INTO demand_events (demand_id, type, actor_kind, actor_id, visibility, data)";

/**
 * Moves a locked demand to `to`, or refuses with 409 `illegal_transition` naming both statuses. The event is
 * `demand.<to>` (public: the citizen sees every status), with `data` for the details (reason, department …).
 */
export async function moveDemand(
  tx: Sql,
  demand: LockedDemand,
  to: DemandStatus,
  actor: Actor,
  data: Record<string, unknown> = {},
): Promise<void> {
  if (!canMoveDemand(demand.status, to)) {
    throw new AppError(409, "illegal_transition", { from: demand.status, to });
  }
  const closing = to === "closed" || to === "cancelled" || to === "merged";
  const [kind, id] = actorColumns(actor);
  // The status and its timeline event in one statement (one round trip: routing moves a demand twice).
  await tx.query(
    `WITH moved AS (
       UPDATE demands SET status = $2,
              closed_at = CASE WHEN $3::boolean THEN now() WHEN $2 = 'reopened' THEN NULL ELSE closed_at END
        WHERE id = $1)
     ${INSERT_EVENT} VALUES ($1, $4, $5, $6, 'public', $7)`,
    [demand.id, to, closing, `demand.${to}`, kind, id, JSON.stringify({ from: demand.status, ...data })],
  );
  demand.status = to;
}

/** The changes a follower of a place hears: what happens to the demands there, not what is asked of their citizens. */
const PLACE_FOLLOWED: readonly Template[] = [
  "demand.dispatched",
  "demand.answered",
  "demand.cancelled",
  "demand.reopened",
];

/**
 * Tells every citizen of a demand (the one who filed it, and the followers of merged duplicates) something worth
 * telling: one `send-message` row each, on the channel of their own demand, written in the caller's transaction.
 * Citizens without any contact (anonymous demands) read it on the tracking page. Returns how many were queued.
 */
export async function notifyCitizens(
  tx: Sql,
  demandId: number,
  template: Template,
  data: MessageData = {},
): Promise<number> {
  // The payload is checked as the runner will parse it (a sample recipient stands in), then written in SQL for
  // every recipient: the recipients' read and their rows are one statement.
  const checked = JOB_PAYLOADS["send-message"].safeParse({
    demandId,
    citizenId: 1,
    template,
    channel: "web",
    data,
  });
  if (!checked.success) throw new Error(`notify ${template}: invalid payload: ${checked.error.message}`);
  const [row] = await tx.query<{ queued: number }>(
    `WITH r AS (
       SELECT r.citizen_id, r.channel
         FROM (SELECT d.citizen_id, d.channel FROM demands d WHERE d.id = $1 AND d.citizen_id IS NOT NULL
               UNION
               SELECT f.citizen_id, f.channel FROM demand_followers f WHERE f.demand_id = $1
               UNION
               -- Followers of the place, for the changes of a public demand (what the public page shows).
               SELECT p.citizen_id, p.channel FROM demands d
                 JOIN services s ON s.id = d.service_id
                 JOIN place_followers p ON ST_DWithin(p.point::geography, d.location::geography, p.radius_m)
                WHERE d.id = $1 AND $2 = ANY($4::text[]) AND NOT s.sensitive AND d.identity_mode <> 'confidential'
                  AND d.location IS NOT NULL) r
        WHERE EXISTS (SELECT 1 FROM citizen_contacts c WHERE c.citizen_id = r.citizen_id)
        ORDER BY r.citizen_id),
     q AS (
       ${enqueueSql(
         "send-message",
         {
           demandId: sqlValue<number>("$1::bigint"),
           citizenId: sqlValue<number>("r.citizen_id"),
           template: sqlValue<Template>("$2::text"),
           channel: sqlValue<string>("r.channel"),
           data: sqlValue<MessageData>("$3::jsonb"),
         },
         "r",
       )}
       RETURNING id)
     SELECT count(*)::int AS queued FROM q`,
    [demandId, template, JSON.stringify(checked.data.data ?? {}), PLACE_FOLLOWED],
  );
  return row?.queued ?? 0;
}
