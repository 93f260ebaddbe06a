/**
 * Protocol numbers: the key a citizen uses to follow a demand on every channel, typed on a phone keypad.
 *
 * Shape: YYYY (year of opening) + serial (at least 8 digits, zero-padded) + 1 check digit, digits only, e.g.
 * "2026000012347". The serial comes from one database sequence shared by every process, so numbers are unique
 * without a counter row to lock.
 *
 * The check digit is Damm's (H. M. Damm, 2004): it runs the digits through a totally anti-symmetric quasigroup of
 * order 10. Such a quasigroup detects every single-digit substitution (each row and column of the table is a
 * permutation, so changing one digit always changes the result) and every transposition of two adjacent digits
 * (anti-symmetry: x*y*c = y*x*c implies x = y). Weighted mod-10 schemes (Luhn, mod-10/mod-11 with weights) miss some
 * transpositions, such as 09 ↔ 90 for Luhn. domain/protocol.test.ts checks both properties exhaustively on a sample.
 */

// The quasigroup table of order 10 published by Damm; row = interim digit, column = next digit.
const TABLE: readonly (readonly number[])[] = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
  [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
  [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
  [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
  [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
  [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
  [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

/** Digits in the serial part, at least (it grows past 99,999,999 without breaking old numbers). */
export const SERIAL_DIGITS = 8;

/** The Damm check digit of a string of digits. */
export function checkDigit(digits: string): number {
  let interim = 0;
  for (const ch of digits) {
    interim = TABLE[interim]![ch.charCodeAt(0) - 48]!;
  }
  return interim;
}

/** True when the last digit of `digits` is the Damm check digit of the rest. */
export function hasValidCheckDigit(digits: string): boolean {
  return /^\d{2,}$/.test(digits) && checkDigit(digits) === 0;
}

/** Builds the protocol number of a demand opened in `year` with the given serial. */
export function makeProtocol(year: number, serial: number): string {
  if (!Number.isInteger(year) || year < 1000 || year > 9999)
    throw new RangeError(`bad protocol year ${year}`);
  if (!Number.isSafeInteger(serial) || serial < 1) throw new RangeError(`bad protocol serial ${serial}`);
  const body = `${year}${String(serial).padStart(SERIAL_DIGITS, "0")}`;
  return `${body}${checkDigit(body)}`;
}

/** Why a typed protocol number was refused. */
export type ProtocolProblem = "bad_format" | "bad_check_digit";

/**
 * Reads a protocol number as a person typed it (spaces, dots, dashes and slashes are ignored) and checks it.
 * Returns the clean digits, or the reason it was refused.
 */
export function parseProtocol(
  typed: string,
): { ok: true; protocol: string; year: number; serial: number } | { ok: false; problem: ProtocolProblem } {
  const digits = typed.replace(/[\s./-]/g, "");
  if (!/^\d+$/.test(digits) || digits.length < 4 + SERIAL_DIGITS + 1 || digits.length > 20) {
    return { ok: false, problem: "bad_format" };
  }
  if (!hasValidCheckDigit(digits)) return { ok: false, problem: "bad_check_digit" };
  return {
    ok: true,
    protocol: digits,
    year: Number(digits.slice(0, 4)),
    serial: Number(digits.slice(4, -1)),
  };
}
