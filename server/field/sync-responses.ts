/**
 * The responses of a sync batch (issue 17), inside the batch's transaction: each stored exactly once by its
 * clientId, with its answers in the one table of answers (block, service and score copied onto each) and its
 * photos linked. The conflict rules of docs/field.md are written here: what refuses a response, what only flags it.
 */
import {
  type AnswerProblem,
  type AnswerSet,
  type AnswerValue,
  checkResponse,
  scoreAnswer,
  serviceOf,
} from "../../domain/questionnaire.ts";
import type { Sql } from "../db/index.ts";
import type { Staff } from "../http/auth.ts";
import { type FoundVersion, findVersion } from "../questionnaires/queries.ts";
import type { FieldResponse } from "./schemas.ts";

/** A location farther than this from its block's outline is flagged far_from_block. */
export const FAR_FROM_BLOCK_METRES = 300;

/** Why a response could not be stored at all (besides its answers' problems, which store it as rejected). */
export type SyncProblem =
  | AnswerProblem
  | { code: "unknown_version" | "version_not_published" | "unknown_block" };

/** What the tablet is told of one response. */
export interface ResponseOutcome {
  clientId: string;
  outcome: "accepted" | "duplicate" | "rejected" | "missing_files";
  flags: string[];
  problems?: SyncProblem[];
}

/** A field file by its SHA-256, as stored. */
export interface FieldFile {
  id: number;
  sha256: string;
  media_type: string;
  size_bytes: number;
  storage_key: string;
}

/** What the batch reads once for all its items. */
export interface BatchContext {
  tx: Sql;
  staff: Staff;
  deviceId: string;
  files: Map<string, FieldFile>;
  /** Service ids by code, filled as questions name them. */
  serviceIds: Map<string, number | null>;
}

/** The SHA-256 values a response's photo and audio answers name (their values are arrays of SHA-256). */
export function filesOfAnswers(answers: Record<string, unknown>): string[] {
  return Object.values(answers).flatMap((v) =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === "string" && /^[0-9a-f]{64}$/.test(x)) : [],
  );
}

async function serviceIdOf(ctx: BatchContext, code: string | undefined): Promise<number | null> {
  if (code === undefined) return null;
  if (!ctx.serviceIds.has(code)) {
    const [row] = await ctx.tx.query<{ id: number }>("SELECT id FROM services WHERE code = $1", [code]);
    ctx.serviceIds.set(code, row?.id ?? null);
  }
  return ctx.serviceIds.get(code) ?? null;
}

/**
 * The flags of a response that is stored anyway, and the visit it stays linked to: a visit that is not this
 * inspector's is dropped (off_route); a visit removed from its route, on a cancelled route or at another block
 * stays linked but is off_route; a route whose revision moved on since the download is route_changed.
 */
async function routeFlags(
  ctx: BatchContext,
  r: FieldResponse,
): Promise<{ flags: string[]; visitId: number | null }> {
  if (r.visitId === undefined) return { flags: [], visitId: null };
  const [visit] = await ctx.tx.query<{
    block_id: number;
    removed: boolean;
    inspector_id: number;
    route_state: string;
    revision: number;
  }>(
    `SELECT v.block_id, v.removed_at IS NOT NULL AS removed, r.inspector_id, r.state AS route_state, r.revision
       FROM inspection_visits v JOIN inspection_routes r ON r.id = v.route_id WHERE v.id = $1`,
    [r.visitId],
  );
  if (!visit || visit.inspector_id !== ctx.staff.id) return { flags: ["off_route"], visitId: null };
  if (visit.removed || visit.route_state === "cancelled" || visit.block_id !== r.blockId)
    return { flags: ["off_route"], visitId: r.visitId };
  if (r.routeRevision !== undefined && r.routeRevision !== visit.revision)
    return { flags: ["route_changed"], visitId: r.visitId };
  return { flags: [], visitId: r.visitId };
}

