/** Input and output shapes of the agents' inbox (GET/POST /api/v1/conversations…). */
import { z } from "zod";
import { INBOUND_CHANNELS } from "../../channels/channel.ts";
import { pageFields } from "../http/pagination.ts";

export const CONVERSATION_STATUSES = ["bot", "waiting", "agent", "closed"] as const;

/** The inbox: conversations by status (waiting for a person, oldest first, by default). */
export const ConversationListQuery = z.object({
  /** waiting (default: handed over, nobody took it yet), agent (taken), bot (with the assistant), closed. */
  status: z.enum(CONVERSATION_STATUSES).default("waiting"),
  /** Only this channel. */
  channel: z.enum(INBOUND_CHANNELS).optional(),
  /** Only the conversations this agent took (with status=agent). */
  mine: z.enum(["true", "false"]).optional(),
  ...pageFields(50, 200),
});
export type ConversationListQuery = z.infer<typeof ConversationListQuery>;

export const ConversationParams = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 53 - 1),
});

/** A conversation in the inbox list. */
export const ConversationView = z.object({
  id: z.number(),
  channel: z.enum(INBOUND_CHANNELS),
  /** The sender's address on the channel, as staff see it. */
  address: z.string(),
  profileName: z.string().nullable(),
  status: z.enum(CONVERSATION_STATUSES),
  locale: z.string(),
  /** Handed over at (null when never). */
  waitingSince: z.string().nullable(),
  /** Seconds waiting for a person (null unless waiting). */
  waitingSeconds: z.number().nullable(),
  agentId: z.number().nullable(),
  lastInboundAt: z.string().nullable(),
  /** The citizen's last message, shortened. */
  lastMessage: z.string().nullable(),
});

/** One line of a conversation's history: what the citizen sent or what was answered. */
export const ConversationEntry = z.object({
  at: z.string(),
  from: z.enum(["citizen", "assistant", "agent"]),
  /** The text (a location, a photo or a choice said in words). */
  text: z.string(),
  kind: z.string(),
  /** Delivery state of a reply: queued, sent, delivered, read, failed. */
  state: z.string().nullable(),
  /** Files an agent sent with the reply: signed links valid for 30 days. */
  files: z.array(z.object({ url: z.string(), fileName: z.string(), mediaType: z.string() })),
});

/** The agent's reply. */
export const AgentReplyInput = z.object({
  /** The text, in the citizen's language. */
  text: z.string().trim().min(1).max(4096),
});

/** How a hand-over ends. */
export const ReleaseInput = z.object({
  /** assistant: the assistant answers again; closed (default): the conversation ends (the next message opens a new one). */
  to: z.enum(["assistant", "closed"]).default("closed"),
});

/** Conversations waiting for a person, per channel (the supervisors' view). */
export const WaitingView = z.object({
  channel: z.enum(INBOUND_CHANNELS),
  waiting: z.number(),
  /** Seconds the oldest has waited. */
  oldestSeconds: z.number(),
  /** Mean seconds of the hand-overs taken in the last 24 hours, from waiting to taken (null when none). */
  meanTakenSeconds: z.number().nullable(),
});
