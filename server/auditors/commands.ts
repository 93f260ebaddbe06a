/**
 * Changes to citizen auditors (issue 18). Each command runs inside the caller's transaction, so the portal's routes,
 * an agent's screen, the IVR and the conversation engine call the same code with the channel it came by (`via`);
 * a staff member's change is written to the audit log in the same transaction (ids and choices, never the person's
 * number or address). Consent and its withdrawal are also recorded in `consents` (purpose citizen_auditor).
 */
import {
  AUDITOR_CONSENT_VERSION,
  CALL_DAY,
  MAX_WINDOWS,
  MIN_WINDOW_MINUTES,
  sortedWindows,
  windowProblems,
} from "../../domain/auditors.ts";
import { type AuditActor, recordAudit } from "../audit/record.ts";
import { findOrCreateCitizen, recordConsent } from "../citizens/commands.ts";
import { normalisePhone } from "../citizens/contacts.ts";
import { maybeOne, one, type Sql } from "../db/index.ts";
import { AppError, conflict, notFound, unprocessable } from "../errors.ts";
import { cancelUnwantedCalls } from "./calls.ts";
import { placeAuditor } from "./place.ts";
import { provenPhoneOf } from "./queries.ts";
import type {
  AuditorChange,
  AuditorInput,
  AuditorVia,
  CitizenAuditorInput,
  StaffAuditorChange,
  StaffAuditorInput,
  WindowInput,
} from "./schemas.ts";

/** An enrolment as a command takes it: the choices, the consent, and whose it is. */
export type EnrolmentInput = AuditorInput & { citizenId: number };

/** Refuses windows that break a rule of domain/auditors.ts, naming each one (422, the first problem's code). */
export function checkWindows(windows: readonly WindowInput[]): void {
  const problems = windowProblems(windows);
  if (problems.length === 0) return;
  const params = {
    from: CALL_DAY.starts,
    to: CALL_DAY.ends,
    minutes: MIN_WINDOW_MINUTES,
    max: MAX_WINDOWS,
  };
  const fields = problems.map((p) => ({
    field: p.index === null ? "windows" : `windows.${p.index}`,
    code: p.code,
  }));
  throw new AppError(422, problems[0]!.code, params, fields);
}

/** Refuses an enrolment without the person's consent to the text in force. */
export function checkConsent(input: { consent: boolean; consentTextVersion: string }): void {
  if (input.consent !== true) throw unprocessable("auditor_consent_required", "consent");
  if (input.consentTextVersion !== AUDITOR_CONSENT_VERSION)
    throw unprocessable("auditor_consent_outdated", "consentTextVersion", {
      version: AUDITOR_CONSENT_VERSION,
    });
}

/** A phone number as the auditors table holds it (E.164 with "+"); 422 invalid_contact naming `phone` otherwise. */
export function auditorPhone(raw: string): string {
  const digits = normalisePhone(raw);
  if (!digits) throw unprocessable("invalid_contact", "phone");
  return `+${digits}`;
}

async function replaceWindows(tx: Sql, auditorId: number, windows: readonly WindowInput[]): Promise<void> {
  await tx.query("DELETE FROM auditor_windows WHERE auditor_id = $1", [auditorId]);
  const sorted = sortedWindows(windows);
  await tx.query(
    `INSERT INTO auditor_windows (auditor_id, weekday, starts, ends)
     SELECT $1, w.weekday, w.starts::time, w.ends::time
       FROM unnest($2::smallint[], $3::text[], $4::text[]) AS w(weekday, starts, ends)`,
    [auditorId, sorted.map((w) => w.weekday), sorted.map((w) => w.starts), sorted.map((w) => w.ends)],
  );
}

/** The fields of an enrolment the audit log keeps: its choices, never the person's number or address. */
async function auditView(tx: Sql, auditorId: number) {
  return one<Record<string, unknown>>(
    tx,
    `SELECT a.citizen_id AS "citizenId", a.state, a.channel, a.language, a.block_id AS "blockId",
            a.max_calls_per_week AS "maxCallsPerWeek", a.do_not_call AS "doNotCall",
            (SELECT count(*)::int FROM auditor_windows w WHERE w.auditor_id = a.id) AS windows
       FROM auditors a WHERE a.id = $1`,
    [auditorId],
  );
}

