/**
 * Password hashing for staff accounts: argon2id through @node-rs/argon2 (prebuilt binaries, no node-gyp), with
 * OWASP's first recommended parameter set (m = 19 MiB, t = 2, p = 1), which costs ~20 ms here.
 */
import { randomBytes } from "node:crypto";
import { Algorithm, hash, verify } from "@node-rs/argon2";

/** The argon2id parameters every new hash is made with (OWASP Password Storage Cheat Sheet minimum). */
export const ARGON2_OPTIONS = {
  algorithm: Algorithm.Argon2id,
  memoryCost: 19_456, // KiB = 19 MiB
  timeCost: 2,
  parallelism: 1,
} as const;

// A hash made with the current parameters starts with this; anything else is rehashed at the next login.
const CURRENT_PREFIX = `$argon2id$v=19$m=${ARGON2_OPTIONS.memoryCost},t=${ARGON2_OPTIONS.timeCost},p=${ARGON2_OPTIONS.parallelism}$`;

/** Shortest password accepted for a staff account. */
export const MIN_PASSWORD_LENGTH = 12;

/** The argon2id PHC string of a password, with a fresh random salt. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** True when `password` matches the PHC string; false (never throws) on a malformed hash. */
export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  try {
    return await verify(phc, password);
  } catch {
    return false;
  }
}

/** True when a stored hash was made with other parameters than today's and should be replaced. */
export function needsRehash(phc: string): boolean {
  return !phc.startsWith(CURRENT_PREFIX);
}

let dummy: Promise<string> | undefined;

/**
 * A hash of a random password, verified against when the e-mail is unknown, so an unknown account costs the same
 * time as a wrong password and response times do not reveal which e-mails exist.
 */
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(16).toString("hex"));
  return dummy;
}
