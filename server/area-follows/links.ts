/**
 * The signed links of a follow's e-mails: confirm (the double opt-in) and stop (every digest, and its
 * List-Unsubscribe header). A token is the follow's id and an HMAC of it and the link's purpose, with a key made once
 * per database (server/db/signing-keys.ts), like the consent links: nobody can guess one for another follow.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Sql } from "../db/index.ts";
import { signingKey } from "../db/signing-keys.ts";
import { AppError } from "../errors.ts";

/** The name of the links' key in signing_keys. */
export const AREA_FOLLOW_KEY_NAME = "area-follow-link";

/** What a link does. */
export type LinkPurpose = "confirm" | "stop";

function mac(key: Buffer, purpose: LinkPurpose, followId: number): string {
  return createHmac("sha256", key).update(`area-follow-${purpose}:${followId}`).digest("base64url");
}

/** The token of a follow's link for `purpose`. */
export async function linkToken(sql: Sql, purpose: LinkPurpose, followId: number): Promise<string> {
  return `${followId}.${mac(await signingKey(sql, AREA_FOLLOW_KEY_NAME), purpose, followId)}`;
}

/** The follow a token names for `purpose`; 400 naming `token` when it is malformed or its signature is wrong. */
export async function followOfToken(sql: Sql, purpose: LinkPurpose, token: string): Promise<number> {
  const bad = () =>
    new AppError(400, "invalid_input", {}, [{ field: "token", code: "invalid_area_follow_link" }]);
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(token.trim());
  if (!match) throw bad();
  const followId = Number(match[1]);
  const expected = Buffer.from(mac(await signingKey(sql, AREA_FOLLOW_KEY_NAME), purpose, followId));
  const given = Buffer.from(match[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw bad();
  return followId;
}

/** The portal's page of a link: it shows a button, so a mail scanner that follows links changes nothing. */
export function linkUrlOf(publicUrl: string, purpose: LinkPurpose, token: string, locale: string): string {
  const param = purpose === "confirm" ? "confirmar" : "parar";
  return `${publicUrl}/acompanhar-area?${param}=${encodeURIComponent(token)}&lang=${locale}`;
}

/** The address of the RFC 8058 one-click unsubscribe (List-Unsubscribe with List-Unsubscribe-Post). */
export function oneClickUrlOf(publicUrl: string, token: string): string {
  return `${publicUrl}/api/v1/area-follows/unsubscribe?token=${encodeURIComponent(token)}`;
}
