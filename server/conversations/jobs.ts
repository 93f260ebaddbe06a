/**
 * The conversation's two jobs. `handle-inbound` runs one stored inbound message: a receipt or an opt-out at once;
 * anything else through the engine — read the conversation, decide (the engine's reads run on the pool, no lock
 * held), then one transaction writes the new state (only if nobody changed it meanwhile: else decide again), the
 * replies with their `send-reply` rows, the hand-over, the opt-out, the filed demand, the inbound row handled and
 * the outbox row done. `send-reply` hands one reply to the channel's adapter and records what the provider said.
 */
import { type ChannelAdapter, DeliveryError, type OutboundChannel } from "../../channels/index.ts";
import type { Sql } from "../db/index.ts";
import { createDemand } from "../demands/commands.ts";
import { AppError } from "../errors.ts";
import { enqueueMany } from "../jobs/enqueue.ts";
import { JOB_PAYLOADS } from "../jobs/payloads.ts";
import { finishIn, type Job, PermanentError } from "../jobs/runner.ts";
import { channelsOf } from "../notifications/jobs.ts";
import { redactAddresses } from "../notifications/recipients.ts";
import { awaitSendSlot, sendRateOf } from "../notifications/send-rate.ts";
import { whatsappTemplateFor } from "../notifications/whatsapp-window.ts";
import { attachmentStoreOf } from "../storage/store.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";
import { converse, type Effect } from "./engine.ts";
import { findInbound, type InboundRow, optIn, optOut, recordReceipt } from "./inbound.ts";
import { fetchPhotos } from "./media.ts";
import { conversationPorts } from "./ports.ts";
import { type ReplyBody, renderReply } from "./replies.ts";
import { outgoingAttachments, withLinks } from "./reply-media.ts";
import { type ConversationState, newConversation } from "./state.ts";
import { applyStepEffects, prepareStepEffects } from "./step-effects.ts";

const HandleInboundPayload = JOB_PAYLOADS["handle-inbound"];
const SendReplyPayload = JOB_PAYLOADS["send-reply"];

/** The open conversation of a sender (made when there is none), with its version for the optimistic write. */
interface OpenConversation {
  id: number;
  status: "bot" | "waiting" | "agent";
  state: ConversationState;
  version: string;
  citizen_id: number | null;
}

async function openConversation(db: Sql, row: InboundRow): Promise<OpenConversation> {
  const [c] = await db.query<OpenConversation>(
    `INSERT INTO conversations (channel, address, profile_name, state)
     VALUES ($1, $2, $3, $4::jsonb)
     ON CONFLICT (tenant_id, channel, address) WHERE status <> 'closed'
       DO UPDATE SET profile_name = coalesce(EXCLUDED.profile_name, conversations.profile_name)
     RETURNING id, status, state, updated_at::text AS version, citizen_id`,
    [row.channel, row.sender, row.profile_name, JSON.stringify(newConversation())],
  );
  return c!;
}

/** Another step wrote the conversation between this one's read and its write: decide again. */
class Changed extends Error {}

/** Writes a step's outcome; throws `Changed` when the conversation moved on since `version`. */
async function writeStep(
  tx: Sql,
  row: InboundRow,
  conversation: OpenConversation,
  next: ConversationState,
  effects: Effect[],
  citizenId: number | null,
): Promise<void> {
  const handOver = effects.some((e) => e.kind === "hand_over");
  const stopped = effects.some((e) => e.kind === "opt_out");
  const updated = await tx.query(
    `UPDATE conversations
        SET state = $2::jsonb, locale = $3, updated_at = clock_timestamp(), last_inbound_at = now(),
            status = CASE WHEN $4 THEN 'waiting' ELSE status END,
            waiting_since = CASE WHEN $4 THEN now() ELSE waiting_since END,
            citizen_id = coalesce($6::bigint, citizen_id)
      WHERE id = $1 AND updated_at::text = $5 RETURNING id`,
    [conversation.id, JSON.stringify(next), next.locale, handOver, conversation.version, citizenId],
  );
  if (updated.length === 0) throw new Changed();
  if (!stopped) await optIn(tx, row.channel, row.sender);
  const bodies: ReplyBody[] = effects.flatMap((e) =>
    e.kind === "reply" ? [renderReply(e, next.locale, row.channel)] : [],
  );
  if (stopped)
    bodies.push({
      ...renderReply({ kind: "reply", key: "conversation.opted_out" }, next.locale, row.channel),
      evenOptedOut: true,
    });
  await queueReplies(tx, conversation.id, bodies);
  if (stopped) await optOut(tx, row.channel, row.sender);
  await tx.query("UPDATE inbound_messages SET conversation_id = $2, handled_at = now() WHERE id = $1", [
    row.id,
    conversation.id,
  ]);
}

