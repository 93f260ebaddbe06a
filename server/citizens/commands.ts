/**
 * Changes to citizens: find-or-create by contact (called inside the demand's transaction), consent records, and
 * erasure (LGPD art. 18 VI).
 */

import { recordAudit } from "../audit/record.ts";
import { emptyAuditorsOfCitizen } from "../auditors/lgpd.ts";
import { type Db, maybeOne, one, type Sql } from "../db/index.ts";
import { conflict, notFound, unprocessable } from "../errors.ts";
import { LOCALES, type Locale } from "../i18n.ts";
import { enqueue } from "../jobs/enqueue.ts";
import { type ContactChannel, normaliseContact, normaliseDocument } from "./contacts.ts";
import { personalDataPattern } from "./redaction.ts";

/** Who a citizen says they are and how to reach them; every field optional. */
export interface CitizenInput {
  name?: string | null | undefined;
  /** CPF (any punctuation). */
  document?: string | null | undefined;
  locale?: string | null | undefined;
  contacts: Partial<Record<ContactChannel, string | null | undefined>>;
  /** The record of the citizen signed in with a proven contact (citizen-access), when they are. */
  signedIn?: number | undefined;
  /** The channel they want answers on; it must have its contact here (422 naming citizen.preferredChannel). */
  preferredChannel?: "email" | "sms" | "whatsapp" | "telegram" | undefined;
}

// The contacts that reach a preferred channel.
const REACHING: Record<NonNullable<CitizenInput["preferredChannel"]>, ContactChannel[]> = {
  email: ["email"],
  sms: ["phone"],
  whatsapp: ["whatsapp", "phone"],
  telegram: ["telegram"],
};

/**
 * The citizen record a demand goes on (decision 0019). Signed in with a proven contact: their own record, which
 * gains the name and CPF it lacked and the contacts given, unproven. Otherwise a new record of its own holding what
 * was given, every contact unproven: nothing given without proof (an e-mail, a phone number, a CPF) ever joins,
 * merges into or unlocks an existing record. Called inside the demand's transaction.
 */
export async function findOrCreateCitizen(sql: Sql, input: CitizenInput): Promise<number> {
  const contacts = normaliseContacts(input.contacts);
  const document = input.document ? normaliseDocument(input.document) : undefined;
  if (input.document && !document) throw unprocessable("invalid_document", "document");
  const name = input.name?.trim() || null;
  const locale: Locale = LOCALES.includes(input.locale as Locale) ? (input.locale as Locale) : "pt-BR";
  const preferred = input.preferredChannel ?? null;
  if (preferred && !contacts.some((c) => REACHING[preferred].includes(c.channel)))
    throw unprocessable("preferred_channel_without_contact", "citizen.preferredChannel");

  const own =
    input.signedIn === undefined
      ? undefined
      : await maybeOne<{ id: number }>(
          sql,
          `UPDATE citizens SET name = coalesce(name, $2), document = coalesce(document, $3),
                  preferred_channel = coalesce($4, preferred_channel)
            WHERE id = $1 AND erased_at IS NULL RETURNING id`,
          [input.signedIn, name, document ?? null, preferred],
        );
  const citizenId =
    own?.id ??
    (
      await one<{ id: number }>(
        sql,
        "INSERT INTO citizens (name, document, locale, preferred_channel) VALUES ($1, $2, $3, $4) RETURNING id",
        [name, document ?? null, locale, preferred],
      )
    ).id;
  if (contacts.length > 0) {
    // Unproven, and only on this record: the same address may sit unproven on other records too.
    await sql.query(
      `INSERT INTO citizen_contacts (citizen_id, channel, value)
       SELECT $1, k.channel, k.value FROM unnest($2::text[], $3::text[]) AS k(channel, value)
       ON CONFLICT (citizen_id, channel, value) DO NOTHING`,
      [citizenId, contacts.map((c) => c.channel), contacts.map((c) => c.value)],
    );
  }
  return citizenId;
}

