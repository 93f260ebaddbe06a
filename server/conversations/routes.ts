/**
 * HTTP routes of the agents' inbox: conversations handed over by the assistant (oldest first), one conversation
 * with its history and the sender's demands, take, answer, release; the waiting times per channel. The providers'
 * webhooks are in webhooks.ts.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import {
  attachmentHeaders,
  type CheckedAttachment,
  checkAttachment,
  readAttachment,
  storeAttachment,
} from "../demands/attachments.ts";
import { notFound } from "../errors.ts";
import { can, staffOf } from "../http/auth.ts";
import { guardedParts, partBytes } from "../http/input-guard.ts";
import { route, validate } from "../http/openapi.ts";
import { linkNext } from "../http/pagination.ts";
import { attachmentStoreOf } from "../storage/store.ts";
import { mayReply, releaseConversation, replyAsAgent, takeConversation } from "./commands.ts";
import { presentConversation, presentEntry } from "./present.ts";
import {
  conversationHistory,
  findConversation,
  listConversations,
  senderDemands,
  waitingByChannel,
} from "./queries.ts";
import {
  fileOfMediaToken,
  MAX_REPLY_ATTACHMENTS,
  type ReplyAttachment,
  replyMediaUrls,
} from "./reply-media.ts";
import {
  AgentReplyInput,
  ConversationEntry,
  ConversationListQuery,
  ConversationParams,
  ConversationView,
  ReleaseInput,
  WaitingView,
} from "./schemas.ts";

/** Reads a JSON or multipart reply: the fields, and the files checked by their content. */
async function readReply(
  req: FastifyRequest,
  maxBytes: number,
): Promise<{ raw: unknown; files: CheckedAttachment[] }> {
  if (!req.isMultipart()) return { raw: req.body, files: [] };
  const raw: Record<string, string> = {};
  const files: CheckedAttachment[] = [];
  const limits = { fileSize: maxBytes, files: MAX_REPLY_ATTACHMENTS, fields: 2 };
  for await (const part of guardedParts(req, limits)) {
    if (part.type === "file") {
      const field = `attachments[${files.length}]`;
      const content = await partBytes(part, field, maxBytes);
      files.push(await checkAttachment(content, part.filename, field, maxBytes));
    } else if (part.fieldname === "text") {
      raw.text = String(part.value);
    }
  }
  return { raw, files };
}

const extensionOf = (mediaType: string) => mediaType.split("/")[1]?.replace(/[^a-z0-9]/g, "") ?? "bin";

/** Registers the inbox routes. */
export function registerConversationsRoutes(app: FastifyInstance): void {
  const { db, config } = app.ctx;
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
      const links = await Promise.all(
        history.map(async (h) => {
          const files = h.body?.attachments ?? [];
          // Links on this site, relative: the screen is served from it, whatever PUBLIC_URL says.
          const urls = await replyMediaUrls(db, "", Number(h.id), files.length);
          return files.map((f, i) => ({ url: urls[i]!, fileName: f.fileName, mediaType: f.mediaType }));
        }),
      );
      return {
        conversation: presentConversation(conversation),
        history: history.map((h, i) => presentEntry(h, links[i])),
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
      summary:
        "Answer the citizen on the conversation's channel (the agent who took it, or a supervisor): JSON, or " +
        "multipart/form-data with a `text` field and up to 3 files (JPEG, PNG, WebP, HEIC, PDF) in `attachments`",
      tag: "conversations",
      action: "conversations.work",
      body: AgentReplyInput,
      bodyMediaTypes: ["multipart/form-data"],
      responses: {
        201: { description: "Queued", schema: z.object({ id: z.number() }) },
        413: { description: "attachment_too_large" },
        415: { description: "attachment_type_not_allowed" },
      },
    },
    async (req, reply) => {
      const { raw, files } = await readReply(req, config.maxAttachmentBytes);
      const input = validate(AgentReplyInput, raw);
      const id = idOf(req);
      // Checked before a file is stored: a conversation the agent may not answer keeps nothing.
      await mayReply(db, id, agentOf(req));
      const store = attachmentStoreOf(config);
      const attachments: ReplyAttachment[] = [];
      for (const [i, file] of files.entries()) {
        attachments.push({
          key: await storeAttachment(store, file),
          mediaType: file.mediaType,
          fileName: file.originalName || `anexo-${i + 1}.${extensionOf(file.mediaType)}`,
          sizeBytes: file.sizeBytes,
        });
      }
      const replyId = await replyAsAgent(db, id, agentOf(req), input.text, attachments);
      return reply.status(201).send({ id: replyId });
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/media/replies/:token",
      summary: "A file an agent sent with a reply, by the signed link the citizen's provider got (30 days)",
      tag: "conversations",
      action: "public",
      responses: { 200: { description: "The file" }, 404: { description: "not_found" } },
    },
    async (req, reply) => {
      const { token } = req.params as { token: string };
      const file = await fileOfMediaToken(db, token);
      const stored = await readAttachment(attachmentStoreOf(config), file.key);
      return reply
        .type(file.mediaType)
        .headers(attachmentHeaders(file.mediaType, file.fileName.replace(/\.[^.]*$/, "")))
        .header("content-length", stored.sizeBytes ?? file.sizeBytes)
        .send(stored.body);
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
