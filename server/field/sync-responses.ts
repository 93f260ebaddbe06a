/**
 * The responses of a sync batch (issue 17), inside the batch's transaction: each stored exactly once by its
 * clientId, with its answers in the one table of answers (block, service and score copied onto each) and its
 * photos linked. The conflict rules of docs/field.md are written here: what refuses a response, what only flags it.
 * A batch holds a day (60 responses or more) and all tablets sync at the day's end: what the rules read is read for
 * the whole batch at once, and the rows are written with one INSERT per table (unnest), not one per answer.
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

/** A visit named by a response, with what the route rules read of it. */
interface VisitFacts {
  id: number;
  block_id: number;
  removed: boolean;
  inspector_id: number;
  route_state: string;
  revision: number;
}

/**
 * The flags of a response that is stored anyway, and the visit it stays linked to: a visit that is not this
 * inspector's is dropped (off_route); a visit removed from its route, on a cancelled route or at another block
 * stays linked but is off_route; a route whose revision moved on since the download is route_changed.
 */
function routeFlags(
  ctx: BatchContext,
  r: FieldResponse,
  visit: VisitFacts | undefined,
): { flags: string[]; visitId: number | null } {
  if (r.visitId === undefined) return { flags: [], visitId: null };
  if (!visit || visit.inspector_id !== ctx.staff.id) return { flags: ["off_route"], visitId: null };
  if (visit.removed || visit.route_state === "cancelled" || visit.block_id !== r.blockId)
    return { flags: ["off_route"], visitId: r.visitId };
  if (r.routeRevision !== undefined && r.routeRevision !== visit.revision)
    return { flags: ["route_changed"], visitId: r.visitId };
  return { flags: [], visitId: r.visitId };
}

/** A response that passed the checks that refuse one, with what is stored of it. */
interface Storable {
  index: number;
  r: FieldResponse;
  version: FoundVersion;
  visitId: number | null;
  flags: string[];
  problems: AnswerProblem[];
}

/** What the rules read for the whole batch: client ids already stored, the blocks (and how far), the visits. */
async function readBatchFacts(ctx: BatchContext, rs: FieldResponse[]) {
  const [stored, blocks, visits] = [
    await ctx.tx.query<{ client_id: string }>(
      "SELECT client_id FROM responses WHERE client_id = ANY($1::uuid[])",
      [rs.map((r) => r.clientId)],
    ),
    await ctx.tx.query<{ i: number; far: boolean }>(
      `SELECT t.i::int AS i,
              CASE WHEN t.lat IS NULL THEN false
                   ELSE ST_DWithin(b.geom::geography, ST_SetSRID(ST_MakePoint(t.lng, t.lat), 4326)::geography, $4)
                        IS FALSE
              END AS far
         FROM unnest($1::bigint[], $2::float8[], $3::float8[]) WITH ORDINALITY AS t(block_id, lat, lng, i)
         JOIN blocks b ON b.id = t.block_id`,
      [
        rs.map((r) => r.blockId),
        rs.map((r) => r.location?.lat ?? null),
        rs.map((r) => r.location?.lng ?? null),
        FAR_FROM_BLOCK_METRES,
      ],
    ),
    await ctx.tx.query<VisitFacts>(
      `SELECT v.id, v.block_id, v.removed_at IS NOT NULL AS removed, r.inspector_id, r.state AS route_state,
              r.revision
         FROM inspection_visits v JOIN inspection_routes r ON r.id = v.route_id WHERE v.id = ANY($1::bigint[])`,
      [rs.flatMap((r) => (r.visitId === undefined ? [] : [r.visitId]))],
    ),
  ];
  return {
    stored: new Set(stored.map((s) => s.client_id)),
    // By the response's position in the batch (1-based, as WITH ORDINALITY counts); absent: no such block.
    far: new Map(blocks.map((b) => [Number(b.i), b.far])),
    visits: new Map(visits.map((v) => [Number(v.id), v])),
  };
}

