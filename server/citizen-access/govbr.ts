/**
 * Citizen sign-in with gov.br (Login Único, decision 0057), after server/access/oidc.ts has checked the flow and the
 * ID token: the person gov.br vouches for (`sub` is the CPF), their account's confidence level read from gov.br's
 * API, and the session opened the way the code sign-in opens one — on the record of that gov.br identity, made the
 * first time, with the e-mail and phone number gov.br says are verified proven on it (decision 0019).
 */
import { randomBytes } from "node:crypto";
import type { IDToken } from "openid-client";
import { finishSignIn, type ProviderSettings, SignInFailure } from "../access/oidc.ts";
import { hashToken } from "../access/principal.ts";
import { normaliseEmail, normalisePhone, PHONE_CHANNELS } from "../citizens/contacts.ts";
import type { Db, Sql } from "../db/index.ts";
import { maybeOne, one } from "../db/index.ts";
import type { Locale } from "../i18n.ts";
import { SESSION_DAYS } from "./commands.ts";

/** gov.br's confidence levels ("níveis"), by the ids its API answers: 1 bronze, 2 silver (prata), 3 gold (ouro). */
export type Confidence = "bronze" | "silver" | "gold";
const LEVELS: Record<string, Confidence> = { "1": "bronze", "2": "silver", "3": "gold" };
const RANK: Record<Confidence, number> = { bronze: 1, silver: 2, gold: 3 };

/** The person gov.br vouches for, from the ID token: only the contacts it marks verified. */
export interface GovbrPerson {
  cpf: string;
  name: string | null;
  email: string | null;
  /** E.164 digits without "+", as contacts store phone numbers. */
  phone: string | null;
  /** How they authenticated at gov.br (passwd, x509_token, bank001, app_qrcode, otp …). */
  amr: string[];
}

/** The person of a gov.br ID token; a token whose subject is not a CPF fails the sign-in. */
export function govbrPersonOf(claims: IDToken, locale: Locale): GovbrPerson {
  const cpf = String(claims.sub ?? "");
  if (!/^\d{11}$/.test(cpf)) throw new SignInFailure("token_failed", locale);
  const text = (value: unknown) => (typeof value === "string" && value.trim() ? value.trim() : null);
  const email = claims.email_verified === true ? text(claims.email) : null;
  const phone = claims.phone_number_verified === true ? text(claims.phone_number) : null;
  return {
    cpf,
    // The social name, when the person registered one, is the name they are to be called by (Decreto 8.727/2016).
    name: text(claims.social_name) ?? text(claims.name),
    email: email ? (normaliseEmail(email) ?? null) : null,
    phone: phone ? (normalisePhone(phone) ?? null) : null,
    amr: Array.isArray(claims.amr) ? claims.amr.filter((m): m is string => typeof m === "string") : [],
  };
}

/**
 * The account's highest confidence level, from `GET {api}/confiabilidades/v3/contas/{cpf}/niveis?response-type=ids`
 * with the access token (an array of `{"id": "1"|"2"|"3", "dataAtualizacao": …}`); null when the API cannot tell
 * (down, refused, an answer of another shape): the session opens with the level unknown.
 */
