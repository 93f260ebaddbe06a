/**
 * The sync run (decision 0063): one at a time in this browser (a Web Lock across tabs, as the console's sender).
 * First the photos and recordings the server lacks (PUT /api/v1/field/files/:sha256), then the batch (POST
 * /api/v1/field/sync) — the one kept from a run cut in the middle when there is one, so a resend is the same batch —
 * then each item is marked by its outcome (sync.ts applyReply). Files the reply names missing are uploaded and the
 * rest sent again in the same run. The batch is forgotten only once its reply is written. Under the day-end surge
 * the server may keep the batch for a worker (202, decision 0064): its reply is read back at
 * GET /api/v1/field/sync/:batchId after the server's Retry-After, a few times; a run that stops before it keeps the
 * batch, and the next run sends the same batch again (the server answers its reply, or 202 while it still waits).
 */
import { ApiProblem, api } from "../ui/api.ts";
import { tenantBase } from "../ui/base.ts";
import {
  keepBatch,
  keepRoutesChanged,
  keptBatch,
  keptDay,
  keptFile,
  markUploaded,
  readKept,
  deviceId as tabletId,
  writeKept,
} from "./store.ts";
import {
  applyReply,
  buildBatch,
  changedRoutes,
  filesToUpload,
  isEmptyBatch,
  type SyncBatch,
  type SyncReply,
  waitingCount,
} from "./sync.ts";

const LOCK = `responsiva-campo-sync${tenantBase()}`;
/** The most batches one run sends. */
const MAX_ROUNDS = 5;
/** Times one run reads back a batch the server kept for a worker, each after its Retry-After (at most 30 s). */
const MAX_READS = 4;

/** What a run did: sent (items answered by the server), or why it stopped. */
export interface RunResult {
  sent: number;
  stopped?: "offline" | "signed_out" | "server" | "queued";
}

let running: Promise<RunResult> | null = null;

/** Runs the sync for the signed-in inspector, once at a time; resolves with what it did. */
export function runSync(inspectorId: number, locale: string): Promise<RunResult> {
  running ??= (async () => {
    const work = () => syncAll(inspectorId, locale);
    try {
      return navigator.locks ? await navigator.locks.request(LOCK, work) : await work();
    } finally {
      running = null;
    }
  })();
  return running;
}

function stopOf(e: unknown): RunResult["stopped"] {
  if (
    !(e instanceof ApiProblem) ||
    e.status === 0 ||
    e.status === 502 ||
    e.status === 503 ||
    e.status === 504
  )
    return "offline";
  if (e.status === 401 || e.status === 403) return "signed_out";
  return "server";
}

async function upload(shas: string[], locale: string): Promise<void> {
  for (const sha of shas) {
    const blob = await keptFile(sha);
    // A file no longer on this device cannot be sent: the server's reply says which item it held back.
    if (!blob) continue;
    await api(
      `/api/v1/field/files/${sha}`,
      { method: "PUT", headers: { "content-type": blob.type || "application/octet-stream" }, body: blob },
      locale,
    );
    await markUploaded(sha);
  }
}

/** Sends the batch and answers its reply, or undefined while the server still keeps it for a worker. */
async function send(batch: SyncBatch, locale: string): Promise<SyncReply | undefined> {
  let status = 200;
  let wait = 3;
  const seen = (response: Response) => {
    status = response.status;
    wait = Math.min(30, Math.max(1, Number(response.headers.get("retry-after")) || 3));
  };
  let body = await api<SyncReply>(
    "/api/v1/field/sync",
    { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(batch) },
    locale,
    seen,
  );
  for (let read = 0; status === 202 && read < MAX_READS; read++) {
    await new Promise((done) => setTimeout(done, wait * 1000));
    body = await api<SyncReply>(`/api/v1/field/sync/${batch.batchId}`, {}, locale, seen);
  }
  return status === 202 ? undefined : body;
}

async function syncAll(inspectorId: number, locale: string): Promise<RunResult> {
  let sent = 0;
  let missing: string[] = [];
  try {
    // Until nothing waits: a reply naming missing files gets them uploaded and those items sent again; a day
    // longer than one batch goes in several. Bounded, so a server that keeps answering "missing" stops the run.
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const before = await readKept();
      await upload(filesToUpload(before, inspectorId, missing), locale);
      let batch: SyncBatch | undefined = await keptBatch();
      if (!batch) {
        batch = buildBatch(before, inspectorId, crypto.randomUUID(), await tabletId());
        if (isEmptyBatch(batch)) break;
        await keepBatch(batch);
      }
      const reply = await send(batch, locale);
      // Kept, not stored yet: the batch stays kept, so the next run asks for the same one.
      if (!reply) return { sent, stopped: "queued" };
      const fresh = await readKept();
      await writeKept(fresh, applyReply(fresh, reply));
      await keepBatch(undefined);
      sent += reply.responses.length + reply.demands.length + reply.visits.length;
      const changed = changedRoutes(await keptDay(), reply.routes);
      if (changed.length > 0) await keepRoutesChanged(changed);
      missing = reply.missingFiles;
      if (missing.length === 0 && waitingCount(await readKept(), inspectorId) === 0) break;
    }
    return { sent };
  } catch (e) {
    const stopped = stopOf(e);
    // A batch the server refused as a whole (a 4xx other than the session's) is not sent again as it is: its items
    // stay waiting and the next run builds a new batch, whose own reply says which item is wrong.
    if (
      stopped === "server" &&
      e instanceof ApiProblem &&
      e.status < 500 &&
      e.status !== 408 &&
      e.status !== 429
    )
      await keepBatch(undefined);
    return { sent, stopped };
  }
}
