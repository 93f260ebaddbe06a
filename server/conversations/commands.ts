/**
 * What agents do in the inbox: take a conversation handed over (atomic, like the triage queue: of several agents
 * taking it at once one gets it, the others a 409), answer the citizen from it, and end the hand-over (the
 * assistant answers again, or the conversation closes).
 */
import type { Db } from "../db/index.ts";
import { AppError, conflict, notFound } from "../errors.ts";
import { queueReplies } from "./jobs.ts";
import { findConversation } from "./queries.ts";
import type { ReplyBody } from "./replies.ts";
import type { ReplyAttachment } from "./reply-media.ts";
import { newConversation } from "./state.ts";

/** Takes a waiting conversation for `agentId`; 409 when another agent holds it or it is not waiting. */
export async function takeConversation(db: Db, id: number, agentId: number): Promise<void> {
  const taken = await db.query(
    `UPDATE conversations SET status = 'agent', agent_id = $2, taken_at = now(), updated_at = clock_timestamp()
      WHERE id = $1 AND status = 'waiting' AND address <> '' RETURNING id`,
    [id, agentId],
  );
  if (taken.length > 0) return;
  const conversation = await findConversation(db, id);
  if (!conversation || conversation.address === "") throw notFound(`/api/v1/conversations/${id}`);
  if (conversation.status === "agent" && conversation.agent_id === agentId) return;
  throw conflict("conversation_not_waiting", { status: conversation.status });
}

/**
 * An agent's reply, queued on the conversation's channel: only by the agent who took it (a supervisor may answer
 * any conversation with a person, e.g. when its agent left).
 */
export async function replyAsAgent(
  db: Db,
  id: number,
  agent: { id: number; mayAnswerAny: boolean },
  text: string,
  attachments: readonly ReplyAttachment[] = [],
): Promise<number> {
  return db.transaction(async (tx) => {
    const [c] = await tx.query<{ status: string; agent_id: number | null }>(
      "SELECT status, agent_id FROM conversations WHERE id = $1 AND address <> '' FOR UPDATE",
      [id],
    );
    refuseReply(id, c, agent);
    const body: ReplyBody = attachments.length > 0 ? { text, attachments: [...attachments] } : { text };
    await queueReplies(tx, id, [body], agent.id);
    await tx.query("UPDATE conversations SET updated_at = clock_timestamp() WHERE id = $1", [id]);
    const [{ n }] = (await tx.query<{ n: number }>(
      "SELECT max(id)::bigint AS n FROM conversation_replies WHERE conversation_id = $1",
      [id],
    )) as [{ n: number }];
    return Number(n);
  });
}

/** Refuses (404, 409, 403) an agent who may not answer the conversation now, as `replyAsAgent` would. */
export async function mayReply(
  db: Db,
  id: number,
  agent: { id: number; mayAnswerAny: boolean },
): Promise<void> {
  const [c] = await db.query<{ status: string; agent_id: number | null }>(
    "SELECT status, agent_id FROM conversations WHERE id = $1 AND address <> ''",
    [id],
  );
  refuseReply(id, c, agent);
}

function refuseReply(
  id: number,
  c: { status: string; agent_id: number | null } | undefined,
  agent: { id: number; mayAnswerAny: boolean },
): void {
  if (!c) throw notFound(`/api/v1/conversations/${id}`);
  if (c.status !== "agent") throw conflict("conversation_not_taken", { status: c.status });
  if (c.agent_id !== agent.id && !agent.mayAnswerAny)
    throw new AppError(403, "conversation_of_another_agent");
}

/** Ends a hand-over: back to the assistant (a fresh start) or closed. */
export async function releaseConversation(
  db: Db,
  id: number,
  agent: { id: number; mayAnswerAny: boolean },
  to: "assistant" | "closed",
): Promise<void> {
  const released = await db.query(
    `UPDATE conversations
        SET status = $3, state = CASE WHEN $3 = 'bot' THEN $4::jsonb ELSE state END,
            agent_id = NULL, waiting_since = NULL, updated_at = clock_timestamp()
      WHERE id = $1 AND status IN ('waiting', 'agent') AND address <> '' AND (agent_id = $2 OR agent_id IS NULL OR $5)
      RETURNING id`,
    [
      id,
      agent.id,
      to === "assistant" ? "bot" : "closed",
      JSON.stringify(newConversation()),
      agent.mayAnswerAny,
    ],
  );
  if (released.length > 0) return;
  const conversation = await findConversation(db, id);
  if (!conversation || conversation.address === "") throw notFound(`/api/v1/conversations/${id}`);
  throw conflict("conversation_not_with_a_person", { status: conversation.status });
}