/**
 * Enrols a citizen as an auditor with their consent, by the channel it came through: placed on a block, with their
 * windows; the consent is recorded (consents, purpose citizen_auditor). 404 for an unknown or erased citizen, 409
 * auditor_already_enrolled when they have a live enrolment (change it instead). Returns the new enrolment's id.
 */
export async function enrolAuditor(
  tx: Sql,
  input: EnrolmentInput,
  via: AuditorVia,
  actor?: AuditActor,
): Promise<number> {
  checkConsent(input);
  checkWindows(input.windows);
  const phone = input.phone ? auditorPhone(input.phone) : undefined;
  if (!phone) throw unprocessable("invalid_contact", "phone");
  const citizen = await maybeOne<{ locale: string; erased_at: Date | null }>(
    tx,
    "SELECT locale, erased_at FROM citizens WHERE id = $1 FOR UPDATE",
    [input.citizenId],
  );
  if (!citizen || citizen.erased_at) throw notFound(`/api/v1/citizens/${input.citizenId}`);
  if (
    await maybeOne(tx, "SELECT 1 FROM auditors WHERE citizen_id = $1 AND state <> 'revoked'", [
      input.citizenId,
    ])
  )
    throw conflict("auditor_already_enrolled");
  const place = await placeAuditor(tx, input);
  const { id } = await one<{ id: number }>(
    tx,
    `INSERT INTO auditors (citizen_id, phone, channel, language, block_id, district_code, address, point,
                           max_calls_per_week, consent_at, consent_channel, consent_text_version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, ST_SetSRID(ST_MakePoint($8, $9), 4326), $10, now(), $11, $12)
     RETURNING id`,
    [
      input.citizenId,
      phone,
      input.channel,
      input.language ?? citizen.locale,
      place.blockId,
      place.districtCode,
      place.address,
      place.lon,
      place.lat,
      input.maxCallsPerWeek,
      via,
      input.consentTextVersion,
    ],
  );
  await replaceWindows(tx, id, input.windows);
  await recordConsent(tx, {
    citizenId: input.citizenId,
    purpose: "citizen_auditor",
    granted: true,
    policyVersion: input.consentTextVersion,
    channel: via,
    recordedBy: actor?.staffId ?? null,
  });
  if (actor)
    await recordAudit(tx, actor, {
      action: "auditor.enrolled",
      entityType: "auditor",
      entityId: id,
      after: { ...(await auditView(tx, id)), via },
    });
  return Number(id);
}

/** Locks a live enrolment for a change: 404 when there is none with that id, 409 auditor_revoked when it ended. */
async function lockLive(tx: Sql, auditorId: number): Promise<{ citizen_id: number; state: string }> {
  const row = await maybeOne<{ citizen_id: number; state: string }>(
    tx,
    "SELECT citizen_id, state FROM auditors WHERE id = $1 FOR UPDATE",
    [auditorId],
  );
  if (!row) throw notFound(`/api/v1/auditors/${auditorId}`);
  if (row.state === "revoked") throw conflict("auditor_revoked");
  return row;
}

/**
 * Changes a live enrolment: only what `change` holds (windows replace the ones held; a new place is placed
 * again; `state` pauses or resumes; `doNotCall` only from staff). 409 auditor_revoked for an ended enrolment.
 */
