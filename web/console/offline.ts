/**
 * The console without the network (issue 16, decision 0058). A demand registered while the link is down is kept in
 * the browser (IndexedDB) under a provisional number, with the Idempotency-Key it was made with, and sent by itself
 * when the link is back: the server makes one demand of a key however many times it arrives, so a send that was
 * lost on the way, two tabs or a reload never make two. What the form needs meanwhile — the catalogue with each
 * service's fields, and the suggester's inputs — is the offline kit, read when the console opens and kept with its
 * version; the city's streets are offline-streets.ts's.
 *
 * Rules when the demand reaches the server: the server's answer decides. Accepted, it shows its protocol (the
 * citizen with a contact gets it on their channel; a caller without one is called back). Refused for what it holds
 * (a service retired meanwhile, a place the service needs and the address did not give), it stays in the list as
 * refused, with the server's reason, for the agent to register again with another service or place, or discard.
 * A demand waits for the agent who took it: another agent's session never sends it.
 */
import { createStore, del, entries, get, set } from "idb-keyval";
import { type ActiveRule, suggestWithRules } from "../../domain/classification/ranking.ts";
import {
  buildIndex,
  DEFAULT_OPTIONS,
  type PortableFamily,
  resolvedFamily,
  type ServiceDocument,
  type SuggesterIndex,
} from "../../domain/classification/suggester.ts";
import type { TextLanguage } from "../../domain/classification/text.ts";
import type { AttributeView } from "../portal/attributes.tsx";
import { ApiProblem, api } from "../ui/api.ts";
import { tenantBase } from "../ui/base.ts";

// One store per tenant prefix (base.ts, the name sw.ts forgets on sign-out): they share this origin's IndexedDB,
// and a demand taken at Santos's console must never be sent from another tenant's.
export const store =
  typeof indexedDB === "undefined" ? undefined : createStore(`responsiva-console${tenantBase()}`, "kv");

/** A service as the kit keeps it (GET /api/v1/console/offline-kit). */
export interface KitService {
  code: string;
  name: string;
  keywords: string[];
  locationRequired: boolean;
  anonymousAllowed: boolean;
  attributes: (AttributeView & { order: number })[];
}

export interface OfflineKit {
  version: string;
  language: string;
  services: KitService[];
  /**
   * What the server's suggester is built from (server/classification/queries.ts suggesterInputs); absent from a kit
   * kept by an older console, which then suggests by the services' words alone.
   */
  suggester?: { documents: ServiceDocument[]; families: PortableFamily[]; rules: ActiveRule[] };
}

/** A demand registered without the network, until the server has it. */
export interface PendingDemand {
  /** The Idempotency-Key it is sent with, every time. */
  key: string;
  /** The district of the street picked from the kept list (offline-streets.ts): placed on that one when sent. */
  districtCode?: string | undefined;
  /** What the caller or the person at the counter is told until the protocol exists. */
  provisional: string;
  /** Where it goes: /api/v1/demands (counter) or /api/v1/calls/{id}/demands (a call). */
  path: string;
  body: Record<string, unknown> & { description: string; address?: string; location?: unknown };
  channel: string;
  serviceName: string;
  /** The agent who took it: only their session sends it. */
  agentId: number;
  /** The number to call back with the protocol (a caller without another contact). */
  callback?: string | undefined;
  queuedAt: string;
  state: "waiting" | "sent" | "refused";
  protocol?: string;
  secret?: string;
  sentAt?: string;
  problem?: { code: string; title: string; detail: string };
}

const PREFIX = "pending:";
const CHANGED = `responsiva-console-pending${tenantBase()}`;
/** Made at the first change (an open channel would keep a test process of Node alive). */
let channel: BroadcastChannel | undefined;

/** Whether a failure means "no link to the server" (nothing reached it, or a proxy says it is away). */
export function isLinkDown(e: unknown): boolean {
  return (
    e instanceof ApiProblem && (e.status === 0 || e.status === 502 || e.status === 503 || e.status === 504)
  );
}

