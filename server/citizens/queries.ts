/** Reads of the citizens concept: lookups for the agent's screen and the LGPD export. */
import { exportAuditorCallsOf, exportAuditorsOf } from "../auditors/lgpd.ts";
import { maybeOne, type Sql } from "../db/index.ts";
import { decodeCursor, pageOf } from "../http/pagination.ts";
import { type Locale, pickLocalized } from "../i18n.ts";
import { PHONE_CHANNELS } from "./contacts.ts";

/** A citizens row with its contacts and a count of its demands. */
export interface CitizenRecord {
  id: number;
  name: string | null;
  document: string | null;
  locale: Locale;
  created_at: Date | string;
  erased_at: Date | string | null;
  /** verifiedAt: when the person proved they hold it (decision 0019), or null. */
  contacts: { channel: string; value: string; verifiedAt: string | null }[];
  demand_count: number;
}

const SELECT_CITIZEN = `
  SELECT z.id, z.name, z.document, z.locale, z.created_at, z.erased_at,
         coalesce((SELECT json_agg(json_build_object('channel', c.channel, 'value', c.value,
                                                     'verifiedAt', c.verified_at) ORDER BY c.id)
                     FROM citizen_contacts c WHERE c.citizen_id = z.id), '[]') AS contacts,
         (SELECT count(*)::int FROM demands d WHERE d.citizen_id = z.id) AS demand_count
    FROM citizens z`;

/** One citizen by id, or undefined. */
export function findCitizen(sql: Sql, id: number): Promise<CitizenRecord | undefined> {
  return maybeOne<CitizenRecord>(sql, `${SELECT_CITIZEN} WHERE z.id = $1`, [id]);
}

/**
 * The citizens holding a normalised contact (phone numbers match across phone, WhatsApp and SMS), proven or not:
 * several records may hold one unproven contact, and only the staff member's check tells whose they are.
 */
export async function findCitizensByContact(
  sql: Sql,
  contact: { family: "email" | "phone"; value: string },
  page: { limit: number; cursor?: string | undefined },
): Promise<{ rows: CitizenRecord[]; next: string | null }> {
  const channels = contact.family === "email" ? ["email"] : PHONE_CHANNELS;
  const after = decodeCursor(page.cursor, ["number"]);
  const rows = await sql.query<CitizenRecord>(
    `${SELECT_CITIZEN}
      WHERE z.erased_at IS NULL AND ($3::bigint IS NULL OR z.id > $3)
        AND z.id IN (SELECT citizen_id FROM citizen_contacts WHERE value = $1 AND channel = ANY($2::text[]))
      ORDER BY z.id LIMIT $4`,
    [contact.value, channels, after?.[0] ?? null, page.limit + 1],
  );
  return pageOf(rows, page.limit, (r) => [r.id]);
}

/**
 * Everything held about a person, for the LGPD access and portability rights (art. 18 II and V): profile,
 * contacts, consents, the identities they sign in with (gov.br: the CPF, when first and last used), the earlier records
 * they confirmed as theirs (citizen_record_links, decision 0057), and their demands with the timeline events they can
 * see. It covers this one record only: other records holding the same contact or CPF, linked ones included, are
 * exported each on its own, once staff checked they are the person's (decision 0019). Undefined when there is no
 * such citizen.
 */
export async function exportCitizen(sql: Sql, citizenId: number) {
  const citizen = await findCitizen(sql, citizenId);
  if (!citizen) return undefined;
  const consents = await sql.query<{
    purpose: string;
    granted: boolean;
    policy_version: string;
    channel: string;
    at: Date | string;
  }>("SELECT purpose, granted, policy_version, channel, at FROM consents WHERE citizen_id = $1 ORDER BY id", [
    citizenId,
  ]);
  const identities = await sql.query<{
    provider: string;
    subject: string;
    created_at: Date | string;
    last_sign_in_at: Date | string;
  }>(
    `SELECT provider, subject, created_at, last_sign_in_at FROM citizen_identities
      WHERE citizen_id = $1 ORDER BY provider, created_at`,
    [citizenId],
  );
  const links = await sql.query<{ record_id: number; via: string; linked_at: Date | string }>(
    `SELECT record_id, via, linked_at FROM citizen_record_links WHERE citizen_id = $1 ORDER BY linked_at, record_id`,
    [citizenId],
  );
  const demands = await sql.query<{
    id: number;
    protocol: string;
    service_code: string;
    service_name: Partial<Record<Locale, string>>;
    channel: string;
    status: string;
    identity_mode: string;
    description: string;
    address: string | null;
    attributes: Record<string, unknown>;
    opened_at: Date | string;
    closed_at: Date | string | null;
  }>(
    `SELECT d.id, d.protocol, s.code AS service_code, s.name AS service_name, d.channel, d.status, d.identity_mode,
            d.description, d.address, d.attributes, d.opened_at, d.closed_at
       FROM demands d JOIN services s ON s.id = d.service_id
      WHERE d.citizen_id = $1 ORDER BY d.opened_at, d.id`,
    [citizenId],
  );
  const events = await sql.query<{ demand_id: number; type: string; at: Date | string; data: unknown }>(
    `SELECT e.demand_id, e.type, e.at, e.data FROM demand_events e
      WHERE e.demand_id = ANY($1::bigint[]) AND e.visibility = 'public' ORDER BY e.demand_id, e.id`,
    [demands.map((d) => d.id)],
  );
  return {
    exportedAt: new Date().toISOString(),
    citizen: {
      id: citizen.id,
      name: citizen.name,
      document: citizen.document,
      locale: citizen.locale,
      createdAt: iso(citizen.created_at),
      erasedAt: citizen.erased_at ? iso(citizen.erased_at) : null,
    },
    contacts: citizen.contacts,
    consents: consents.map((c) => ({
      purpose: c.purpose,
      granted: c.granted,
      policyVersion: c.policy_version,
      channel: c.channel,
      at: iso(c.at),
    })),
    identities: identities.map((i) => ({
      provider: i.provider,
      subject: i.subject,
      createdAt: iso(i.created_at),
      lastSignInAt: iso(i.last_sign_in_at),
    })),
    linkedRecords: links.map((l) => ({
      recordId: Number(l.record_id),
      via: l.via,
      linkedAt: iso(l.linked_at),
    })),
    // Their citizen-auditor enrolments (issue 18), revoked ones included.
    auditors: await exportAuditorsOf(sql, citizenId),
    ...(await exportAuditorCallsOf(sql, citizenId)),
    demands: demands.map((d) => ({
      protocol: d.protocol,
      service: { code: d.service_code, name: pickLocalized(d.service_name, citizen.locale) },
      channel: d.channel,
      status: d.status,
      identityMode: d.identity_mode,
      description: d.description,
      address: d.address,
      attributes: d.attributes,
      openedAt: iso(d.opened_at),
      closedAt: d.closed_at ? iso(d.closed_at) : null,
      timeline: events
        .filter((e) => e.demand_id === d.id)
        .map((e) => ({ type: e.type, at: iso(e.at), data: e.data })),
    })),
  };
}

/** The JSON document of a citizen's LGPD export. */
export type CitizenExport = NonNullable<Awaited<ReturnType<typeof exportCitizen>>>;

function iso(value: Date | string): string {
  return new Date(value).toISOString();
}