export async function updateAuditor(
  tx: Sql,
  auditorId: number,
  change: AuditorChange | StaffAuditorChange,
  via: AuditorVia,
  actor?: AuditActor,
): Promise<void> {
  await lockLive(tx, auditorId);
  if (change.windows) checkWindows(change.windows);
  const phone = change.phone ? auditorPhone(change.phone) : null;
  const place = change.point || change.address ? await placeAuditor(tx, change) : null;
  const before = actor ? await auditView(tx, auditorId) : undefined;
  await tx.query(
    `UPDATE auditors
        SET phone = coalesce($2, phone), channel = coalesce($3, channel), language = coalesce($4, language),
            max_calls_per_week = coalesce($5, max_calls_per_week), state = coalesce($6, state),
            do_not_call = coalesce($7, do_not_call),
            block_id = CASE WHEN $8 THEN $9 ELSE block_id END,
            district_code = CASE WHEN $8 THEN $10 ELSE district_code END,
            address = CASE WHEN $8 THEN $11 ELSE address END,
            point = CASE WHEN $8 THEN ST_SetSRID(ST_MakePoint($12, $13), 4326) ELSE point END,
            updated_at = now()
      WHERE id = $1`,
    [
      auditorId,
      phone,
      change.channel ?? null,
      change.language ?? null,
      change.maxCallsPerWeek ?? null,
      change.state ?? null,
      "doNotCall" in change ? (change.doNotCall ?? null) : null,
      place !== null,
      place?.blockId ?? null,
      place?.districtCode ?? null,
      place?.address ?? null,
      place?.lon ?? null,
      place?.lat ?? null,
    ],
  );
  if (change.windows) await replaceWindows(tx, auditorId, change.windows);
  await cancelUnwantedCalls(tx, [auditorId]);
  if (actor)
    await recordAudit(tx, actor, {
      action: "auditor.updated",
      entityType: "auditor",
      entityId: auditorId,
      before,
      after: { ...(await auditView(tx, auditorId)), via },
    });
}

/** Pauses a live enrolment's calls (kept, not called) until it is resumed. */
export function pauseAuditor(tx: Sql, auditorId: number, via: AuditorVia, actor?: AuditActor): Promise<void> {
  return updateAuditor(tx, auditorId, { state: "paused" }, via, actor);
}

/** Resumes a paused enrolment's calls. */
export function resumeAuditor(
  tx: Sql,
  auditorId: number,
  via: AuditorVia,
  actor?: AuditActor,
): Promise<void> {
  return updateAuditor(tx, auditorId, { state: "active" }, via, actor);
}

/**
 * Renews the consent of a live enrolment, when the person confirms it again (the portal's PUT always does): a new
 * consent record when the text's version changed or their latest record for the purpose is a withdrawal.
 */
export async function renewConsent(
  tx: Sql,
  auditorId: number,
  input: { consent: boolean; consentTextVersion: string },
  via: AuditorVia,
): Promise<void> {
  checkConsent(input);
  const row = await lockLive(tx, auditorId);
  const latest = await maybeOne<{ granted: boolean }>(
    tx,
    `SELECT granted FROM consents WHERE citizen_id = $1 AND purpose = 'citizen_auditor' ORDER BY id DESC LIMIT 1`,
    [row.citizen_id],
  );
  const current = await one<{ version: string }>(
    tx,
    "SELECT consent_text_version AS version FROM auditors WHERE id = $1",
    [auditorId],
  );
  if (latest?.granted && current.version === input.consentTextVersion) return;
  await tx.query(
    `UPDATE auditors SET consent_at = now(), consent_channel = $2, consent_text_version = $3, updated_at = now()
      WHERE id = $1`,
    [auditorId, via, input.consentTextVersion],
  );
  await recordConsent(tx, {
    citizenId: row.citizen_id,
    purpose: "citizen_auditor",
    granted: true,
    policyVersion: input.consentTextVersion,
    channel: via,
  });
}

/**
 * Revokes an enrolment at once, by any channel: revoked, do-not-call, the time, channel and reason kept, and the
 * withdrawal of consent recorded; no call is planned from its commit on. Revoking a revoked enrolment changes
 * nothing (the person's wish already holds). 404 when there is no such enrolment.
 */
