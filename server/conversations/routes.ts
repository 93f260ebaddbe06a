/**
 * HTTP routes of the agents' inbox: conversations handed over by the assistant (oldest first), one conversation
 * with its history and the sender's demands, take, answer, release; the waiting times per channel. The providers'
 * webhooks are in webhooks.ts.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { notFound } from "../errors.ts";
import { can, staffOf } from "../http/auth.ts";
import { route, validate } from "../http/openapi.ts";
import { linkNext } from "../http/pagination.ts";
import { releaseConversation, replyAsAgent, takeConversation } from "./commands.ts";
import { presentConversation, presentEntry } from "./present.ts";
import {
  conversationHistory,
  findConversation,
  listConversations,
  senderDemands,
  waitingByChannel,
} from "./queries.ts";
import {
  AgentReplyInput,
  ConversationEntry,
  ConversationListQuery,
  ConversationParams,
  ConversationView,
  ReleaseInput,
  WaitingView,
} from "./schemas.ts";

/** Registers the inbox routes. */
export function registerConversationsRoutes(app: FastifyInstance): void {
  const { db } = app.ctx;
  const agentOf = (req: FastifyRequest) => {
    const staff = staffOf(req);
    return { id: staff.id, mayAnswerAny: staff.role === "supervisor" || staff.role === "admin" };
  };
  const idOf = (req: FastifyRequest) => validate(ConversationParams, req.params).id;

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/conversations",
      summary:
        "The inbox: conversations of the written channels by status (waiting for a person, oldest first)",
      tag: "conversations",
      action: "conversations.work",
      query: ConversationListQuery,
      paginated: true,
      responses: { 200: { description: "Conversations", schema: ConversationView.array() } },
    },
    async (req, reply) => {
      const page = await listConversations(db, staffOf(req).id, validate(ConversationListQuery, req.query));
      linkNext(req, reply, page.next);
      return page.rows.map(presentConversation);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/conversations/waiting",
      summary:
        "Conversations waiting for a person per channel, the oldest wait and the mean wait of the last day",
      tag: "conversations",
      action: "conversations.work",
      responses: { 200: { description: "Per channel", schema: WaitingView.array() } },
    },
    async () =>
      (await waitingByChannel(db)).map((w) => ({
        channel: w.channel,
        waiting: w.waiting,
        oldestSeconds: w.oldest_seconds,
        meanTakenSeconds: w.mean_taken_seconds,
      })),
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/conversations/:id",
      summary:
        "A conversation: its history (what the citizen sent, what was answered) and the sender's demands",
      tag: "conversations",
      action: "conversations.work",
      responses: {
        200: {
          description: "The conversation",
          schema: z.object({
            conversation: ConversationView,
            history: ConversationEntry.array(),
            demands: z.array(
              z.object({
                protocol: z.string(),
                status: z.string(),
                service: z.string(),
                openedAt: z.string(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const id = idOf(req);
      const conversation = await findConversation(db, id);
      if (!conversation || conversation.address === "") throw notFound(`/api/v1/conversations/${id}`);
      const [history, demands] = await Promise.all([
        conversationHistory(db, id),
        senderDemands(db, conversation, can(staffOf(req).role, "demands.read_identity")),
      ]);
      return {
        conversation: presentConversation(conversation),
        history: history.map(presentEntry),
        demands: demands.map((d) => ({
          protocol: d.protocol,
          status: d.status,
          service: d.service_code,
          openedAt: new Date(d.opened_at).toISOString(),
        })),
      };
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/conversations/:id/take",
      summary: "Take a conversation waiting for a person (one agent only: the others get 409)",
      tag: "conversations",
      action: "conversations.work",
      responses: { 204: { description: "Taken" } },
    },
    async (req, reply) => {
      await takeConversation(db, idOf(req), staffOf(req).id);
      return reply.status(204).send();
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/conversations/:id/replies",
      summary: "Answer the citizen on the conversation's channel (the agent who took it, or a supervisor)",
      tag: "conversations",
      action: "conversations.work",
      body: AgentReplyInput,
      responses: { 201: { description: "Queued", schema: z.object({ id: z.number() }) } },
    },
    async (req, reply) => {
      const input = validate(AgentReplyInput, req.body);
      const id = await replyAsAgent(db, idOf(req), agentOf(req), input.text);
      return reply.status(201).send({ id });
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/conversations/:id/release",
      summary: "End the hand-over: back to the assistant, or close the conversation",
      tag: "conversations",
      action: "conversations.work",
      body: ReleaseInput,
      responses: { 204: { description: "Released" } },
    },
    async (req, reply) => {
      const input = validate(ReleaseInput, req.body ?? {});
      await releaseConversation(db, idOf(req), agentOf(req), input.to);
      return reply.status(204).send();
    },
  );
}
