/**
 * The effects a conversation's step writes beside its new state (jobs.ts), in the step's own transaction, each
 * turned into what the citizen is told: the satisfaction rating and the reopening (server/satisfaction/), the
 * complement a department asked for (server/work-orders/), and following a demand on this channel
 * (server/duplicates/). A refusal (rated already, the reopen window over, a
 * demand closed or not followable) is said to the citizen instead; each is checked before anything is written, so
 * the step's transaction goes on.
 */
import type { InboundChannel } from "../../channels/channel.ts";
import { endChatSurvey, finishChatSurvey } from "../auditors/chat-survey.ts";
import { findOrCreateCitizen } from "../citizens/commands.ts";
import type { ContactChannel } from "../citizens/contacts.ts";
import type { Sql } from "../db/index.ts";
import { loadClocks } from "../deadlines/demand-clock.ts";
import { followDemandIn, unfollowDemand } from "../duplicates/commands.ts";
import { AppError } from "../errors.ts";
import { rateDemandIn, reopenDemandIn } from "../satisfaction/commands.ts";
import { receiveComplementIn } from "../work-orders/complements.ts";
import { enrolFromConversation, leaveFromConversation } from "./auditor-effects.ts";
import { CONTACT_CHANNEL_OF } from "./ports.ts";
import { type Effect, reply } from "./state.ts";

type Clocks = Awaited<ReturnType<typeof loadClocks>>;

/** Channels whose sender the provider vouches for: a demand may be followed from them (not e-mail, not the chat). */
const FOLLOW_CHANNELS: readonly InboundChannel[] = ["whatsapp", "sms", "telegram"];

/** Reads what a step's effects need before its transaction opens (the business calendar for a reopen). */
export async function prepareStepEffects(db: Parameters<typeof loadClocks>[0], effects: Effect[]) {
  return effects.some((e) => e.kind === "reopen" || e.kind === "complement")
    ? await loadClocks(db)
    : undefined;
}

/** Who sent the message: the channel, the address, and the citizen the conversation is on (if any yet). */
export interface Sender {
  channel: InboundChannel;
  address: string;
  citizenId: number | null;
  locale: string;
}

/**
 * Writes the rating, the reopening and the following of `effects`; returns the effects with those replaced by
 * replies, whether the survey was refused (the conversation then starts afresh), and the citizen the conversation
 * is now on (a follower made here).
 */
export async function applyStepEffects(
  tx: Sql,
  clocks: Clocks | undefined,
  effects: Effect[],
  sender: Sender,
): Promise<{ effects: Effect[]; refused: boolean; citizenId: number | null }> {
  const out: Effect[] = [];
  let refused = false;
  let citizenId = sender.citizenId;
  const refusal = (error: unknown) => {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    return error.code;
  };
  for (const effect of effects) {
    if (refused && effect.kind === "reply") continue;
    if (effect.kind === "rate") {
      try {
        await rateDemandIn(tx, effect.demandId, { rating: effect.rating, solved: effect.solved });
      } catch (error) {
        // Rated meanwhile (on the portal, say): the rest of this step's questions no longer apply.
        out.push(reply("conversation.survey_refused", { params: { reason: refusal(error) } }));
        refused = true;
      }
    } else if (effect.kind === "reopen") {
      try {
        await reopenDemandIn(
          tx,
          clocks!,
          { kind: "citizen" },
          effect.demandId,
          "reaberta pelo cidadão na conversa",
        );
        out.push(reply("conversation.reopened", { params: { protocol: effect.protocol } }));
      } catch (error) {
        out.push(reply("conversation.survey_refused", { params: { reason: refusal(error) } }));
      }
    } else if (effect.kind === "complement") {
      try {
        await receiveComplementIn(tx, clocks!, { kind: "citizen" }, effect.demandId, effect.text);
        out.push(reply("conversation.complement_received", { params: { protocol: effect.protocol } }));
      } catch (error) {
        out.push(reply("conversation.complement_refused", { params: { reason: refusal(error) } }));
      }
    } else if (effect.kind === "follow") {
      const followed = await follow(tx, effect, sender, citizenId);
      citizenId = followed.citizenId;
      out.push(followed.reply);
    } else if (effect.kind === "auditor_enrol") {
      citizenId = await followerOf(tx, sender, citizenId);
      out.push(await enrolFromConversation(tx, effect, sender, citizenId));
    } else if (effect.kind === "auditor_survey_done") {
      await finishChatSurvey(tx, effect.callId, effect.answers);
    } else if (effect.kind === "auditor_survey_end") {
      await endChatSurvey(tx, effect.callId, effect.outcome ?? "opted_out");
    } else if (effect.kind === "auditor_leave") {
      out.push(await leaveFromConversation(tx, sender));
    } else if (effect.kind === "follow_place") {
      const followed = await followPlace(tx, effect, sender, citizenId);
      citizenId = followed.citizenId;
      out.push(followed.reply);
    } else out.push(effect);
  }
  return { effects: out, refused, citizenId };
}