/** Writes the assistant's replies and queues their sends. */
export async function queueReplies(
  tx: Sql,
  conversationId: number,
  bodies: readonly ReplyBody[],
  agentId?: number,
): Promise<void> {
  if (bodies.length === 0) return;
  const rows = await tx.query<{ id: number }>(
    `INSERT INTO conversation_replies (conversation_id, author, agent_id, body)
     SELECT $1, $2, $3, b.value FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY AS b(value, n) ORDER BY b.n
     RETURNING id`,
    [conversationId, agentId ? "agent" : "assistant", agentId ?? null, JSON.stringify(bodies)],
  );
  await enqueueMany(
    tx,
    "send-reply",
    rows.map((r) => ({ replyId: Number(r.id) })),
  );
}

/** Runs one inbound message: see the file's comment. */
export const handleInbound: Job<typeof HandleInboundPayload> = {
  name: "handle-inbound",
  payload: HandleInboundPayload,
  maxAttempts: 8,
  async run(ctx, { inboundId }, claim) {
    const row = await findInbound(ctx.db, inboundId);
    if (!row || row.handled_at) return;
    const content = row.content;
    if (content.kind === "receipt") return recordReceipt(ctx.db, row, content);
    if (content.kind === "opt-out") {
      await ctx.db.transaction(async (tx) => {
        await optOut(tx, row.channel, row.sender);
        await tx.query("UPDATE inbound_messages SET handled_at = now() WHERE id = $1", [row.id]);
        await finishIn(tx, claim);
      });
      return;
    }
    for (let round = 0; round < 3; round++) {
      const conversation = await openConversation(ctx.db, row);
      if (conversation.status !== "bot") {
        // With a person (or waiting for one): the message joins the conversation for the inbox; no assistant.
        await ctx.db.transaction(async (tx) => {
          await optIn(tx, row.channel, row.sender);
          await tx.query(
            `WITH c AS (UPDATE conversations SET last_inbound_at = now(), updated_at = clock_timestamp() WHERE id = $2)
             UPDATE inbound_messages SET conversation_id = $2, handled_at = now() WHERE id = $1`,
            [row.id, conversation.id],
          );
          await finishIn(tx, claim);
        });
        return;
      }
      const ports = conversationPorts(ctx.db, row.channel, row.sender);
      const { state, effects } = await converse(conversation.state, content, ports);
      try {
        const filing = effects.find((e) => e.kind === "file");
        if (!filing) {
          const clocks = await prepareStepEffects(ctx.db, effects);
          await ctx.db.transaction(async (tx) => {
            const done = await applyStepEffects(tx, clocks, effects, {
              channel: row.channel,
              address: row.sender,
              citizenId: conversation.citizen_id === null ? null : Number(conversation.citizen_id),
              locale: state.locale,
            });
            const next = done.refused ? newConversation(state.locale) : state;
            await writeStep(tx, row, conversation, next, done.effects, done.citizenId);
            await finishIn(tx, claim);
          });
          return;
        }
        await file(ctx, row, conversation, state, effects, filing, claim);
        return;
      } catch (error) {
        if (error instanceof Changed) continue;
        throw error;
      }
    }
    throw new Error("the conversation changed three times while its step ran; tried again later");
  },
};

/** Files the drafted demand and writes the step in the demand's own transaction. */
async function file(
  ctx: Parameters<Job["run"]>[0],
  row: InboundRow,
  conversation: OpenConversation,
  state: ConversationState,
  effects: Effect[],
  filing: Extract<Effect, { kind: "file" }>,
  claim: Parameters<Job["run"]>[2],
): Promise<void> {
  const draft = filing.draft;
  const anonymous = draft.anonymous === true;
  const photos = await fetchPhotos(ctx, row.channel, draft.photos);
  const contact =
    row.channel === "whatsapp"
      ? { whatsapp: row.sender }
      : row.channel === "telegram"
        ? { telegram: row.sender }
        : row.channel === "sms"
          ? { phone: `+${row.sender}` }
          : row.channel === "email"
            ? { email: row.sender }
            : (draft.contact ?? {});
  try {
    await createDemand(
      ctx.db,
      { kind: "citizen" },
      {
        service: draft.service,
        description: draft.description,
        identity: anonymous ? "anonymous" : "identified",
        citizen: anonymous
          ? undefined
          : { ...contact, name: row.profile_name ?? undefined, locale: state.locale },
        location:
          draft.place?.lat !== undefined && draft.place.lon !== undefined
            ? { lat: draft.place.lat, lon: draft.place.lon }
            : undefined,
        district: draft.place?.district,
        attributes: draft.answers,
        channel: row.channel === "webchat" ? "chat" : row.channel,
      },
      photos,
      undefined,
      async (tx, demand) => {
        const [owner] = await tx.query<{ citizen_id: number | null }>(
          "SELECT citizen_id FROM demands WHERE id = $1",
          [demand.id],
        );
        // An identified citizen gets the receipt (demand.received) on this channel from the notifications; an
        // anonymous one only here, since nobody is on record to send it to; the portal's chat shows it too.
        const replies: Effect[] = anonymous
          ? [{ kind: "reply", key: "conversation.filed_anonymous", params: { protocol: demand.protocol } }]
          : row.channel === "webchat"
            ? // The receipt goes to the contact given; the chat shows the protocol itself.
              [{ kind: "reply", key: "conversation.filed_chat", params: { protocol: demand.protocol } }]
            : [];
        await writeStep(
          tx,
          row,
          conversation,
          state,
          [...effects.filter((e) => e.kind !== "file"), ...replies],
          owner?.citizen_id ?? null,
        );
        await finishIn(tx, claim);
      },
    );
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    // Refused (the place is outside the city, a field the service needs …): said to the citizen, who may change it.
    const back = { ...state, step: "confirm" as const, draft };
    await ctx.db.transaction(async (tx) => {
      await writeStep(
        tx,
        row,
        conversation,
        back,
        [{ kind: "reply", key: "conversation.file_refused", params: { reason: error.code } }],
        null,
      );
      await finishIn(tx, claim);
    });
  }
}

