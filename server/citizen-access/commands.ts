/**
 * Citizen sign-in without a password: a six-digit code sent to an e-mail address or a phone number (by SMS or
 * WhatsApp) the city already holds for a citizen (the one they gave when filing), then a session of 30 days in an
 * HttpOnly cookie. Asking for a code never says whether the address is known. A code lives 15 minutes and takes 5
 * wrong tries; at most 5 codes an hour per address are sent.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { hashToken } from "../access/principal.ts";
import { type ContactChannel, PHONE_CHANNELS } from "../citizens/contacts.ts";
import type { Db, Sql } from "../db/index.ts";
import { maybeOne, one } from "../db/index.ts";
import { AppError } from "../errors.ts";
import type { Locale } from "../i18n.ts";
import { enqueue } from "../jobs/enqueue.ts";

export const CODE_MINUTES = 15;
export const CODE_TRIES = 5;
export const CODES_PER_HOUR = 5;
export const SESSION_DAYS = 30;

/** The channels a sign-in code goes out on (citizen_sign_in_codes.channel). */
export type SignInChannel = "email" | "sms" | "whatsapp";

/**
 * Where a code goes: an e-mail address (lower-cased here) or a phone number as E.164 digits without "+" (as
 * `normalisePhone` writes it and contacts store it) on SMS or WhatsApp.
 */
export type CodeTarget = { email: string } | { phone: string; channel: "sms" | "whatsapp" };

/** The contact channels whose holder a code on `channel` may reach: any phone contact takes an SMS. */
const HOLDING: Record<SignInChannel, readonly ContactChannel[]> = {
  email: ["email"],
  sms: PHONE_CHANNELS,
  whatsapp: ["whatsapp", "phone"],
};

/** The verification a code on `channel` leaves on the contact it proves (citizen_contacts.verified_by). */
const PROOF: Record<SignInChannel, string> = {
  email: "email_code",
  sms: "sms_code",
  whatsapp: "whatsapp_code",
};

function addressOf(target: CodeTarget): { channel: SignInChannel; address: string } {
  return "email" in target
    ? { channel: "email", address: target.email.trim().toLowerCase() }
    : { channel: target.channel, address: target.phone };
}

function codeHash(id: number, code: string): string {
  return createHash("sha256").update(`${id}:${code}`).digest("hex");
}

/**
 * Issues a code for an address when a living citizen holds it (for a phone number: on a contact the code's channel
 * reaches) and the hourly limit allows, with its message in the outbox in the same transaction. Resolves the same
 * way either way, so the answer reveals nothing.
 */
export async function requestCode(db: Db, target: CodeTarget, locale: Locale): Promise<void> {
  const { channel, address } = addressOf(target);
  await db.transaction(async (tx) => {
    // Any living record holding the address, proven or not: the code is what proves it (decision 0019).
    const holder = await maybeOne<{ citizen_id: number }>(
      tx,
      `SELECT c.citizen_id FROM citizen_contacts c JOIN citizens z ON z.id = c.citizen_id
        WHERE c.channel = ANY($2::text[]) AND c.value = $1 AND z.erased_at IS NULL
        ORDER BY c.verified_at IS NULL, c.citizen_id LIMIT 1`,
      [address, HOLDING[channel]],
    );
    if (!holder) return;
    // The limit is the address's, whatever the channel: SMS and WhatsApp to one number share it.
    const recent = await one<{ n: number }>(
      tx,
      `SELECT count(*)::int AS n FROM citizen_sign_in_codes
        WHERE address = $1 AND created_at > now() - interval '1 hour'`,
      [address],
    );
    if (recent.n >= CODES_PER_HOUR) return;
    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    const row = await one<{ id: number }>(
      tx,
      `INSERT INTO citizen_sign_in_codes (citizen_id, channel, address, code_hash, expires_at)
       VALUES ($1, $2, $3, '', now() + make_interval(mins => $4)) RETURNING id`,
      [holder.citizen_id, channel, address, CODE_MINUTES],
    );
    await tx.query("UPDATE citizen_sign_in_codes SET code_hash = $2 WHERE id = $1", [
      row.id,
      codeHash(row.id, code),
    ]);
    await enqueue(tx, "send-sign-in-code", { codeId: row.id, code, locale });
  });
}

