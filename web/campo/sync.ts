/**
 * The inspector's tablet, its pure part (issue 17, decision 0063): the day as the server hands it, what the tablet
 * keeps of each answer, field demand and visit until the server has it, and the sync's planning — which photos to
 * upload first, the batch to send, and what the server's reply does to each kept item. No DOM and no storage here
 * (store.ts keeps, runner.ts sends), so every rule is unit-tested in Node (sync.test.ts).
 */
import {
  type AnswerSet,
  type AnswerValue,
  askedQuestions,
  type LocalText,
  type QuestionnaireDefinition,
} from "../../domain/questionnaire.ts";

/** One visit of a route (GET /api/v1/field/day). */
export interface DayVisit {
  id: number;
  position: number;
  blockId: number;
  questionnaireId: number;
  /** The questionnaire's published version; null when none is published (the visit cannot be answered). */
  versionId: number | null;
  reason: string | null;
  state: string;
}

/** One of the inspector's routes of the day, at the revision downloaded. */
export interface DayRoute {
  id: number;
  revision: number;
  note: string | null;
  visits: DayVisit[];
}

/** A fiscal block of the day: its outline (GeoJSON geometry), its centre and its open demands. */
export interface DayBlock {
  id: number;
  sector: string;
  block: string;
  /** The district the block lies in; null outside every district. */
  district: { code: string; name: string } | null;
  outline: GeoJSON.Geometry | null;
  centre: { lat: number; lng: number };
  openDemands: number;
}

/** A questionnaire's published version, as the day carries it. */
export interface DayQuestionnaire {
  id: number;
  code: string;
  /** Its title in the language asked for (the server picks it), or in every language. */
  title: string | LocalText;
  versionId: number;
  version: number;
  definition: QuestionnaireDefinition;
  service?: { code: string; name: string };
  serviceGroup?: { code: string; name: string };
}

/** A service a field demand can be filed under. */
export interface DayService {
  code: string;
  name: string;
  groupName: string;
}

/** The day downloaded: the routes, blocks, questionnaires and services, and when it was read. */
export interface Day {
  day: string;
  inspector: { id: number; name: string };
  routes: DayRoute[];
  blocks: DayBlock[];
  questionnaires: DayQuestionnaire[];
  services: DayService[];
  downloadedAt: string;
}

/** A point; `accuracy` in metres when the device said it. */
export interface Place {
  lat: number;
  lng: number;
  accuracy?: number;
}

/** Where a kept item is on its way to the server. */
export type SyncState = "draft" | "waiting" | "synced" | "refused";

/** A problem the server named (an AnswerProblem or a demand's field problem). */
export interface ItemProblem {
  code: string;
  question?: string;
  field?: string;
  limit?: number;
}

/** A response answered on the tablet: a draft until finished, then waiting until the server has it. */
export interface KeptResponse {
  clientId: string;
  inspectorId: number;
  versionId: number;
  questionnaireId: number;
  visitId?: number;
  blockId: number;
  routeRevision?: number;
  startedAt: string;
  answeredAt?: string;
  location?: Place;
  answers: AnswerSet;
  note?: string;
  state: SyncState;
  flags?: string[];
  problems?: ItemProblem[];
}

/** A demand filed from the field: waiting until the server gives its protocol. */
export interface KeptDemand {
  clientId: string;
  inspectorId: number;
  service: string;
  serviceName: string;
  description: string;
  location: Place;
  blockId?: number;
  visitId?: number;
  photos: string[];
  createdAt: string;
  state: SyncState;
  protocol?: string;
  problems?: ItemProblem[];
}

/** A visit marked done or skipped (with its reason) on the tablet. */
export interface KeptVisit {
  visitId: number;
  inspectorId: number;
  state: "done" | "skipped";
  note?: string;
  at: string;
  sync: Exclude<SyncState, "draft">;
  outcome?: string;
}

/** A photo or recording kept as a Blob under its SHA-256 (hex), and whether the server has it. */
export interface KeptFile {
  sha256: string;
  type: string;
  uploaded: boolean;
}

/** Everything kept that the sync reads. */
export interface Kept {
  responses: KeptResponse[];
  demands: KeptDemand[];
  visits: KeptVisit[];
  files: KeptFile[];
}

