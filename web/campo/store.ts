/**
 * What the tablet keeps in IndexedDB (decision 0063): the day downloaded, every response (from its first answer:
 * a reload loses nothing), field demand and visit mark until the server has it, and the photos and recordings as
 * Blobs under their SHA-256. One store per tenant prefix (web/ui/base.ts), as the console's. Every change tells the
 * other tabs and this one (onKeptChange), so the header's count and the lists stay current.
 */
import { createStore, del, entries, get, set } from "idb-keyval";
import { tenantBase } from "../ui/base.ts";
import type { Day, Kept, KeptDemand, KeptFile, KeptResponse, KeptVisit, SyncBatch } from "./sync.ts";

/** The store's database name (sw.ts reads the same one). */
export const STORE_NAME = `responsiva-campo${tenantBase()}`;
const store = typeof indexedDB === "undefined" ? undefined : createStore(STORE_NAME, "kv");
const CHANGED = `responsiva-campo-changed${tenantBase()}`;
let channel: BroadcastChannel | undefined;

function changed(): void {
  if (typeof BroadcastChannel !== "undefined") channel ??= new BroadcastChannel(CHANGED);
  channel?.postMessage("changed");
  dispatchEvent(new Event(CHANGED));
}

/** Calls `listener` whenever anything kept changes, in this tab or another; returns how to stop. */
export function onKeptChange(listener: () => void): () => void {
  const own = () => listener();
  addEventListener(CHANGED, own);
  const other = typeof BroadcastChannel === "undefined" ? undefined : new BroadcastChannel(CHANGED);
  if (other) other.onmessage = own;
  return () => {
    removeEventListener(CHANGED, own);
    other?.close();
  };
}

/** The day downloaded last, if any. */
export function keptDay(): Promise<Day | undefined> {
  return get<Day>("day", store);
}

/** Keeps a downloaded day in place of the last one (the answers waiting are kept apart and stay). */
export async function keepDay(day: Day): Promise<void> {
  await set("day", day, store);
  await del("routes-changed", store);
  changed();
}

/** Every response, demand, visit mark and file record kept. */
export async function readKept(): Promise<Kept> {
  const kept: Kept = { responses: [], demands: [], visits: [], files: [] };
  for (const [key, value] of await entries<string, unknown>(store)) {
    const k = String(key);
    if (k.startsWith("response:")) kept.responses.push(value as KeptResponse);
    else if (k.startsWith("demand:")) kept.demands.push(value as KeptDemand);
    else if (k.startsWith("visit:")) kept.visits.push(value as KeptVisit);
    else if (k.startsWith("filemeta:")) kept.files.push(value as KeptFile);
  }
  kept.responses.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  kept.demands.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  kept.visits.sort((a, b) => a.at.localeCompare(b.at));
  return kept;
}

/** Writes back the items a sync changed (only those whose state differs, to keep writes few). */
export async function writeKept(before: Kept, after: Kept): Promise<void> {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const [i, r] of after.responses.entries())
    if (!same(r, before.responses[i])) await set(`response:${r.clientId}`, r, store);
  for (const [i, d] of after.demands.entries())
    if (!same(d, before.demands[i])) await set(`demand:${d.clientId}`, d, store);
  for (const [i, v] of after.visits.entries())
    if (!same(v, before.visits[i])) await set(`visit:${v.visitId}`, v, store);
  for (const [i, f] of after.files.entries())
    if (!same(f, before.files[i])) await set(`filemeta:${f.sha256}`, f, store);
  changed();
}

/** Keeps a response as it is now (at every answer). */
export async function keepResponse(response: KeptResponse): Promise<void> {
  await set(`response:${response.clientId}`, response, store);
  changed();
}

/** A kept response. */
export function keptResponse(clientId: string): Promise<KeptResponse | undefined> {
  return get<KeptResponse>(`response:${clientId}`, store);
}

/** Forgets a draft (a response refused can be dropped only by the inspector's click). */
export async function dropResponse(clientId: string): Promise<void> {
  await del(`response:${clientId}`, store);
  changed();
}

/** Keeps a field demand. */
export async function keepDemand(demand: KeptDemand): Promise<void> {
  await set(`demand:${demand.clientId}`, demand, store);
  changed();
}

/** Forgets a field demand (a refused one, by the inspector's click). */
export async function dropDemand(clientId: string): Promise<void> {
  await del(`demand:${clientId}`, store);
  changed();
}

/** Keeps a visit's mark (skipped with its reason). */
export async function keepVisit(visit: KeptVisit): Promise<void> {
  await set(`visit:${visit.visitId}`, visit, store);
  changed();
}

/** Keeps a photo or recording under its SHA-256 (once: the same file twice is one). */
export async function keepFile(sha256: string, blob: Blob): Promise<void> {
  if (await get(`filemeta:${sha256}`, store)) return;
  await set(`file:${sha256}`, blob, store);
  await set(`filemeta:${sha256}`, { sha256, type: blob.type, uploaded: false } satisfies KeptFile, store);
}

/** A kept file's Blob. */
export function keptFile(sha256: string): Promise<Blob | undefined> {
  return get<Blob>(`file:${sha256}`, store);
}

/** Marks a file as on the server. */
export async function markUploaded(sha256: string): Promise<void> {
  const meta = await get<KeptFile>(`filemeta:${sha256}`, store);
  if (meta) await set(`filemeta:${sha256}`, { ...meta, uploaded: true }, store);
}

/** The batch sent and not yet answered: sent again as it is until its reply is applied. */
export function keptBatch(): Promise<SyncBatch | undefined> {
  return get<SyncBatch>("batch", store);
}

/** Keeps (or, with undefined, forgets) the batch on its way. */
export async function keepBatch(batch: SyncBatch | undefined): Promise<void> {
  if (batch) await set("batch", batch, store);
  else await del("batch", store);
}

/** The routes the server says changed since the day was downloaded (the offer to download it again). */
export async function routesChanged(): Promise<number[]> {
  return (await get<number[]>("routes-changed", store)) ?? [];
}

/** Notes the routes changed on the server. */
export async function keepRoutesChanged(ids: number[]): Promise<void> {
  await set("routes-changed", ids, store);
  changed();
}

/** This device's id, made once (the server records which tablet sent a batch). */
export async function deviceId(): Promise<string> {
  const kept = await get<string>("device", store);
  if (kept) return kept;
  const id = crypto.randomUUID();
  await set("device", id, store);
  return id;
}

/**
 * After signing out: forgets the day and everything synced (files no waiting item names included); what still
 * waits stays for the same inspector's next session (the sign-out warned of it).
 */
export async function forgetSynced(): Promise<void> {
  const kept = await readKept();
  const waiting = (s: string) => s === "waiting" || s === "refused" || s === "draft";
  const needed = new Set<string>();
  for (const r of kept.responses) {
    if (!waiting(r.state)) {
      await del(`response:${r.clientId}`, store);
      continue;
    }
    for (const v of Object.values(r.answers)) if (Array.isArray(v)) for (const s of v) needed.add(s);
  }
  for (const d of kept.demands) {
    if (!waiting(d.state)) await del(`demand:${d.clientId}`, store);
    else for (const s of d.photos) needed.add(s);
  }
  for (const v of kept.visits) if (v.sync === "synced") await del(`visit:${v.visitId}`, store);
  for (const f of kept.files) {
    if (needed.has(f.sha256)) continue;
    await del(`file:${f.sha256}`, store);
    await del(`filemeta:${f.sha256}`, store);
  }
  await del("day", store);
  changed();
}
