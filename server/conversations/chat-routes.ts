/**
 * The portal's web chat over the same engine: the widget posts the citizen's messages and reads the replies. A chat
 * is named by a token the server issues with the first message and the browser keeps (sent back in `X-Chat-Token`,
 * never in a URL, so it stays out of logs); the conversation's address is a hash of it, so the table never holds a
 * token that would open the chat. Messages carry the widget's own id, so a resent post is stored once.
 */
import { createHash, randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { InboundContent } from "../../channels/channel.ts";
import { invalidInput } from "../errors.ts";
import { route, validate } from "../http/openapi.ts";
import { acceptInbound } from "./inbound.ts";
import type { ReplyBody } from "./replies.ts";
import { replyMediaUrls } from "./reply-media.ts";

/** A message from the widget: one of text, a shared point, or a choice's id. */
export const ChatMessageInput = z
  .object({
    /** The widget's id of this message (a UUID): a resent post with the same id is stored once. */
    id: z.string().uuid(),
    text: z.string().trim().min(1).max(4000).optional(),
    location: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
    /** The id of a choice the assistant offered. */
    choice: z.string().min(1).max(200).optional(),
  })
  .refine((m) => [m.text, m.location, m.choice].filter((v) => v !== undefined).length === 1, {
    message: "exactly one of text, location, choice",
  });

export const ChatRepliesQuery = z.object({
  /** Only replies after this one (the last id the widget shows). */
  after: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 53 - 1)
    .default(0),
});

const TOKEN = /^[A-Za-z0-9_-]{32}$/;

/** The conversation address of a chat token. */
function addressOf(token: string): string {
  return `chat_${createHash("sha256").update(token).digest("hex").slice(0, 40)}`;
}

/** The chat token a request carries, checked; undefined when it carries none (no chat opened yet). */
function tokenOf(req: FastifyRequest): string | undefined {
  const token = req.headers["x-chat-token"];
  if (token === undefined) return undefined;
  if (typeof token !== "string" || !TOKEN.test(token))
    throw invalidInput([{ field: "X-Chat-Token", code: "invalid_value" }]);
  return token;
}

/** Registers the web chat routes. */
export function registerChatRoutes(app: FastifyInstance): void {
  const { db } = app.ctx;

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/chat/messages",
      summary:
        "A citizen's message in the portal's chat (the first one opens a chat and answers its token, sent back in X-Chat-Token)",
      tag: "chat",
      action: "public",
      body: ChatMessageInput,
      responses: {
        202: {
          description: "Stored; the reply follows",
          schema: z.object({ token: z.string(), stored: z.boolean() }),
        },
      },
    },
    async (req, reply) => {
      const input = validate(ChatMessageInput, req.body);
      const token = tokenOf(req) ?? randomBytes(24).toString("base64url");
      const from = addressOf(token);
      const content: InboundContent = input.text
        ? { kind: "text", text: input.text }
        : input.location
          ? { kind: "location", lat: input.location.lat, lon: input.location.lon }
          : { kind: "choice", id: input.choice! };
      const accepted = await acceptInbound(db, [
        {
          channel: "webchat",
          providerMessageId: `${from}:${input.id}`,
          from,
          sentAt: new Date().toISOString(),
          content,
        },
      ]);
      return reply.status(202).send({ token, stored: accepted.stored === 1 });
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/chat/messages",
      summary: "The replies of the chat the X-Chat-Token names, after a given one (none without a token)",
      tag: "chat",
      action: "public",
      query: ChatRepliesQuery,
      responses: {
        200: {
          description: "Replies, oldest first, and whether a person is answering",
          schema: z.object({
            replies: z.array(
              z.object({
                id: z.number(),
                from: z.enum(["assistant", "agent"]),
                text: z.string(),
                choices: z.array(z.object({ id: z.string(), title: z.string() })),
                requestLocation: z.boolean(),
                /** Files an agent sent: signed links. */
                files: z.array(z.object({ url: z.string(), fileName: z.string(), mediaType: z.string() })),
              }),
            ),
            status: z.enum(["none", "bot", "waiting", "agent"]),
          }),
        },
      },
    },
    async (req) => {
      const token = tokenOf(req);
      const { after } = validate(ChatRepliesQuery, req.query);
      // No chat opened yet: nothing to read (a token is issued with the first message).
      if (!token) return { replies: [], status: "none" as const };
      const from = addressOf(token);
      const rows = await db.query<{
        id: number;
        author: "assistant" | "agent";
        body: ReplyBody;
        status: string;
      }>(
        `SELECT r.id, r.author, r.body, c.status FROM conversations c
           LEFT JOIN conversation_replies r ON r.conversation_id = c.id AND r.id > $2
          WHERE c.channel = 'webchat' AND c.address = $1 AND c.status <> 'closed'
          ORDER BY r.id LIMIT 200`,
        [from, after],
      );
      const replies = await Promise.all(
        rows
          .filter((r) => r.id !== null)
          .map(async (r) => {
            const files = r.body.attachments ?? [];
            const urls = await replyMediaUrls(db, "", Number(r.id), files.length);
            return {
              id: Number(r.id),
              from: r.author,
              text: r.body.text,
              choices: r.body.choices ?? [],
              requestLocation: r.body.requestLocation === true,
              files: files.map((f, i) => ({ url: urls[i]!, fileName: f.fileName, mediaType: f.mediaType })),
            };
          }),
      );
      return {
        replies,
        status: (rows[0]?.status ?? "none") as "none" | "bot" | "waiting" | "agent",
      };
    },
  );
}