/** The body of POST /api/v1/field/sync. */
export interface SyncBatch {
  batchId: string;
  deviceId: string;
  responses: Array<{
    clientId: string;
    versionId: number;
    visitId?: number;
    blockId: number;
    routeRevision?: number;
    location?: Place;
    startedAt?: string;
    answeredAt: string;
    answers: AnswerSet;
    note?: string;
  }>;
  demands: Array<{
    clientId: string;
    service: string;
    description: string;
    location: { lat: number; lng: number };
    blockId?: number;
    visitId?: number;
    photos: string[];
    createdAt: string;
  }>;
  visits: Array<{ visitId: number; state: "done" | "skipped"; note?: string; at: string }>;
}

/** The server's reply to a batch. */
export interface SyncReply {
  batchId: string;
  responses: Array<{
    clientId: string;
    outcome: "accepted" | "duplicate" | "rejected" | "missing_files";
    flags?: string[];
    problems?: ItemProblem[];
  }>;
  demands: Array<{
    clientId: string;
    outcome: "created" | "duplicate" | "rejected" | "missing_files";
    protocol?: string;
    problems?: ItemProblem[];
  }>;
  visits: Array<{ visitId: number; outcome: string; reason?: string }>;
  missingFiles: string[];
  routes: Array<{ id: number; revision: number; state: string }>;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** The files an answer set names: every photo's and recording's SHA-256. */
export function filesOfAnswers(answers: AnswerSet): string[] {
  const out: string[] = [];
  for (const value of Object.values(answers))
    if (Array.isArray(value)) for (const v of value) if (SHA256.test(v)) out.push(v);
  return out;
}

/** The inspector's items still to send: finished responses, demands and visit marks waiting. */
export function waitingOf(kept: Kept, inspectorId: number): Kept {
  return {
    responses: kept.responses.filter((r) => r.state === "waiting" && r.inspectorId === inspectorId),
    demands: kept.demands.filter((d) => d.state === "waiting" && d.inspectorId === inspectorId),
    visits: kept.visits.filter((v) => v.sync === "waiting" && v.inspectorId === inspectorId),
    files: kept.files,
  };
}

/** How many items wait to sync (the header's count). */
export function waitingCount(kept: Kept, inspectorId: number): number {
  const w = waitingOf(kept, inspectorId);
  return w.responses.length + w.demands.length + w.visits.length;
}

/**
 * The photos and recordings to upload before the batch: those the waiting items name that the server does not have
 * yet (not uploaded, or named missing by its last reply), each once, in the order named.
 */
export function filesToUpload(kept: Kept, inspectorId: number, missing: string[] = []): string[] {
  const w = waitingOf(kept, inspectorId);
  const named = [
    ...w.responses.flatMap((r) => filesOfAnswers(r.answers)),
    ...w.demands.flatMap((d) => d.photos),
  ];
  const uploaded = new Set(kept.files.filter((f) => f.uploaded).map((f) => f.sha256));
  const again = new Set(missing);
  return [...new Set(named)].filter((sha) => again.has(sha) || !uploaded.has(sha));
}

/** The most items of each kind one batch carries (the server's limits); the rest go in the next batch. */
export const BATCH_LIMITS = { responses: 500, demands: 100, visits: 500 } as const;

/**
 * The batch of the inspector's waiting items, under `batchId` (kept until its reply is applied: a resend is the
 * same). A finished response of a visit also says the visit is done (the server marks visits only when told).
 */
export function buildBatch(kept: Kept, inspectorId: number, batchId: string, deviceId: string): SyncBatch {
  const w = waitingOf(kept, inspectorId);
  const defined = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  const responses = w.responses.slice(0, BATCH_LIMITS.responses);
  const marked = new Set(w.visits.map((v) => v.visitId));
  const done = responses
    .filter((r) => r.visitId !== undefined && !marked.has(r.visitId))
    .map((r) => ({ visitId: r.visitId as number, state: "done" as const, at: r.answeredAt ?? r.startedAt }));
  return {
    batchId,
    deviceId,
    responses: responses.map((r) =>
      defined({
        clientId: r.clientId,
        versionId: r.versionId,
        visitId: r.visitId,
        blockId: r.blockId,
        routeRevision: r.routeRevision,
        location: r.location,
        startedAt: r.startedAt,
        answeredAt: r.answeredAt ?? r.startedAt,
        answers: r.answers,
        note: r.note || undefined,
      }),
    ),
    demands: w.demands.slice(0, BATCH_LIMITS.demands).map((d) =>
      defined({
        clientId: d.clientId,
        service: d.service,
        description: d.description,
        location: { lat: d.location.lat, lng: d.location.lng },
        blockId: d.blockId,
        visitId: d.visitId,
        photos: d.photos,
        createdAt: d.createdAt,
      }),
    ),
    visits: [
      ...w.visits.map((v) => defined({ visitId: v.visitId, state: v.state, note: v.note, at: v.at })),
      ...done,
    ].slice(0, BATCH_LIMITS.visits),
  };
}

/** Whether a batch carries nothing. */
export function isEmptyBatch(batch: SyncBatch): boolean {
  return batch.responses.length + batch.demands.length + batch.visits.length === 0;
}

/**
 * What a reply does to the kept items: accepted or duplicate → synced; rejected → refused with the server's
 * problems (kept, never dropped); missing_files → still waiting, and the files named missing are marked not
 * uploaded, so the next run uploads them and sends again. Items the reply does not name are left as they were.
 */
export function applyReply(kept: Kept, reply: SyncReply): Kept {
  const responses = new Map(reply.responses.map((r) => [r.clientId, r]));
  const demands = new Map(reply.demands.map((d) => [d.clientId, d]));
  const visits = new Map(reply.visits.map((v) => [v.visitId, v]));
  const missing = new Set(reply.missingFiles);
  return {
    responses: kept.responses.map((r) => {
      const got = r.state === "waiting" ? responses.get(r.clientId) : undefined;
      if (!got || got.outcome === "missing_files") return r;
      if (got.outcome === "rejected") return { ...r, state: "refused", problems: got.problems ?? [] };
      return { ...r, state: "synced", flags: got.flags ?? [] };
    }),
    demands: kept.demands.map((d) => {
      const got = d.state === "waiting" ? demands.get(d.clientId) : undefined;
      if (!got || got.outcome === "missing_files") return d;
      if (got.outcome === "rejected") return { ...d, state: "refused", problems: got.problems ?? [] };
      return { ...d, state: "synced", ...(got.protocol ? { protocol: got.protocol } : {}) };
    }),
    visits: kept.visits.map((v) => {
      const got = v.sync === "waiting" ? visits.get(v.visitId) : undefined;
      if (!got) return v;
      // "updated" (or "accepted"): synced; "ignored" (not this inspector's visit any more) and the like: refused.
      if (got.outcome === "updated" || got.outcome === "accepted")
        return { ...v, sync: "synced", outcome: got.outcome };
      return { ...v, sync: "refused", outcome: got.reason ?? got.outcome };
    }),
    files: kept.files.map((f) => (missing.has(f.sha256) ? { ...f, uploaded: false } : f)),
  };
}

/** The routes whose revision on the server differs from the one downloaded (or that the day does not hold). */
export function changedRoutes(day: Day | undefined, routes: SyncReply["routes"]): number[] {
  const had = new Map((day?.routes ?? []).map((r) => [r.id, r.revision]));
  return routes.filter((r) => had.has(r.id) && had.get(r.id) !== r.revision).map((r) => r.id);
}

/** The state a visit shows on the day: its mark, else its responses', else the server's. */
export function visitState(
  visit: DayVisit,
  kept: Pick<Kept, "responses" | "visits">,
): { state: "pending" | "draft" | "done" | "skipped"; sync?: SyncState; problems?: ItemProblem[] } {
  const own = kept.responses.filter((r) => r.visitId === visit.id);
  const finished = own.find((r) => r.state !== "draft");
  const mark = kept.visits.find((v) => v.visitId === visit.id);
  if (finished)
    return {
      state: "done",
      sync: finished.state,
      ...(finished.problems ? { problems: finished.problems } : {}),
    };
  if (mark) return { state: mark.state, sync: mark.sync };
  if (own.length > 0) return { state: "draft" };
  if (visit.state === "done" || visit.state === "skipped") return { state: visit.state, sync: "synced" };
  return { state: "pending" };
}

/** Whether a value counts as an answer (an empty text or list does not). */
function isGiven(value: AnswerValue | undefined): boolean {
  if (value === undefined) return false;
  if (typeof value === "string") return value.trim() !== "";
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/**
 * The answers a finished response sends: those of the questions the skip logic asks, without empty ones (the server
 * refuses an answer to a question not asked). Dropping one can make another unasked: repeated until stable.
 */
export function finishedAnswers(definition: QuestionnaireDefinition, answers: AnswerSet): AnswerSet {
  let current: AnswerSet = Object.fromEntries(Object.entries(answers).filter(([, v]) => isGiven(v)));
  for (let i = 0; i <= definition.questions.length; i++) {
    const asked = new Set(askedQuestions(definition, current).map((q) => q.name));
    const next = Object.fromEntries(Object.entries(current).filter(([k]) => asked.has(k)));
    if (Object.keys(next).length === Object.keys(current).length) return next;
    current = next;
  }
  return current;
}