/** A provisional number: the day and four letters or digits no one confuses when read aloud ("P-1206-K7QF"). */
export function provisionalNumber(now = new Date()): string {
  const letters = "ACEFHJKMNPRTWXY34679";
  const random = crypto.getRandomValues(new Uint8Array(4));
  const tail = [...random].map((b) => letters[b % letters.length]).join("");
  const day = `${String(now.getMonth() + 1).padStart(2, "0")}${String(now.getDate()).padStart(2, "0")}`;
  return `P-${day}-${tail}`;
}

function changed(): void {
  if (typeof BroadcastChannel !== "undefined") channel ??= new BroadcastChannel(CHANGED);
  channel?.postMessage("changed");
  dispatchEvent(new Event(CHANGED));
}

/** Calls `listener` whenever the list changes, in this tab or another; returns how to stop. */
export function onPendingChange(listener: () => void): () => void {
  const own = () => listener();
  addEventListener(CHANGED, own);
  const other = new BroadcastChannel(CHANGED);
  other.onmessage = own;
  return () => {
    removeEventListener(CHANGED, own);
    other.close();
  };
}

/** Keeps a demand to send later; resolves once it is written. */
export async function keepPending(
  demand: Omit<PendingDemand, "provisional" | "queuedAt" | "state">,
): Promise<PendingDemand> {
  const pending: PendingDemand = {
    ...demand,
    provisional: provisionalNumber(),
    queuedAt: new Date().toISOString(),
    state: "waiting",
  };
  await set(`${PREFIX}${pending.key}`, pending, store);
  changed();
  return pending;
}

/** Every kept demand, oldest first. */
export async function listPending(): Promise<PendingDemand[]> {
  const all = await entries<string, PendingDemand>(store);
  return all
    .filter(([k]) => String(k).startsWith(PREFIX))
    .map(([, v]) => v)
    .sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
}

/** Forgets a kept demand (one sent, once read out; one refused, once registered again or discarded). */
export async function dropPending(key: string): Promise<void> {
  await del(`${PREFIX}${key}`, store);
  changed();
}

/**
 * The place of a typed address, asked just before sending (the best match, as the form takes it online); in the
 * district of the street picked from the kept list, when one was (a namesake elsewhere is not taken).
 */
async function placed(pending: PendingDemand, locale: string): Promise<PendingDemand["body"]> {
  const body = pending.body;
  if (body.location || !body.address || body.address.length < 4) return body;
  const query = new URLSearchParams({ q: body.address, limit: "1" });
  if (pending.districtCode) query.set("district", pending.districtCode);
  const found = await api<{ items: { lat: number; lon: number }[] }>(`/api/v1/geocode?${query}`, {}, locale);
  const best = found.items[0];
  return best ? { ...body, location: { lat: best.lat, lon: best.lon } } : body;
}

let running: Promise<number> | null = null;

/**
 * Sends the agent's waiting demands, oldest first, each with its own key; stops at the first sign that the link
 * or the session is still away. Resolves with how many were sent. One run at a time in this browser (a Web Lock
 * across tabs; the key makes a second send harmless anyway).
 */
export function sendPending(agentId: number, locale: string): Promise<number> {
  running ??= (async () => {
    const work = () => sendAll(agentId, locale);
    try {
      return navigator.locks ? await navigator.locks.request(CHANGED, work) : await work();
    } finally {
      running = null;
    }
  })();
  return running;
}

async function sendAll(agentId: number, locale: string): Promise<number> {
  let sent = 0;
  for (const pending of await listPending()) {
    if (pending.state !== "waiting" || pending.agentId !== agentId) continue;
    // Read again: another tab may have sent it meanwhile.
    const now = await get<PendingDemand>(`${PREFIX}${pending.key}`, store);
    if (now?.state !== "waiting") continue;
    try {
      // Placed once and kept before the first send: every send of a key carries the very same body (the server
      // refuses a key reused with another one).
      const body = await placed(now, locale);
      if (body !== now.body) await set(`${PREFIX}${now.key}`, { ...now, body }, store);
      const created = await api<{ protocol: string; secret: string }>(
        now.path,
        {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": now.key },
          body: JSON.stringify(body),
        },
        locale,
      );
      await set(
        `${PREFIX}${now.key}`,
        {
          ...now,
          body,
          state: "sent",
          protocol: created.protocol,
          secret: created.secret,
          sentAt: new Date().toISOString(),
        },
        store,
      );
      sent++;
    } catch (e) {
      if (!(e instanceof ApiProblem) || isLinkDown(e)) break;
      // Not signed in, too many, or the server's own trouble: try again later, as it is.
      if (e.status === 401 || e.status === 403 || e.status === 408 || e.status === 429 || e.status >= 500)
        break;
      await set(
        `${PREFIX}${now.key}`,
        { ...now, state: "refused", problem: { code: e.code, title: e.title, detail: e.detail } },
        store,
      );
    }
    changed();
  }
  return sent;
}

