/**
 * The citizen-auditor effects of a conversation's step (auditor-enrol.ts), written in the step's transaction: the
 * enrolment with the consent given in the conversation (by the channel it came by, for the sender's own number), and
 * the revocation of the sender's number's enrolments. What the citizen is told says what was written; a refusal
 * (already enrolled, a place on no block) is said instead, and the step goes on.
 */
import { AUDITOR_CONSENT_VERSION } from "../../domain/auditors.ts";
import { enrolAuditor, revokeAuditor } from "../auditors/commands.ts";
import type { Sql } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { type Effect, reply } from "./state.ts";
import type { Sender } from "./step-effects.ts";

const PLACE_PROBLEMS = new Set(["point_outside_city", "point_outside_blocks", "address_not_found"]);

/** The sender's number as the auditors table holds it (E.164 with "+"). */
const numberOf = (sender: Sender) => `+${sender.address.replace(/\D/g, "")}`;

/** Enrols the sender (`who`, their citizen record) with the place and windows they chose; the reply to give. */
export async function enrolFromConversation(
  tx: Sql,
  effect: Extract<Effect, { kind: "auditor_enrol" }>,
  sender: Sender,
  who: number,
): Promise<Effect> {
  if (sender.channel !== "whatsapp") return reply("conversation.auditor.elsewhere");
  try {
    await tx.query("SAVEPOINT auditor_enrol");
    await enrolAuditor(
      tx,
      {
        citizenId: who,
        phone: numberOf(sender),
        point: { lat: effect.place.lat, lon: effect.place.lon },
        address: effect.place.label.slice(0, 300),
        windows: effect.windows,
        channel: "voice",
        language: (["pt-BR", "en", "es"].includes(sender.locale) ? sender.locale : "pt-BR") as "pt-BR",
        maxCallsPerWeek: 2,
        consent: true,
        consentTextVersion: AUDITOR_CONSENT_VERSION,
      },
      "whatsapp",
    );
    await tx.query("RELEASE SAVEPOINT auditor_enrol");
    return reply("conversation.auditor.enrolled");
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    await tx.query("ROLLBACK TO SAVEPOINT auditor_enrol");
    if (error.code === "auditor_already_enrolled") return reply("conversation.auditor.already");
    if (PLACE_PROBLEMS.has(error.code)) return reply("conversation.auditor.place_refused");
    return reply("conversation.auditor.refused");
  }
}

/**
 * Revokes every live enrolment of the sender's number (the provider vouches for it), by this channel. The reply is
 * the same whether or not the number was enrolled: nobody learns from it who is an auditor.
 */
export async function leaveFromConversation(tx: Sql, sender: Sender): Promise<Effect> {
  if (sender.channel !== "whatsapp") return reply("conversation.auditor.elsewhere");
  const rows = await tx.query<{ id: number }>(
    "SELECT id FROM auditors WHERE phone = $1 AND state <> 'revoked' ORDER BY id FOR UPDATE",
    [numberOf(sender)],
  );
  for (const row of rows) await revokeAuditor(tx, Number(row.id), "whatsapp", "left by a message");
  return reply("conversation.auditor.left");
}