/** Stores one response of the batch (or says why not); answers the tablet's outcome and the block to refresh. */
export async function syncResponse(
  ctx: BatchContext,
  r: FieldResponse,
  versions: Map<number, FoundVersion | undefined>,
): Promise<{ outcome: ResponseOutcome; staleBlock?: number }> {
  const base = { clientId: r.clientId, flags: [] as string[] };
  const [existing] = await ctx.tx.query("SELECT 1 FROM responses WHERE client_id = $1", [r.clientId]);
  if (existing) return { outcome: { ...base, outcome: "duplicate" } };

  if (!versions.has(r.versionId)) versions.set(r.versionId, await findVersion(ctx.tx, r.versionId));
  const version = versions.get(r.versionId);
  if (!version) return { outcome: { ...base, outcome: "rejected", problems: [{ code: "unknown_version" }] } };
  // A draft may still change: nothing answered on it can be read against the questions it will have.
  if (version.state === "draft")
    return { outcome: { ...base, outcome: "rejected", problems: [{ code: "version_not_published" }] } };

  const [block] = await ctx.tx.query<{ far: boolean }>(
    `SELECT CASE WHEN $2::float8 IS NULL THEN false
                 ELSE ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint($3, $2), 4326)::geography, $4) IS FALSE
            END AS far
       FROM blocks WHERE id = $1`,
    [r.blockId, r.location?.lat ?? null, r.location?.lng ?? null, FAR_FROM_BLOCK_METRES],
  );
  if (!block) return { outcome: { ...base, outcome: "rejected", problems: [{ code: "unknown_block" }] } };

  if (filesOfAnswers(r.answers).some((sha) => !ctx.files.has(sha)))
    return { outcome: { ...base, outcome: "missing_files" } };

  const route = await routeFlags(ctx, r);
  const flags = [
    ...(version.state === "retired" ? ["version_retired"] : []),
    ...route.flags,
    ...(block.far ? ["far_from_block"] : []),
  ];
  const answers = r.answers as AnswerSet;
  const problems = checkResponse(version.definition, answers);
  const accepted = problems.length === 0;

  const inserted = await ctx.tx.query<{ id: number }>(
    `INSERT INTO responses (client_id, version_id, channel, respondent_kind, staff_user_id, block_id, visit_id,
       location, accuracy_m, started_at, answered_at, device_id, state, flags, rejection, note)
     VALUES ($1, $2, 'field', 'inspector', $3, $4, $5,
       CASE WHEN $6::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($7, $6), 4326) END,
       $8, $9, $10, $11, $12, $13, $14::jsonb, $15)
     ON CONFLICT (tenant_id, client_id) DO NOTHING RETURNING id`,
    [
      r.clientId,
      version.id,
      ctx.staff.id,
      r.blockId,
      route.visitId,
      r.location?.lat ?? null,
      r.location?.lng ?? null,
      r.location?.accuracy ?? null,
      r.startedAt ?? null,
      r.answeredAt,
      ctx.deviceId,
      accepted ? "accepted" : "rejected",
      flags,
      accepted ? null : JSON.stringify(problems),
      r.note ?? null,
    ],
  );
  // Another batch stored it meanwhile (the insert waited for it to commit).
  if (inserted.length === 0) return { outcome: { ...base, outcome: "duplicate" } };
  const responseId = inserted[0]!.id;

  const questions = new Map(version.definition.questions.map((q) => [q.name, q]));
  for (const [name, value] of Object.entries(answers)) {
    const question = questions.get(name);
    const serviceId = question ? await serviceIdOf(ctx, serviceOf(question, version.serviceCode)) : null;
    const score = accepted && question ? scoreAnswer(question, value as AnswerValue) : undefined;
    const [answer] = await ctx.tx.query<{ id: number }>(
      `INSERT INTO answers (response_id, question, value, block_id, service_id, score, respondent_kind, answered_at)
       VALUES ($1, $2, $3::jsonb, $4, $5, $6, 'inspector', $7) RETURNING id`,
      [responseId, name, JSON.stringify(value), r.blockId, serviceId, score ?? null, r.answeredAt],
    );
    const shas =
      question?.type === "photo" || question?.type === "audio" ? filesOfAnswers({ [name]: value }) : [];
    for (const [position, sha] of [...new Set(shas)].entries()) {
      await ctx.tx.query("INSERT INTO answer_files (answer_id, file_id, position) VALUES ($1, $2, $3)", [
        answer!.id,
        ctx.files.get(sha)!.id,
        position,
      ]);
    }
  }
  return {
    outcome: {
      ...base,
      flags,
      outcome: accepted ? "accepted" : "rejected",
      ...(accepted ? {} : { problems }),
    },
    staleBlock: accepted ? r.blockId : undefined,
  };
}