const KIT = "kit";

/** Reads the offline kit again when its version changed (or none is kept); keeps the last one when offline. */
export async function refreshKit(locale: string): Promise<OfflineKit | undefined> {
  try {
    const kit = await api<OfflineKit>("/api/v1/console/offline-kit", {}, locale);
    await set(`${KIT}:${locale}`, kit, store);
    return kit;
  } catch {
    return get<OfflineKit>(`${KIT}:${locale}`, store);
  }
}

/** The kept kit of `locale`, if any. */
export function keptKit(locale: string): Promise<OfflineKit | undefined> {
  return get<OfflineKit>(`${KIT}:${locale}`, store);
}

const fold = (s: string) =>
  s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();

/** The kit's services whose name or keywords hold every typed word (as the catalogue's search matches). */
export function searchKit(kit: OfflineKit, q: string, limit = 10): KitService[] {
  const words = fold(q)
    .split(/\W+/)
    .filter((w) => w.length >= 2);
  if (words.length === 0) return [];
  return kit.services
    .filter((s) => {
      const text = fold(`${s.name} ${s.keywords.join(" ")}`);
      return words.every((w) => text.includes(w));
    })
    .slice(0, limit);
}

/** A service of the kept kit, as the form reads a service's details. */
export async function keptService(locale: string, code: string): Promise<KitService | undefined> {
  return (await keptKit(locale))?.services.find((s) => s.code === code);
}

/** The index built from the last kit asked for (building it takes tens of milliseconds: not at every keystroke). */
let built: { kit: string; index: SuggesterIndex } | undefined;

function indexOf(kit: OfflineKit, inputs: NonNullable<OfflineKit["suggester"]>): SuggesterIndex {
  const id = `${kit.language}|${kit.version}`;
  if (built?.kit !== id) {
    const language = (["en", "es"].includes(kit.language) ? kit.language : "pt-BR") as TextLanguage;
    const families = inputs.families.map(resolvedFamily);
    built = { kit: id, index: buildIndex(inputs.documents, DEFAULT_OPTIONS, language, families) };
  }
  return built.index;
}

/**
 * The kit's services a description is most likely about, without the server, best first, at most `limit`: the
 * server's own suggester and managers' rules for the channel (domain/classification/), built from the kit's inputs,
 * so the same description suggests the same services as online. Rules limited to areas do not apply (the console
 * asks online without a place too). A kit without the inputs counts the description's words in the services' names
 * (twice) and keywords.
 */
export function suggestFromKit(kit: OfflineKit, text: string, limit = 5, channel?: string): KitService[] {
  const byCode = new Map(kit.services.map((s) => [s.code, s]));
  if (kit.suggester) {
    const ranked = suggestWithRules(
      indexOf(kit, kit.suggester),
      kit.suggester.rules,
      text,
      {
        channel,
        areaCodes: [],
      },
      limit,
    );
    return ranked.flatMap((c) => byCode.get(c.code) ?? []);
  }
  const words = [...new Set(fold(text).split(/\W+/))].filter((w) => w.length >= 4);
  if (words.length === 0) return [];
  const scored = kit.services.map((s) => {
    const name = fold(s.name);
    const keywords = fold(s.keywords.join(" "));
    const score = words.reduce((n, w) => n + (name.includes(w) ? 2 : 0) + (keywords.includes(w) ? 1 : 0), 0);
    return { s, score };
  });
  return scored
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || a.s.name.localeCompare(b.s.name))
    .slice(0, limit)
    .map((x) => x.s);
}
