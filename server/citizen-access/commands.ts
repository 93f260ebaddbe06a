/**
 * Citizen sign-in without a password: a six-digit code sent to an e-mail address the city already holds for a
 * citizen (the one they gave when filing), then a session of 30 days in an HttpOnly cookie. Asking for a code never
 * says whether the address is known. A code lives 15 minutes and takes 5 wrong tries; at most 5 codes an hour per
 * address are sent.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { hashToken } from "../access/principal.ts";
import type { Db, Sql } from "../db/index.ts";
import { maybeOne, one } from "../db/index.ts";
import { AppError } from "../errors.ts";
import type { Locale } from "../i18n.ts";
import { enqueue } from "../jobs/enqueue.ts";

export const CODE_MINUTES = 15;
export const CODE_TRIES = 5;
export const CODES_PER_HOUR = 5;
export const SESSION_DAYS = 30;

function codeHash(id: number, code: string): string {
  return createHash("sha256").update(`${id}:${code}`).digest("hex");
}

/**
 * Issues a code for `email` when a citizen holds that address and the hourly limit allows, with its e-mail in the
 * outbox in the same transaction. Resolves the same way either way, so the answer reveals nothing.
 */
export async function requestCode(db: Db, email: string, locale: Locale): Promise<void> {
  const address = email.trim().toLowerCase();
  await db.transaction(async (tx) => {
    // Any living record holding the address, proven or not: the code is what proves it (decision 0019).
    const holder = await maybeOne<{ citizen_id: number }>(
      tx,
      `SELECT c.citizen_id FROM citizen_contacts c JOIN citizens z ON z.id = c.citizen_id
        WHERE c.channel = 'email' AND c.value = $1 AND z.erased_at IS NULL
        ORDER BY c.verified_at IS NULL, c.citizen_id LIMIT 1`,
      [address],
    );
    if (!holder) return;
    const recent = await one<{ n: number }>(
      tx,
      `SELECT count(*)::int AS n FROM citizen_sign_in_codes
        WHERE email = $1 AND created_at > now() - interval '1 hour'`,
      [address],
    );
    if (recent.n >= CODES_PER_HOUR) return;
    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    const row = await one<{ id: number }>(
      tx,
      `INSERT INTO citizen_sign_in_codes (citizen_id, email, code_hash, expires_at)
       VALUES ($1, $2, '', now() + make_interval(mins => $3)) RETURNING id`,
      [holder.citizen_id, address, CODE_MINUTES],
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
 * proven, answering the session's token (shown once, stored hashed).
 */
export async function verifyCode(
  db: Db,
  email: string,
  code: string,
  locale: Locale = "pt-BR",
): Promise<{ token: string; citizenId: number }> {
  const address = email.trim().toLowerCase();
  return db
    .transaction(async (tx) => {
      const row = await maybeOne<{ id: number; citizen_id: number; code_hash: string; attempts: number }>(
        tx,
        `SELECT id, citizen_id, code_hash, attempts FROM citizen_sign_in_codes
        WHERE email = $1 AND used_at IS NULL AND expires_at > now()
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
      const citizenId = await provenRecord(tx, address, locale);
      // The address's codes belong to the person who proved it: an erasure of that record takes them too.
      await tx.query("UPDATE citizen_sign_in_codes SET citizen_id = $2 WHERE email = $1", [
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
 * that address, never one of the records that hold it unproven (those may carry someone else's phone number or CPF,
 * given with it; they stay as they are and the person sees their demands, decision 0019).
 */
async function provenRecord(tx: Sql, address: string, locale: Locale): Promise<number> {
  const held = await maybeOne<{ citizen_id: number }>(
    tx,
    `SELECT c.citizen_id FROM citizen_contacts c JOIN citizens z ON z.id = c.citizen_id
      WHERE c.channel = 'email' AND c.value = $1 AND c.verified_at IS NOT NULL AND z.erased_at IS NULL`,
    [address],
  );
  if (held) return held.citizen_id;
  const citizen = await one<{ id: number }>(tx, "INSERT INTO citizens (locale) VALUES ($1) RETURNING id", [
    locale,
  ]);
  await tx.query(
    `INSERT INTO citizen_contacts (citizen_id, channel, value, verified_at, verified_by)
     VALUES ($1, 'email', $2, now(), 'email_code')`,
    [citizen.id, address],
  );
  return citizen.id;
}

/** Ends a session. */
export async function endSession(sql: Sql, token: string): Promise<void> {
  await sql.query("DELETE FROM citizen_sessions WHERE token_hash = $1", [hashToken(token)]);
}