/** Channels whose adapters send files themselves; on the others (SMS) the files' links go in the text. */
const FILE_CHANNELS: readonly string[] = ["whatsapp", "telegram", "email"];

/** Hands one reply to its channel's adapter. */
export const sendReply: Job<typeof SendReplyPayload> = {
  name: "send-reply",
  payload: SendReplyPayload,
  maxAttempts: 10,
  async run(ctx, { replyId }, claim) {
    const [r] = await ctx.db.query<{
      key: string;
      body: ReplyBody;
      state: string;
      channel: string;
      address: string;
      locale: string;
      opted_out: boolean;
      profile_name: string | null;
      last_inbound_at: Date | null;
    }>(
      `SELECT r.key, r.body, r.state, c.channel, c.address, c.locale, c.profile_name, c.last_inbound_at,
              EXISTS (SELECT 1 FROM channel_opt_outs o WHERE o.channel = c.channel AND o.address = c.address) AS opted_out
         FROM conversation_replies r JOIN conversations c ON c.id = r.conversation_id WHERE r.id = $1`,
      [replyId],
    );
    if (r?.state !== "queued") return;
    const fail = async (error: string) =>
      ctx.db.transaction(async (tx) => {
        await tx.query("UPDATE conversation_replies SET state = 'failed', error = $2 WHERE id = $1", [
          replyId,
          error,
        ]);
        await finishIn(tx, claim);
      });
    if (r.address === "" || (r.opted_out && !r.body.evenOptedOut)) return void (await fail("opted_out"));
    // The portal's chat reads its replies from the conversation itself: nothing to hand to a provider.
    if (r.channel === "webchat") return void (await sent(ctx.db, replyId, "webchat", claim));
    const publicUrl = await tenantPublicUrl(ctx);
    const adapter = (await channelsOf(ctx, publicUrl))[r.channel as OutboundChannel] as
      | ChannelAdapter
      | undefined;
    if (!adapter) throw new PermanentError(`no adapter is configured for ${r.channel}`);
    try {
      // An agent's files: links the providers download (e-mail attaches the bytes; SMS shows the links).
      const files = await outgoingAttachments(
        ctx.db,
        attachmentStoreOf(ctx.config),
        publicUrl,
        replyId,
        r.body.attachments ?? [],
        r.channel === "email",
      );
      const linked = withLinks(r.body.text, files);
      // An agent's answer a day after the citizen's last message goes as the city's approved template.
      const template =
        r.channel === "whatsapp"
          ? whatsappTemplateFor(ctx.config.messaging.whatsappTemplates, {
              key: "conversation.reply",
              locale: r.locale,
              lastInboundAt: r.last_inbound_at,
              variables: { text: linked, name: r.profile_name ?? "" },
            })
          : undefined;
      const inText = template !== undefined || !FILE_CHANNELS.includes(r.channel);
      await awaitSendSlot(ctx.db, adapter.channel, sendRateOf(ctx.config, adapter.channel));
      const { providerId } = await adapter.send({
        key: r.key,
        to: r.address,
        locale: r.locale,
        subject: r.body.subject ?? "",
        text: inText ? linked : r.body.text,
        choices: template ? undefined : r.body.choices,
        requestLocation: template ? undefined : r.body.requestLocation,
        template,
        attachments: inText ? undefined : files,
      });
      await sent(ctx.db, replyId, providerId, claim);
    } catch (error) {
      const message = redactAddresses(error instanceof Error ? error.message : String(error));
      if (error instanceof DeliveryError && !error.temporary) return void (await fail(message));
      throw new Error(message);
    }
  },
};

async function sent(
  db: Parameters<Job["run"]>[0]["db"],
  replyId: number,
  providerId: string,
  claim: Parameters<Job["run"]>[2],
) {
  await db.transaction(async (tx) => {
    await tx.query(
      "UPDATE conversation_replies SET state = 'sent', provider_id = $2, sent_at = now() WHERE id = $1 AND state = 'queued'",
      [replyId, providerId],
    );
    await finishIn(tx, claim);
  });
}