/**
 * Tries a code; on success ends it, proves the address (provenRecord) and opens a session on the record holding it
 * proven, answering the session's token (shown once, stored hashed). A phone number's latest code counts whichever
 * channel it went by: the number is what is proven, the channel only how.
 */
export async function verifyCode(
  db: Db,
  target: CodeTarget,
  code: string,
  locale: Locale = "pt-BR",
): Promise<{ token: string; citizenId: number }> {
  const { address } = addressOf(target);
  return db
    .transaction(async (tx) => {
      const row = await maybeOne<{
        id: number;
        citizen_id: number;
        channel: SignInChannel;
        code_hash: string;
        attempts: number;
      }>(
        tx,
        `SELECT id, citizen_id, channel, code_hash, attempts FROM citizen_sign_in_codes
        WHERE address = $1 AND used_at IS NULL AND expires_at > now()
        ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE`,
        [address],
      );
      if (!row || row.attempts >= CODE_TRIES) throw new AppError(400, "sign_in_code_invalid");
      const given = Buffer.from(codeHash(row.id, code));
      if (!timingSafeEqual(given, Buffer.from(row.code_hash))) {
        await tx.query("UPDATE citizen_sign_in_codes SET attempts = attempts + 1 WHERE id = $1", [row.id]);
        // The wrong try is counted even though the request fails.
        return { failed: true as const };
      }
      await tx.query("UPDATE citizen_sign_in_codes SET used_at = now() WHERE id = $1", [row.id]);
      const citizenId = await provenRecord(tx, row.channel, address, locale);
      // The address's codes belong to the person who proved it: an erasure of that record takes them too.
      await tx.query("UPDATE citizen_sign_in_codes SET citizen_id = $2 WHERE address = $1", [
        address,
        citizenId,
      ]);
      const token = randomBytes(32).toString("base64url");
      await tx.query(
        `INSERT INTO citizen_sessions (token_hash, citizen_id, expires_at)
       VALUES ($1, $2, now() + make_interval(days => $3))`,
        [hashToken(token), citizenId, SESSION_DAYS],
      );
      return { token, citizenId };
    })
    .then((result) => {
      if ("failed" in result) throw new AppError(400, "sign_in_code_invalid");
      return result;
    });
}

/**
 * The record holding `address` proven, made when the address is proven for the first time: a new record holding only
 * that address (a phone number on the channel the code went by, so answers can go there), never one of the records
 * that hold it unproven (those may carry someone else's e-mail or CPF, given with it; they stay as they are and the
 * person sees their demands, decision 0019). A phone number proven on one channel is the same person's on the others:
 * proving it again by the other channel adds that contact, proven, to the same record.
 */
async function provenRecord(
  tx: Sql,
  channel: SignInChannel,
  address: string,
  locale: Locale,
): Promise<number> {
  const family = channel === "email" ? ["email"] : PHONE_CHANNELS;
  const held = await maybeOne<{ citizen_id: number }>(
    tx,
    `SELECT c.citizen_id FROM citizen_contacts c JOIN citizens z ON z.id = c.citizen_id
      WHERE c.channel = ANY($2::text[]) AND c.value = $1 AND c.verified_at IS NOT NULL AND z.erased_at IS NULL
      ORDER BY c.verified_at, c.id LIMIT 1`,
    [address, family],
  );
  const citizenId =
    held?.citizen_id ??
    (await one<{ id: number }>(tx, "INSERT INTO citizens (locale) VALUES ($1) RETURNING id", [locale])).id;
  await tx.query(
    `INSERT INTO citizen_contacts (citizen_id, channel, value, verified_at, verified_by)
     VALUES ($1, $2, $3, now(), $4)
     ON CONFLICT (citizen_id, channel, value) DO UPDATE
       SET verified_at = coalesce(citizen_contacts.verified_at, EXCLUDED.verified_at),
           verified_by = coalesce(citizen_contacts.verified_by, EXCLUDED.verified_by)`,
    [citizenId, channel, address, PROOF[channel]],
  );
  return citizenId;
}

/** Ends a session; answers how it had been opened (a code or gov.br), or null when there was no such session. */
export async function endSession(sql: Sql, token: string): Promise<"code" | "govbr" | null> {
  const ended = await sql.query<{ provider: "code" | "govbr" }>(
    "DELETE FROM citizen_sessions WHERE token_hash = $1 RETURNING provider",
    [hashToken(token)],
  );
  return ended[0]?.provider ?? null;
}