export async function readConfidence(
  api: string,
  cpf: string,
  accessToken: string,
): Promise<Confidence | null> {
  try {
    const res = await fetch(`${api}/confiabilidades/v3/contas/${cpf}/niveis?response-type=ids`, {
      headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" },
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) return null;
    const body: unknown = await res.json();
    if (!Array.isArray(body)) return null;
    let best: Confidence | null = null;
    for (const item of body) {
      const level = LEVELS[String((item as { id?: unknown })?.id ?? "")];
      if (level && (!best || RANK[level] > RANK[best])) best = level;
    }
    return best;
  } catch {
    return null;
  }
}

/** True when a level lets the person confirm the records filed with their CPF (silver or gold, decision 0057). */
export function mayLinkByCpf(confidence: Confidence | null): boolean {
  return confidence !== null && RANK[confidence] >= RANK.silver;
}

/**
 * Opens a gov.br session in one transaction, answering its token (shown once, stored hashed). The record is the one
 * of the gov.br identity; the first time, the record holding gov.br's verified e-mail (else phone) proven by a code
 * and no gov.br identity of its own — the same mailbox's holder — else a new record. It takes gov.br's name and the
 * CPF, and the verified contacts proven unless another record proved them first.
 */
export async function openGovbrSession(
  db: Db,
  person: GovbrPerson,
  confidence: Confidence | null,
  locale: Locale,
): Promise<{ token: string; citizenId: number }> {
  return db.transaction(async (tx) => {
    // Two first sign-ins of one CPF at once make one record.
    await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`govbr:${person.cpf}`]);
    const citizenId = await recordOf(tx, person, locale);
    await tx.query(
      `INSERT INTO citizen_identities (provider, subject, citizen_id) VALUES ('govbr', $1, $2)
       ON CONFLICT (tenant_id, provider, subject) DO UPDATE SET last_sign_in_at = now()`,
      [person.cpf, citizenId],
    );
    await tx.query("UPDATE citizens SET name = coalesce($2, name), document = $3 WHERE id = $1", [
      citizenId,
      person.name,
      person.cpf,
    ]);
    if (person.email) await prove(tx, citizenId, "email", person.email, ["email"]);
    if (person.phone) await prove(tx, citizenId, "phone", person.phone, PHONE_CHANNELS);
    const token = randomBytes(32).toString("base64url");
    await tx.query(
      `INSERT INTO citizen_sessions (token_hash, citizen_id, expires_at, provider, confidence, amr)
       VALUES ($1, $2, now() + make_interval(days => $3), 'govbr', $4, $5::text[])`,
      [hashToken(token), citizenId, SESSION_DAYS, confidence, person.amr],
    );
    return { token, citizenId };
  });
}

async function recordOf(tx: Sql, person: GovbrPerson, locale: Locale): Promise<number> {
  const known = await maybeOne<{ citizen_id: number }>(
    tx,
    `SELECT i.citizen_id FROM citizen_identities i JOIN citizens z ON z.id = i.citizen_id AND z.erased_at IS NULL
      WHERE i.provider = 'govbr' AND i.subject = $1`,
    [person.cpf],
  );
  if (known) return known.citizen_id;
  const holder = await maybeOne<{ citizen_id: number }>(
    tx,
    `SELECT c.citizen_id FROM citizen_contacts c JOIN citizens z ON z.id = c.citizen_id AND z.erased_at IS NULL
      WHERE c.verified_at IS NOT NULL
        AND ((c.channel = 'email' AND c.value = $1) OR (c.channel = ANY($3::text[]) AND c.value = $2))
        AND NOT EXISTS (SELECT 1 FROM citizen_identities i WHERE i.citizen_id = c.citizen_id)
      ORDER BY c.channel <> 'email', c.verified_at, c.id LIMIT 1`,
    [person.email ?? "", person.phone ?? "", PHONE_CHANNELS],
  );
  if (holder) return holder.citizen_id;
  const created = await one<{ id: number }>(tx, "INSERT INTO citizens (locale) VALUES ($1) RETURNING id", [
    locale,
  ]);
  return created.id;
}

/** Proves an address on the record, unless some record already holds it proven (one proven holder per address). */
async function prove(
  tx: Sql,
  citizenId: number,
  channel: "email" | "phone",
  value: string,
  family: readonly string[],
): Promise<void> {
  const proven = await maybeOne(
    tx,
    "SELECT 1 FROM citizen_contacts WHERE channel = ANY($2::text[]) AND value = $1 AND verified_at IS NOT NULL",
    [value, family],
  );
  if (proven) return;
  await tx.query(
    `INSERT INTO citizen_contacts (citizen_id, channel, value, verified_at, verified_by)
     VALUES ($1, $2, $3, now(), 'govbr')
     ON CONFLICT (citizen_id, channel, value) DO UPDATE
       SET verified_at = EXCLUDED.verified_at, verified_by = EXCLUDED.verified_by`,
    [citizenId, channel, value],
  );
}

/**
 * The gov.br callback, whole: the flow finished and its ID token checked (server/access/oidc.ts), the person read,
 * their level asked for, and the session opened. Answers the session's token and the language the flow began in;
 * throws SignInFailure with a code for the page the person lands on.
 */
export async function signInWithGovbr(
  db: Db,
  settings: ProviderSettings & { confidenceApi: string },
  query: string,
  cookieState: string | undefined,
): Promise<{ token: string; locale: Locale }> {
  const done = await finishSignIn(db, settings, query, cookieState);
  const person = govbrPersonOf(done.claims, done.locale);
  const confidence = await readConfidence(settings.confidenceApi, person.cpf, done.accessToken);
  const { token } = await openGovbrSession(db, person, confidence, done.locale);
  return { token, locale: done.locale };
}
