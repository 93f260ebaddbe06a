/**
 * Withdrawing consent (LGPD art. 8 §5 and art. 18 IX), on any channel: the signed-in citizen on the portal, the
 * one-click link in the e-mails they receive (signed, no sign-in needed), or an agent for a request made by phone,
 * at a counter or by letter. A withdrawal is itself recorded (rows with granted = false) and ends the purposes that
 * rest on consent; the demands in progress are still answered (docs/decisions/0024-audit-log-and-consent.md).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { PRIVACY_POLICY_VERSION, WITHDRAWABLE_PURPOSES } from "../../domain/privacy.ts";
import { type AuditActor, recordAudit } from "../audit/record.ts";
import { type Db, maybeOne, one, type Sql } from "../db/index.ts";
import { signingKey as signingKeyNamed } from "../db/signing-keys.ts";
import { AppError, notFound } from "../errors.ts";
import { type ConsentPurpose, recordConsent } from "./commands.ts";

/** Where a withdrawal came from (consents.channel). */
export type WithdrawalChannel = "portal" | "email_link" | "phone" | "counter" | "letter";

/** What a withdrawal answers. */
export interface Withdrawal {
  citizenId: number;
  purposes: ConsentPurpose[];
  channel: WithdrawalChannel;
  at: string;
}

/**
 * Records that a citizen withdrew consent for every purpose that rests on it, in one transaction; an agent's
 * recording (`actor`) is also written to the audit log. 404 for an unknown or erased citizen. Withdrawing twice is
 * recorded twice: each is a fact the person may later ask to see.
 */
export async function withdrawConsent(
  db: Db,
  citizenId: number,
  channel: WithdrawalChannel,
  actor?: AuditActor,
): Promise<Withdrawal> {
  return db.transaction(async (tx) => {
    const citizen = await maybeOne<{ erased_at: Date | null }>(
      tx,
      "SELECT erased_at FROM citizens WHERE id = $1 FOR UPDATE",
      [citizenId],
    );
    if (!citizen || citizen.erased_at) throw notFound(`/api/v1/citizens/${citizenId}`);
    for (const purpose of WITHDRAWABLE_PURPOSES) {
      await recordConsent(tx, {
        citizenId,
        purpose,
        granted: false,
        policyVersion: PRIVACY_POLICY_VERSION,
        channel,
        recordedBy: actor?.staffId ?? null,
      });
    }
    if (actor) {
      // Ids and the channel only: the audit log holds no citizen's personal data.
      await recordAudit(tx, actor, {
        action: "consent.withdrawn",
        entityType: "citizen",
        entityId: citizenId,
        after: { purposes: WITHDRAWABLE_PURPOSES, channel },
      });
    }
    const at = await one<{ now: Date }>(tx, "SELECT now() AS now");
    return { citizenId, purposes: [...WITHDRAWABLE_PURPOSES], channel, at: new Date(at.now).toISOString() };
  });
}

/** The name of the consent links' key in signing_keys. */
export const CONSENT_KEY_NAME = "consent-link";

/** The key consent links are signed with: made once per database, shared by every process through it. */
const signingKey = (sql: Sql) => signingKeyNamed(sql, CONSENT_KEY_NAME);

function mac(key: Buffer, citizenId: number): string {
  return createHmac("sha256", key).update(`consent-withdraw:${citizenId}`).digest("base64url");
}

/** The token of a citizen's one-click withdrawal link: their id and an HMAC of it, so it cannot be guessed. */
export async function consentLinkToken(db: Sql, citizenId: number): Promise<string> {
  return `${citizenId}.${mac(await signingKey(db), citizenId)}`;
}

/** The same token, with the key's secret (signing_keys.secret, base64url) already read by the caller. */
export function consentLinkTokenWith(secret: string, citizenId: number): string {
  return `${citizenId}.${mac(Buffer.from(secret, "base64url"), citizenId)}`;
}

/** The citizen a withdrawal token names; 400 naming `token` when it is malformed or its signature is wrong. */
export async function citizenOfConsentToken(db: Sql, token: string): Promise<number> {
  const bad = () =>
    new AppError(400, "invalid_input", {}, [{ field: "token", code: "invalid_consent_link" }]);
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) throw bad();
  const citizenId = Number(match[1]);
  const expected = Buffer.from(mac(await signingKey(db), citizenId));
  const given = Buffer.from(match[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw bad();
  return citizenId;
}

/** The page of the one-click withdrawal link put in e-mails. */
export function withdrawUrlOf(publicUrl: string, token: string): string {
  return `${publicUrl}/consentimento/retirar?token=${encodeURIComponent(token)}`;
}
