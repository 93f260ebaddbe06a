/**
 * The citizen's demand while it is being written and until the server has it: the draft is kept in IndexedDB as
 * it is typed, and a submitted demand waits in an outbox until it is sent. Each submission carries one
 * Idempotency-Key from the moment it is queued, so a resend after a lost answer never makes two demands.
 */
import { createStore, del, get, set, update } from "idb-keyval";
import { PRIVACY_POLICY_VERSION } from "../../domain/privacy.ts";
import { inBase, tenantBase } from "../ui/base.ts";

// One store per tenant prefix (base.ts): they share this origin's IndexedDB, and a demand queued at Santos's portal
// must never be sent from another tenant's (nor a draft of a service shown there).
const store =
  typeof indexedDB === "undefined" ? undefined : createStore(`responsiva-portal${tenantBase()}`, "kv");

/** A photo kept with the draft (a File survives IndexedDB's structured clone). */
export interface DraftPhoto {
  name: string;
  blob: Blob;
}

/** What the citizen typed, as kept between visits and while offline. */
export interface Draft {
  service: string;
  description: string;
  /** identified, confidential (only the ombudsman team sees who asked) or anonymous. */
  identity: "identified" | "confidential" | "anonymous";
  name: string;
  email: string;
  phone: string;
  /** The channel the answers go on: "" lets the city choose (e-mail when given); a draft kept before has none. */
  reply?: "" | "email" | "sms" | "whatsapp" | undefined;
  consent: boolean;
  location: { lat: number; lon: number } | null;
  address: string;
  attributes: Record<string, string | number | string[]>;
  photos: DraftPhoto[];
}

/** A demand waiting to be sent, with its idempotency key. */
export interface Submission {
  key: string;
  draft: Draft;
  queuedAt: string;
}

/** The privacy notice version the portal's consent box refers to: the one the server records (domain/privacy.ts). */
export const POLICY_VERSION = PRIVACY_POLICY_VERSION;

/** An empty draft of a service. */
export function emptyDraft(service: string): Draft {
  return {
    service,
    description: "",
    identity: "identified",
    name: "",
    email: "",
    phone: "",
    reply: "",
    consent: false,
    location: null,
    address: "",
    attributes: {},
    photos: [],
  };
}

/** The JSON body of POST /api/v1/demands for a draft: empty fields left out, the citizen unless anonymous. */
export function demandBody(draft: Draft, locale: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    service: draft.service,
    description: draft.description.trim(),
    identity: draft.identity,
    channel: "web",
  };
  const attributes = Object.fromEntries(
    Object.entries(draft.attributes).filter(([, v]) => v !== "" && !(Array.isArray(v) && v.length === 0)),
  );
  body.attributes = attributes;
  if (draft.location) body.location = draft.location;
  if (draft.address.trim()) body.address = draft.address.trim();
  if (draft.identity !== "anonymous") {
    const citizen: Record<string, unknown> = { locale };
    if (draft.name.trim()) citizen.name = draft.name.trim();
    if (draft.email.trim()) citizen.email = draft.email.trim();
    if (draft.phone.trim()) citizen.phone = draft.phone.trim();
    if (draft.reply) citizen.preferredChannel = draft.reply;
    if (draft.consent) citizen.consent = { policyVersion: POLICY_VERSION };
    body.citizen = citizen;
  }
  return body;
}

/** The answer of a created demand. */
export interface Created {
  protocol: string;
  secret: string;
  /** The demand's deadline and when its answer is due (what happens next, told on the confirmation). */
  deadline?: { amount: number; unit: "business_hours" | "business_days" | "calendar_days" };
  dueAt?: string;
}

/** Sends one submission as multipart (the `demand` JSON field, then the photos); throws ApiProblem-like errors. */
export async function sendSubmission(
  submission: Submission,
  locale: string,
  send: typeof fetch = fetch,
): Promise<Response> {
  const form = new FormData();
  form.append("demand", JSON.stringify(demandBody(submission.draft, locale)));
  for (const photo of submission.draft.photos) form.append("photos", photo.blob, photo.name);
  return send(inBase("/api/v1/demands"), {
    method: "POST",
    body: form,
    headers: { "idempotency-key": submission.key, "accept-language": locale, accept: "application/json" },
  });
}

/** Keeps the draft of a service as it is typed. */
export async function saveDraft(draft: Draft): Promise<void> {
  if (store) await set(`draft:${draft.service}`, draft, store);
}

/** The kept draft of a service, if any. */
export async function loadDraft(service: string): Promise<Draft | undefined> {
  return store ? get<Draft>(`draft:${service}`, store) : undefined;
}

/** Forgets the draft of a service (once the server has it). */
export async function clearDraft(service: string): Promise<void> {
  if (store) await del(`draft:${service}`, store);
}

/** Puts a submission in the outbox, where it stays until the server answers. */
export async function queueSubmission(submission: Submission): Promise<void> {
  if (store)
    await update<Submission[]>(
      "outbox",
      (list = []) => [...list.filter((s) => s.key !== submission.key), submission],
      store,
    );
}

/** The submissions waiting to be sent. */
export async function listOutbox(): Promise<Submission[]> {
  return (store && (await get<Submission[]>("outbox", store))) || [];
}

/** Removes a sent (or refused) submission from the outbox. */
export async function removeSubmission(key: string): Promise<void> {
  if (store) await update<Submission[]>("outbox", (list = []) => list.filter((s) => s.key !== key), store);
}

/** Remembers the secret of a demand this device filed, so its full view opens without asking. */
export async function rememberDemand(created: Created): Promise<void> {
  if (store) await set(`secret:${created.protocol}`, created.secret, store);
}

/** Forgets a demand's kept secret that the server no longer accepts (a mistyped access code). */
export async function forgetSecret(protocol: string): Promise<void> {
  if (store) await del(`secret:${protocol}`, store);
}

/** The secret of a demand filed on this device. */
export async function secretOf(protocol: string): Promise<string | undefined> {
  return store ? get<string>(`secret:${protocol}`, store) : undefined;
}

let flushing: Promise<void> | undefined;

/**
 * Sends every waiting submission once; a network failure leaves it queued for the next try, a server answer
 * (created, replayed, or refused) takes it out. Runs one at a time.
 */
export function flushOutbox(
  locale: string,
  onDone: (submission: Submission, response: Response, body: unknown) => void,
): Promise<void> {
  flushing ??= (async () => {
    try {
      for (const submission of await listOutbox()) {
        let response: Response;
        try {
          response = await sendSubmission(submission, locale);
        } catch {
          return; // still offline
        }
        const body = await response.json().catch(() => ({}));
        if (response.status >= 500) return;
        await removeSubmission(submission.key);
        if (response.ok) {
          await rememberDemand(body as Created);
          await clearDraft(submission.draft.service);
        }
        onDone(submission, response, body);
      }
    } finally {
      flushing = undefined;
    }
  })();
  return flushing;
}