/** Inserts the storable responses in one statement; answers the id of each one stored (absent: stored meanwhile). */
async function insertResponses(ctx: BatchContext, items: Storable[]): Promise<Map<string, number>> {
  if (items.length === 0) return new Map();
  const rows = await ctx.tx.query<{ id: number; client_id: string }>(
    `INSERT INTO responses (client_id, version_id, channel, respondent_kind, staff_user_id, block_id, visit_id,
       location, accuracy_m, started_at, answered_at, device_id, state, flags, rejection, note)
     SELECT t.client_id, t.version_id, 'field', 'inspector', $1, t.block_id, t.visit_id,
            CASE WHEN t.lat IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(t.lng, t.lat), 4326) END,
            t.accuracy, t.started_at, t.answered_at, $2, t.state,
            ARRAY(SELECT jsonb_array_elements_text(t.flags)), t.rejection, t.note
       FROM unnest($3::uuid[], $4::bigint[], $5::bigint[], $6::bigint[], $7::float8[], $8::float8[], $9::real[],
                   $10::timestamptz[], $11::timestamptz[], $12::text[], $13::jsonb[], $14::jsonb[], $15::text[])
            AS t(client_id, version_id, block_id, visit_id, lat, lng, accuracy, started_at, answered_at, state,
                 flags, rejection, note)
     ON CONFLICT (tenant_id, client_id) DO NOTHING RETURNING id, client_id`,
    [
      ctx.staff.id,
      ctx.deviceId,
      items.map((x) => x.r.clientId),
      items.map((x) => x.version.id),
      items.map((x) => x.r.blockId),
      items.map((x) => x.visitId),
      items.map((x) => x.r.location?.lat ?? null),
      items.map((x) => x.r.location?.lng ?? null),
      items.map((x) => x.r.location?.accuracy ?? null),
      items.map((x) => x.r.startedAt ?? null),
      items.map((x) => x.r.answeredAt),
      items.map((x) => (x.problems.length === 0 ? "accepted" : "rejected")),
      items.map((x) => JSON.stringify(x.flags)),
      items.map((x) => (x.problems.length === 0 ? null : JSON.stringify(x.problems))),
      items.map((x) => x.r.note ?? null),
    ],
  );
  return new Map(rows.map((row) => [row.client_id, Number(row.id)]));
}

/** Inserts the answers of the stored responses, then their photos, one statement each. */
async function insertAnswers(ctx: BatchContext, items: Storable[], ids: Map<string, number>): Promise<void> {
  const answers: {
    responseId: number;
    name: string;
    value: unknown;
    item: Storable;
    serviceId: number | null;
  }[] = [];
  for (const item of items) {
    const responseId = ids.get(item.r.clientId.toLowerCase());
    if (responseId === undefined) continue;
    const questions = new Map(item.version.definition.questions.map((q) => [q.name, q]));
    for (const [name, value] of Object.entries(item.r.answers)) {
      const question = questions.get(name);
      const serviceId = question
        ? await serviceIdOf(ctx, serviceOf(question, item.version.serviceCode))
        : null;
      answers.push({ responseId, name, value, item, serviceId });
    }
  }
  if (answers.length === 0) return;
  const rows = await ctx.tx.query<{ id: number; response_id: number; question: string }>(
    `INSERT INTO answers (response_id, question, value, block_id, service_id, score, respondent_kind, answered_at)
     SELECT t.response_id, t.question, t.value, t.block_id, t.service_id, t.score, 'inspector', t.answered_at
       FROM unnest($1::bigint[], $2::text[], $3::jsonb[], $4::bigint[], $5::bigint[], $6::real[], $7::timestamptz[])
            AS t(response_id, question, value, block_id, service_id, score, answered_at)
     RETURNING id, response_id, question`,
    [
      answers.map((a) => a.responseId),
      answers.map((a) => a.name),
      answers.map((a) => JSON.stringify(a.value)),
      answers.map((a) => a.item.r.blockId),
      answers.map((a) => a.serviceId),
      answers.map((a) => {
        const question = a.item.version.definition.questions.find((q) => q.name === a.name);
        const accepted = a.item.problems.length === 0;
        return (accepted && question ? scoreAnswer(question, a.value as AnswerValue) : undefined) ?? null;
      }),
      answers.map((a) => a.item.r.answeredAt),
    ],
  );
  // A question's name is unique within its response: the pair names the answer row.
  const answerIds = new Map(rows.map((row) => [`${row.response_id}:${row.question}`, Number(row.id)]));
  const links: { answerId: number; fileId: number; position: number }[] = [];
  for (const a of answers) {
    const question = a.item.version.definition.questions.find((q) => q.name === a.name);
    if (question?.type !== "photo" && question?.type !== "audio") continue;
    const answerId = answerIds.get(`${a.responseId}:${a.name}`)!;
    for (const [position, sha] of [...new Set(filesOfAnswers({ [a.name]: a.value }))].entries())
      links.push({ answerId, fileId: ctx.files.get(sha)!.id, position });
  }
  if (links.length === 0) return;
  await ctx.tx.query(
    `INSERT INTO answer_files (answer_id, file_id, position)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[])`,
    [links.map((l) => l.answerId), links.map((l) => l.fileId), links.map((l) => l.position)],
  );
}

