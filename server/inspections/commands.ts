/**
 * A manager plans, changes and cancels an inspector's route for a day (issue 17). Each change is one transaction
 * with its audit entry and bumps the route's revision, so a tablet holding an older one is told to download anew
 * at its next sync. A visit a tablet may hold is never deleted: left out of a new plan, it is marked removed.
 */
import { type AuditActor, recordAudit } from "../audit/record.ts";
import { type Db, maybeOne, one, type Sql } from "../db/index.ts";
import { AppError, conflict, notFound, unprocessable } from "../errors.ts";
import { blockFacts } from "./queries.ts";
import type { RouteChange, RouteInput, VisitInput } from "./schemas.ts";

/** Refuses a plan whose blocks or questionnaires do not exist, or whose questionnaire has no published version. */
async function checkVisits(tx: Sql, visits: VisitInput[]): Promise<void> {
  const blocks = new Set(
    (
      await tx.query<{ id: number }>("SELECT id FROM blocks WHERE id = ANY($1::bigint[])", [
        visits.map((v) => v.blockId),
      ])
    ).map((r) => Number(r.id)),
  );
  const questionnaires = new Map(
    (
      await tx.query<{ id: number; published: boolean }>(
        `SELECT q.id, EXISTS (SELECT 1 FROM questionnaire_versions v
                               WHERE v.questionnaire_id = q.id AND v.state = 'published') AS published
           FROM questionnaires q WHERE q.id = ANY($1::bigint[]) AND q.archived_at IS NULL`,
        [visits.map((v) => v.questionnaireId)],
      )
    ).map((r) => [Number(r.id), r.published]),
  );
  const problems = visits.flatMap((v, i) => [
    ...(blocks.has(v.blockId) ? [] : [{ field: `visits.${i}.blockId`, code: "unknown_block" }]),
    ...(!questionnaires.has(v.questionnaireId)
      ? [{ field: `visits.${i}.questionnaireId`, code: "unknown_questionnaire" }]
      : questionnaires.get(v.questionnaireId)
        ? []
        : [{ field: `visits.${i}.questionnaireId`, code: "questionnaire_not_published" }]),
  ]);
  if (problems.length > 0) throw new AppError(422, problems[0]!.code, {}, problems);
}

/** Inserts visits at the given positions, each with the numbers its block shows now as its evidence. */
async function insertVisits(tx: Sql, routeId: number, visits: { visit: VisitInput; position: number }[]) {
  if (visits.length === 0) return;
  const facts = await blockFacts(
    tx,
    visits.map((v) => v.visit.blockId),
  );
  for (const { visit, position } of visits) {
    await tx.query(
      `INSERT INTO inspection_visits (route_id, position, block_id, questionnaire_id, reason, evidence)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
      [
        routeId,
        position,
        visit.blockId,
        visit.questionnaireId,
        visit.reason,
        JSON.stringify(facts.get(visit.blockId) ?? {}),
      ],
    );
  }
}

/** Plans an inspector's route for a day: 422 `not_an_inspector` when the staff member is not an active inspector. */
export async function planRoute(db: Db, actor: AuditActor, input: RouteInput): Promise<number> {
  return db.transaction(async (tx) => {
    const inspector = await maybeOne(
      tx,
      "SELECT id FROM staff_users WHERE id = $1 AND role = 'inspector' AND active",
      [input.inspectorId],
    );
    if (!inspector) throw unprocessable("not_an_inspector", "inspectorId");
    await checkVisits(tx, input.visits);
    const route = await one<{ id: number }>(
      tx,
      `INSERT INTO inspection_routes (inspector_id, day, note, planned_by) VALUES ($1, $2, $3, $4) RETURNING id`,
      [input.inspectorId, input.day, input.note ?? null, actor.staffId],
    );
    const id = Number(route.id);
    await insertVisits(
      tx,
      id,
      input.visits.map((visit, i) => ({ visit, position: i + 1 })),
    );
    await recordAudit(tx, actor, {
      action: "inspection_route.planned",
      entityType: "inspection_route",
      entityId: id,
      after: input,
    });
    return id;
  });
}

/** Locks a route for a change: 404 when it does not exist, 409 `route_cancelled` when it was cancelled. */
async function lockRoute(tx: Sql, id: number): Promise<{ revision: number; note: string | null }> {
  const route = await maybeOne<{ state: string; revision: number; note: string | null }>(
    tx,
    "SELECT state, revision, note FROM inspection_routes WHERE id = $1 FOR UPDATE",
    [id],
  );
  if (!route) throw notFound(`/api/v1/inspection-routes/${id}`);
  if (route.state === "cancelled") throw conflict("route_cancelled", { id });
  return route;
}

/**
 * Replaces a route's plan: a visit to the same block with the same questionnaire keeps its id, state and note (at
 * its new position), a new one is added, one left out is marked removed; the revision goes up by one.
 */
export async function changeRoute(db: Db, actor: AuditActor, id: number, input: RouteChange): Promise<void> {
  await db.transaction(async (tx) => {
    const before = await lockRoute(tx, id);
    await checkVisits(tx, input.visits);
    const current = await tx.query<{ id: number; block_id: number; questionnaire_id: number }>(
      `SELECT id, block_id, questionnaire_id FROM inspection_visits
        WHERE route_id = $1 AND removed_at IS NULL ORDER BY position`,
      [id],
    );
    const keyOf = (block: number, questionnaire: number) => `${block}:${questionnaire}`;
    const byKey = new Map(current.map((v) => [keyOf(Number(v.block_id), Number(v.questionnaire_id)), v]));
    const added: { visit: VisitInput; position: number }[] = [];
    const kept = new Set<number>();
    for (const [i, visit] of input.visits.entries()) {
      const key = keyOf(visit.blockId, visit.questionnaireId);
      const existing = byKey.get(key);
      if (existing && !kept.has(Number(existing.id))) {
        kept.add(Number(existing.id));
        await tx.query("UPDATE inspection_visits SET position = $2 WHERE id = $1", [existing.id, i + 1]);
      } else added.push({ visit, position: i + 1 });
    }
    const removed = current.filter((v) => !kept.has(Number(v.id))).map((v) => Number(v.id));
    await tx.query("UPDATE inspection_visits SET removed_at = now() WHERE id = ANY($1::bigint[])", [removed]);
    await insertVisits(tx, id, added);
    await tx.query(
      `UPDATE inspection_routes SET revision = revision + 1, note = $2, updated_at = now() WHERE id = $1`,
      [id, input.note ?? before.note],
    );
    await recordAudit(tx, actor, {
      action: "inspection_route.changed",
      entityType: "inspection_route",
      entityId: id,
      before: { revision: before.revision, visits: current.map((v) => Number(v.id)) },
      after: { ...input, removedVisits: removed },
    });
  });
}

/** Cancels a route: it leaves the inspector's day at the next download or sync; its visits and answers stay. */
export async function cancelRoute(db: Db, actor: AuditActor, id: number): Promise<void> {
  await db.transaction(async (tx) => {
    const before = await lockRoute(tx, id);
    await tx.query(
      `UPDATE inspection_routes SET state = 'cancelled', revision = revision + 1, updated_at = now() WHERE id = $1`,
      [id],
    );
    await recordAudit(tx, actor, {
      action: "inspection_route.cancelled",
      entityType: "inspection_route",
      entityId: id,
      before: { revision: before.revision },
    });
  });
}