function normaliseContacts(input: CitizenInput["contacts"]): { channel: ContactChannel; value: string }[] {
  const out: { channel: ContactChannel; value: string }[] = [];
  for (const [channel, raw] of Object.entries(input) as [ContactChannel, string | null | undefined][]) {
    if (!raw?.trim()) continue;
    const value = normaliseContact(channel, raw);
    if (!value) throw unprocessable(channel === "email" ? "invalid_email" : "invalid_contact", channel);
    out.push({ channel, value });
  }
  return out;
}

/** The LGPD purposes a consent is recorded for (consents.purpose). */
export type ConsentPurpose = "service" | "contact" | "satisfaction_survey" | "citizen_auditor";

/** Records that a citizen granted or refused consent for one purpose under one version of the privacy notice. */
export async function recordConsent(
  sql: Sql,
  input: {
    citizenId: number;
    purpose: ConsentPurpose;
    granted: boolean;
    policyVersion: string;
    channel: string;
    /** The demand it came with, if any. */
    demandId?: number | null;
    /** The staff member who recorded it (phone, counter, letter). */
    recordedBy?: number | null;
    /** false when the record stands for the notice the channel shows, without a declaration (default true). */
    declared?: boolean;
  },
): Promise<number> {
  const row = await one<{ id: number }>(
    sql,
    `INSERT INTO consents (citizen_id, purpose, granted, policy_version, channel, demand_id, recorded_by, declared)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      input.citizenId,
      input.purpose,
      input.granted,
      input.policyVersion,
      input.channel,
      input.demandId ?? null,
      input.recordedBy ?? null,
      input.declared ?? true,
    ],
  );
  return row.id;
}

/** Minutes between an erasure and the deletion of the person's files (see eraseCitizen). */
export const FILE_DELETION_DELAY_MINUTES = 15;

/** What an erasure did. */
export interface ErasureResult {
  citizenId: number;
  erasedAt: string;
  /** Demands that were the person's and now belong to nobody. */
  demands: number;
  /** The person's own uploads (photos, documents) deleted with them; staff evidence of the work stays. */
  attachments: number;
}

/**
 * Erases a citizen in one transaction (LGPD art. 18 VI). The citizens row stays, emptied and marked erased_at, so
 * consent history keeps its reference; contacts are deleted; the person's demands keep their facts (service,
 * place, dates, status, description) and are still counted, but lose their link to the person (citizen_id NULL)
 * and get an internal `citizen.erased` timeline event by the staff member. The person's name, document, e-mail and
 * phone numbers are also redacted wherever they were written into those demands' descriptions, attributes and
 * timeline data, and into outbound messages (pending ones are cancelled): the one exception to the append-only
 * timeline, because the law requires it. The person's own uploads are deleted (rows now, files by a job); the
 * erasure itself is written to the audit log, by ids and counts.
 */
export async function eraseCitizen(
  db: Db,
  citizenId: number,
  actor: { id: number; name?: string; ip?: string | null; userAgent?: string | null },
): Promise<ErasureResult> {
  return db.transaction(async (tx) => {
    const citizen = await maybeOne<{ name: string | null; document: string | null; erased_at: unknown }>(
      tx,
      "SELECT name, document, erased_at FROM citizens WHERE id = $1 FOR UPDATE",
      [citizenId],
    );
    if (!citizen) throw notFound(`/api/v1/citizens/${citizenId}`);
    if (citizen.erased_at) throw conflict("already_erased", { id: citizenId });
    const contacts = await tx.query<{ channel: ContactChannel; value: string }>(
      "SELECT channel, value FROM citizen_contacts WHERE citizen_id = $1",
      [citizenId],
    );
    const pattern = personalDataPattern({ name: citizen.name, document: citizen.document, contacts });
    const demands = await tx.query<{ id: number }>(
      "SELECT id FROM demands WHERE citizen_id = $1 ORDER BY id FOR UPDATE",
      [citizenId],
    );
    const ids = demands.map((d) => d.id);

    if (pattern) {
      await tx.query(
        `UPDATE demands
            SET description = regexp_replace(description, $2, '[erased]', 'gi'),
                attributes = regexp_replace(attributes::text, $2, '[erased]', 'gi')::jsonb
          WHERE id = ANY($1::bigint[])`,
        [ids, pattern],
      );
      await tx.query(
        `UPDATE demand_events SET data = regexp_replace(data::text, $2, '[erased]', 'gi')::jsonb
          WHERE demand_id = ANY($1::bigint[]) AND data::text ~* $2`,
        [ids, pattern],
      );
      // Only this record's outbound work: the pattern is built from what the record holds, which may be someone
      // else's number or e-mail typed in by the person (decision 0019), so a match alone proves nothing. Messages to
      // this record are cancelled; those to followers of its demands keep going, with the person's data erased.
      await tx.query(
        `UPDATE outbox
            SET payload = regexp_replace(payload::text, $1, '[erased]', 'gi')::jsonb,
                state = CASE WHEN state IN ('pending', 'running') AND mine THEN 'dead' ELSE state END,
                last_error = CASE WHEN state IN ('pending', 'running') AND mine THEN 'citizen erased' ELSE last_error END
           FROM (SELECT o.id AS oid,
                        (o.payload->>'citizenId' = $2::bigint::text
                         OR (o.job = 'send-sign-in-code'
                             AND o.payload->>'codeId' IN (SELECT id::text FROM citizen_sign_in_codes
                                                            WHERE citizen_id = $2::bigint))) AS mine
                   FROM outbox o
                  WHERE o.payload::text ~* $1
                    AND (o.payload->>'citizenId' = $2::bigint::text
                         OR o.payload->>'demandId' = ANY($3::text[])
                         OR (o.job = 'send-sign-in-code'
                             AND o.payload->>'codeId' IN (SELECT id::text FROM citizen_sign_in_codes
                                                            WHERE citizen_id = $2::bigint)))) x
          WHERE outbox.id = x.oid`,
        [pattern, citizenId, ids.map(String)],
      );
    }
    // The person's own uploads go with them: the rows now, the files by a job (server/demands/jobs.ts) that deletes
    // each file no other row uses (files are shared by content between demands), after a delay that lets an intake
    // storing the same photo this minute commit its row first. Evidence photos the departments took of the work
    // (work_order_id set) are the city's record of public works, not the person's data, and stay.
    const uploads = await tx.query<{ storage_key: string }>(
      "DELETE FROM attachments WHERE demand_id = ANY($1::bigint[]) AND work_order_id IS NULL RETURNING storage_key",
      [ids],
    );
    if (uploads.length > 0) {
      await enqueue(
        tx,
        "delete-attachment-files",
        { keys: [...new Set(uploads.map((u) => u.storage_key))] },
        { delayMinutes: FILE_DELETION_DELAY_MINUTES },
      );
    }
    await tx.query("UPDATE demands SET citizen_id = NULL WHERE id = ANY($1::bigint[])", [ids]);
    await tx.query(
      `INSERT INTO demand_events (demand_id, type, actor_kind, actor_id, visibility)
       SELECT unnest($1::bigint[]), 'citizen.erased', 'staff', $2, 'internal'`,
      [ids, actor.id],
    );
    // The calls they made: the number goes (matched by the link or by their phone contacts, for calls made before
    // the number was known to be theirs); that a call happened stays. A number another living record also holds is
    // not provably this person's (decision 0019: anyone may type anyone's number), so its calls wait for the last
    // record holding it to be erased.
    await tx.query(
      `UPDATE calls SET from_number = NULL, from_raw = '', citizen_id = NULL
        WHERE citizen_id = $1
           OR ltrim(from_number, '+') IN (SELECT ltrim(c.value, '+') FROM citizen_contacts c
                                           WHERE c.citizen_id = $1 AND c.channel IN ('phone', 'whatsapp', 'sms')
                                             AND NOT EXISTS (SELECT 1 FROM citizen_contacts o
                                                               JOIN citizens oz ON oz.id = o.citizen_id
                                                              WHERE o.value = c.value AND o.citizen_id <> $1
                                                                AND oz.erased_at IS NULL
                                                                AND o.channel IN ('phone', 'whatsapp', 'sms')))`,
      [citizenId],
    );
    // Their conversations on the written channels (linked when a demand was filed from one, so proven theirs): the
    // address, the name the provider showed, what they wrote and what was answered go; that the messages existed stays.
    await tx.query(
      `WITH old AS (
         SELECT id, channel, address FROM conversations WHERE citizen_id = $1 FOR UPDATE
       ), c AS (
         UPDATE conversations SET address = '', profile_name = NULL, citizen_id = NULL, status = 'closed',
                state = jsonb_build_object('erased', true), updated_at = now()
          WHERE id IN (SELECT id FROM old)
       ), i AS (
         UPDATE inbound_messages SET sender = '', profile_name = NULL, content = '{"kind":"erased"}'::jsonb
          WHERE conversation_id IN (SELECT id FROM old)
       ), r AS (
         UPDATE conversation_replies SET body = '{"text":"[erased]"}'::jsonb WHERE conversation_id IN (SELECT id FROM old)
       )
       DELETE FROM channel_opt_outs o USING old WHERE o.channel = old.channel AND o.address = old.address`,
      [citizenId],
    );
    await tx.query("DELETE FROM citizen_contacts WHERE citizen_id = $1", [citizenId]);
    // Where messages went, what the person wrote in a survey, and whom they follow go with the person; the counts
    // (a message was sent, a rating was given) stay with the demand.
    await tx.query("UPDATE messages SET address = NULL, citizen_id = NULL WHERE citizen_id = $1", [
      citizenId,
    ]);
    await tx.query(
      "UPDATE satisfaction_surveys SET comment = NULL, citizen_id = NULL WHERE citizen_id = $1",
      [citizenId],
    );
    await tx.query("DELETE FROM demand_followers WHERE citizen_id = $1", [citizenId]);
    await tx.query("DELETE FROM place_followers WHERE citizen_id = $1", [citizenId]);
    // Their follows of areas stop and forget the address (the follow and its sent digests stay as counts).
    await tx.query(
      "UPDATE area_follows SET stopped_at = COALESCE(stopped_at, now()), email = NULL, citizen_id = NULL WHERE citizen_id = $1",
      [citizenId],
    );
    // Their auditor enrolments: revoked at once, the number, address and point gone (server/auditors/lgpd.ts).
    await emptyAuditorsOfCitizen(tx, citizenId);
    await tx.query("DELETE FROM citizen_sessions WHERE citizen_id = $1", [citizenId]);
    await tx.query("DELETE FROM citizen_sign_in_codes WHERE citizen_id = $1", [citizenId]);
    // Their gov.br identity (the CPF) and the records they confirmed as theirs, or that were confirmed by someone.
    await tx.query("DELETE FROM citizen_identities WHERE citizen_id = $1", [citizenId]);
    await tx.query("DELETE FROM citizen_record_links WHERE citizen_id = $1 OR record_id = $1", [citizenId]);
    const erased = await one<{ erased_at: Date | string }>(
      tx,
      "UPDATE citizens SET name = NULL, document = NULL, erased_at = now() WHERE id = $1 RETURNING erased_at",
      [citizenId],
    );
    // Ids and counts only: the audit log never holds the person's data, so no erasure ever has to rewrite it.
    await recordAudit(
      tx,
      {
        staffId: actor.id,
        staffName: actor.name ?? "",
        ip: actor.ip ?? null,
        userAgent: actor.userAgent ?? null,
      },
      {
        action: "citizen.erased",
        entityType: "citizen",
        entityId: citizenId,
        after: { demands: ids.length, attachments: uploads.length },
      },
    );
    return {
      citizenId,
      erasedAt: new Date(erased.erased_at).toISOString(),
      demands: ids.length,
      attachments: uploads.length,
    };
  });
}