/**
 * Stores the responses of the batch (or says why not), in the batch's order: answers each one's outcome for the
 * tablet and the blocks whose scores move.
 */
export async function syncResponses(
  ctx: BatchContext,
  rs: FieldResponse[],
  versions: Map<number, FoundVersion | undefined>,
): Promise<{ outcomes: ResponseOutcome[]; staleBlocks: number[] }> {
  if (rs.length === 0) return { outcomes: [], staleBlocks: [] };
  const facts = await readBatchFacts(ctx, rs);
  const outcomes: ResponseOutcome[] = [];
  const storable: Storable[] = [];
  const seen = new Set<string>();
  for (const [index, r] of rs.entries()) {
    const base = { clientId: r.clientId, flags: [] as string[] };
    // Stored before, or earlier in this very batch.
    const key = r.clientId.toLowerCase(); // as the database writes a uuid
    if (facts.stored.has(key) || seen.has(key)) {
      outcomes.push({ ...base, outcome: "duplicate" });
      continue;
    }
    seen.add(key);
    if (!versions.has(r.versionId)) versions.set(r.versionId, await findVersion(ctx.tx, r.versionId));
    const version = versions.get(r.versionId);
    const far = facts.far.get(index + 1);
    const refusal: SyncProblem | undefined = !version
      ? { code: "unknown_version" }
      : // A draft may still change: nothing answered on it can be read against the questions it will have.
        version.state === "draft"
        ? { code: "version_not_published" }
        : far === undefined
          ? { code: "unknown_block" }
          : undefined;
    if (refusal || !version) {
      outcomes.push({ ...base, outcome: "rejected", problems: [refusal ?? { code: "unknown_version" }] });
      continue;
    }
    if (filesOfAnswers(r.answers).some((sha) => !ctx.files.has(sha))) {
      outcomes.push({ ...base, outcome: "missing_files" });
      continue;
    }
    const route = routeFlags(ctx, r, r.visitId === undefined ? undefined : facts.visits.get(r.visitId));
    const flags = [
      ...(version.state === "retired" ? ["version_retired"] : []),
      ...route.flags,
      ...(far ? ["far_from_block"] : []),
    ];
    const problems = checkResponse(version.definition, r.answers as AnswerSet);
    storable.push({ index, r, version, visitId: route.visitId, flags, problems });
    outcomes.push({
      ...base,
      flags,
      outcome: problems.length === 0 ? "accepted" : "rejected",
      ...(problems.length === 0 ? {} : { problems }),
    });
  }
  const ids = await insertResponses(ctx, storable);
  await insertAnswers(ctx, storable, ids);
  const staleBlocks: number[] = [];
  for (const item of storable) {
    // Another batch stored it meanwhile (the insert waited for it to commit).
    if (!ids.has(item.r.clientId.toLowerCase()))
      outcomes[item.index] = { clientId: item.r.clientId, outcome: "duplicate", flags: [] };
    else if (item.problems.length === 0) staleBlocks.push(item.r.blockId);
  }
  return { outcomes, staleBlocks };
}
