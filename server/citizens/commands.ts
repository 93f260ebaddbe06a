/**
 * Changes to citizens: find-or-create by contact (called inside the demand's transaction), consent records, and
 * erasure (LGPD art. 18 VI).
 */
import { type Db, maybeOne, one, type Sql } from "../db/index.ts";
import { conflict, notFound, unprocessable } from "../errors.ts";
import { LOCALES, type Locale } from "../i18n.ts";
import { type ContactChannel, normaliseContact, normaliseDocument, PHONE_CHANNELS } from "./contacts.ts";
import { personalDataPattern } from "./redaction.ts";

/** Who a citizen says they are and how to reach them; every field optional. */
export interface CitizenInput {
  name?: string | null | undefined;
  /** CPF (any punctuation). */
  document?: string | null | undefined;
  locale?: string | null | undefined;
  contacts: Partial<Record<ContactChannel, string | null | undefined>>;
}

/**
 * Returns the citizen who already holds any of the given contacts (or the document), adding the contacts and the
 * name they did not have yet; creates a new citizen when nothing matches. Phone numbers match across the phone,
 * WhatsApp and SMS channels. When contacts belong to different people the oldest citizen wins and the others'
 * contacts stay where they are.
 */
export async function findOrCreateCitizen(sql: Sql, input: CitizenInput): Promise<number> {
  const contacts = normaliseContacts(input.contacts);
  const document = input.document ? normaliseDocument(input.document) : undefined;
  if (input.document && !document) throw unprocessable("invalid_document", "document");
  const name = input.name?.trim() || null;
  const locale: Locale = LOCALES.includes(input.locale as Locale) ? (input.locale as Locale) : "pt-BR";

  const match = await maybeOne<{ id: number }>(
    sql,
    `SELECT z.id FROM citizens z
      WHERE z.erased_at IS NULL AND (
            z.document = $3
         OR EXISTS (SELECT 1 FROM citizen_contacts c
                      JOIN unnest($1::text[], $2::text[]) AS k(channel, value) ON k.value = c.value
                     WHERE c.citizen_id = z.id
                       AND (c.channel = k.channel OR (c.channel = ANY($4::text[]) AND k.channel = ANY($4::text[])))))
      ORDER BY z.id LIMIT 1`,
    [contacts.map((c) => c.channel), contacts.map((c) => c.value), document ?? null, PHONE_CHANNELS],
  );
  let citizenId: number;
  if (match) {
    citizenId = match.id;
    await sql.query(
      "UPDATE citizens SET name = coalesce(name, $2), document = coalesce(document, $3) WHERE id = $1",
      [citizenId, name, document ?? null],
    );
  } else {
    const row = await one<{ id: number }>(
      sql,
      "INSERT INTO citizens (name, document, locale) VALUES ($1, $2, $3) RETURNING id",
      [name, document ?? null, locale],
    );
    citizenId = row.id;
  }
  if (contacts.length > 0) {
    // A contact already held by someone else stays theirs: the unique (channel, value) decides.
    await sql.query(
      `INSERT INTO citizen_contacts (citizen_id, channel, value)
       SELECT $1, k.channel, k.value FROM unnest($2::text[], $3::text[]) AS k(channel, value)
       ON CONFLICT (channel, value) DO NOTHING`,
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
  },
): Promise<number> {
  const row = await one<{ id: number }>(
    sql,
    `INSERT INTO consents (citizen_id, purpose, granted, policy_version, channel)
     VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [input.citizenId, input.purpose, input.granted, input.policyVersion, input.channel],
  );
  return row.id;
}

/** What an erasure did. */
export interface ErasureResult {
  citizenId: number;
  erasedAt: string;
  /** Demands that were the person's and now belong to nobody. */
  demands: number;
}

/**
 * Erases a citizen in one transaction (LGPD art. 18 VI). The citizens row stays, emptied and marked erased_at, so
 * consent history keeps its reference; contacts are deleted; the person's demands keep their facts (service,
 * place, dates, status, description) and are still counted, but lose their link to the person (citizen_id NULL)
 * and get an internal `citizen.erased` timeline event by the staff member. The person's name, document, e-mail and
 * phone numbers are also redacted wherever they were written into those demands' descriptions, attributes and
 * timeline data, and into outbound messages (pending ones are cancelled): the one exception to the append-only
 * timeline, because the law requires it.
 */
export async function eraseCitizen(db: Db, citizenId: number, actor: { id: number }): Promise<ErasureResult> {
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
      await tx.query(
        `UPDATE outbox
            SET payload = regexp_replace(payload::text, $1, '[erased]', 'gi')::jsonb,
                state = CASE WHEN state IN ('pending', 'running') THEN 'dead' ELSE state END,
                last_error = CASE WHEN state IN ('pending', 'running') THEN 'citizen erased' ELSE last_error END
          WHERE payload::text ~* $1`,
        [pattern],
      );
    }
    await tx.query("UPDATE demands SET citizen_id = NULL WHERE id = ANY($1::bigint[])", [ids]);
    await tx.query(
      `INSERT INTO demand_events (demand_id, type, actor_kind, actor_id, visibility)
       SELECT unnest($1::bigint[]), 'citizen.erased', 'staff', $2, 'internal'`,
      [ids, actor.id],
    );
    // The calls they made: the number goes (matched by the link or by their phone contacts, for calls made before
    // the number was known to be theirs); that a call happened stays.
    await tx.query(
      `UPDATE calls SET from_number = NULL, from_raw = '', citizen_id = NULL
        WHERE citizen_id = $1
           OR ltrim(from_number, '+') IN (SELECT ltrim(value, '+') FROM citizen_contacts
                                            WHERE citizen_id = $1 AND channel IN ('phone', 'whatsapp', 'sms'))`,
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
    await tx.query("DELETE FROM citizen_sessions WHERE citizen_id = $1", [citizenId]);
    await tx.query("DELETE FROM citizen_sign_in_codes WHERE citizen_id = $1", [citizenId]);
    const erased = await one<{ erased_at: Date | string }>(
      tx,
      "UPDATE citizens SET name = NULL, document = NULL, erased_at = now() WHERE id = $1 RETURNING erased_at",
      [citizenId],
    );
    return { citizenId, erasedAt: new Date(erased.erased_at).toISOString(), demands: ids.length };
  });
}