/** How far around the place a follower hears of demands. */
export const PLACE_RADIUS_M = 200;

/** The sender's record: the conversation's citizen, else a new record holding this address (as a demand filed here would make). */
async function followerOf(tx: Sql, sender: Sender, citizenId: number | null): Promise<number> {
  if (citizenId !== null) return citizenId;
  const contact = CONTACT_CHANNEL_OF[sender.channel] as ContactChannel;
  return findOrCreateCitizen(tx, {
    locale: sender.locale,
    contacts: { [contact]: sender.channel === "sms" ? `+${sender.address}` : sender.address },
  });
}

/** Follows every public demand around a place for the sender on their channel (one place a channel), or stops. */
async function followPlace(
  tx: Sql,
  effect: Extract<Effect, { kind: "follow_place" }>,
  sender: Sender,
  citizenId: number | null,
): Promise<{ reply: Effect; citizenId: number | null }> {
  if (!FOLLOW_CHANNELS.includes(sender.channel))
    return { reply: reply("conversation.follow_place_elsewhere"), citizenId };
  if (!effect.place) {
    if (citizenId !== null)
      await tx.query("DELETE FROM place_followers WHERE citizen_id = $1 AND channel = $2", [
        citizenId,
        sender.channel,
      ]);
    return { reply: reply("conversation.unfollowed_place"), citizenId };
  }
  const who = await followerOf(tx, sender, citizenId);
  const { lat, lon, label } = effect.place;
  await tx.query(
    `INSERT INTO place_followers (citizen_id, channel, point, radius_m, label)
     VALUES ($1, $2, ST_SetSRID(ST_MakePoint($3, $4), 4326), $5, $6)
     ON CONFLICT (citizen_id, channel) DO UPDATE
       SET point = EXCLUDED.point, radius_m = EXCLUDED.radius_m, label = EXCLUDED.label, created_at = now()`,
    [who, sender.channel, lon, lat, PLACE_RADIUS_M, label],
  );
  return {
    reply: reply("conversation.followed_place", { params: { place: label, radius: PLACE_RADIUS_M } }),
    citizenId: who,
  };
}

/** Follows (or stops following) a demand by its protocol for the sender, on their channel. */
async function follow(
  tx: Sql,
  effect: Extract<Effect, { kind: "follow" }>,
  sender: Sender,
  citizenId: number | null,
): Promise<{ reply: Effect; citizenId: number | null }> {
  const params = { protocol: effect.protocol };
  if (!FOLLOW_CHANNELS.includes(sender.channel))
    return { reply: reply("conversation.follow_elsewhere", { params }), citizenId };
  const [demand] = await tx.query<{ id: number }>("SELECT id FROM demands WHERE protocol = $1", [
    effect.protocol,
  ]);
  if (!demand) return { reply: reply("conversation.follow_not_found", { params }), citizenId };
  if (effect.stop) {
    if (citizenId !== null) await unfollowDemand(tx, citizenId, Number(demand.id));
    return { reply: reply("conversation.unfollowed", { params }), citizenId };
  }
  const who = await followerOf(tx, sender, citizenId);
  try {
    await followDemandIn(tx, who, Number(demand.id), sender.channel);
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    return { reply: reply("conversation.follow_refused", { params }), citizenId };
  }
  return { reply: reply("conversation.followed", { params }), citizenId: who };
}