export async function revokeAuditor(
  tx: Sql,
  auditorId: number,
  via: AuditorVia,
  reason?: string | null,
  actor?: AuditActor,
): Promise<void> {
  const row = await maybeOne<{ citizen_id: number; state: string }>(
    tx,
    "SELECT citizen_id, state FROM auditors WHERE id = $1 FOR UPDATE",
    [auditorId],
  );
  if (!row) throw notFound(`/api/v1/auditors/${auditorId}`);
  if (row.state === "revoked") return;
  await tx.query(
    `UPDATE auditors SET state = 'revoked', do_not_call = true, revoked_at = now(), revoked_channel = $2,
            revoked_reason = $3, updated_at = now()
      WHERE id = $1`,
    [auditorId, via, reason ?? null],
  );
  await cancelUnwantedCalls(tx, [auditorId]);
  await recordConsent(tx, {
    citizenId: row.citizen_id,
    purpose: "citizen_auditor",
    granted: false,
    policyVersion: AUDITOR_CONSENT_VERSION,
    channel: via,
    recordedBy: actor?.staffId ?? null,
  });
  if (actor)
    await recordAudit(tx, actor, {
      action: "auditor.revoked",
      entityType: "auditor",
      entityId: auditorId,
      after: { state: "revoked", doNotCall: true, via },
    });
}

/**
 * An agent enrols the caller on the phone (consent channel `phone`, the agent audited): on the citizen record the
 * screen pop found, or on a new record holding the name and number given. Returns the enrolment's id.
 */
export async function enrolCaller(tx: Sql, input: StaffAuditorInput, actor: AuditActor): Promise<number> {
  checkConsent(input);
  checkWindows(input.windows);
  const citizenId =
    input.citizenId ??
    (await findOrCreateCitizen(tx, { name: input.name ?? null, contacts: { phone: input.phone } }));
  return enrolAuditor(tx, { ...input, citizenId }, "phone", actor);
}

/**
 * The signed-in citizen's own PUT on the portal: enrols them when they have no live enrolment, else changes it and
 * renews the consent. The number must be one they proved by a sign-in code (their latest proven one by default):
 * nobody enrols someone else's phone to be called (decision 0019). 422 auditor_phone_not_proven otherwise.
 */
export async function saveOwnEnrolment(
  tx: Sql,
  citizenId: number,
  input: CitizenAuditorInput,
): Promise<number> {
  checkConsent(input);
  const digits = input.phone ? auditorPhone(input.phone).slice(1) : undefined;
  const live = await maybeOne<{ id: number }>(
    tx,
    "SELECT id FROM auditors WHERE citizen_id = $1 AND state <> 'revoked' FOR UPDATE",
    [citizenId],
  );
  // A change that keeps the number needs no proof again (an agent may have enrolled it on the phone).
  const phone = live && !digits ? undefined : await provenPhoneOf(tx, citizenId, digits);
  if ((!live || digits) && !phone) throw unprocessable("auditor_phone_not_proven", "phone");
  if (!live) {
    if (!input.windows)
      throw new AppError(400, "invalid_input", {}, [{ field: "windows", code: "required" }]);
    const id = await enrolAuditor(
      tx,
      {
        ...input,
        citizenId,
        phone,
        channel: input.channel ?? "voice",
        windows: input.windows,
        maxCallsPerWeek: input.maxCallsPerWeek ?? 2,
      },
      "portal",
    );
    if (input.state === "paused") await pauseAuditor(tx, id, "portal");
    return id;
  }
  const id = Number(live.id);
  await renewConsent(tx, id, input, "portal");
  await updateAuditor(tx, id, { ...input, phone }, "portal");
  return id;
}

/**
 * Revokes a citizen's live enrolment, if they have one, by the channel they asked on (the portal's DELETE, the IVR,
 * WhatsApp, an agent): true when there was one to revoke.
 */
export async function revokeAuditorOfCitizen(
  tx: Sql,
  citizenId: number,
  via: AuditorVia,
  reason?: string | null,
  actor?: AuditActor,
): Promise<boolean> {
  const live = await maybeOne<{ id: number }>(
    tx,
    "SELECT id FROM auditors WHERE citizen_id = $1 AND state <> 'revoked'",
    [citizenId],
  );
  if (!live) return false;
  await revokeAuditor(tx, Number(live.id), via, reason, actor);
  return true;
}
