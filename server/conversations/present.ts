/** The JSON shapes of the inbox. */
import type { InboundContent } from "../../channels/channel.ts";
import type { ConversationRow, HistoryRow } from "./queries.ts";

/** An inbound message said in words for the agent's screen. */
export function describeContent(content: InboundContent | { kind: "erased" } | null): string {
  if (!content) return "";
  switch (content.kind) {
    case "text":
      return content.text;
    case "location":
      return `📍 ${content.lat.toFixed(5)}, ${content.lon.toFixed(5)}${content.name ? ` (${content.name})` : ""}`;
    case "media":
      return `[${content.media}]${content.caption ? ` ${content.caption}` : ""}`;
    case "choice":
      return content.title ?? content.id;
    case "receipt":
      return `[${content.state}]`;
    case "opt-out":
      return "[opt-out]";
    case "erased":
      return "[erased]";
  }
}

export function presentConversation(row: ConversationRow) {
  return {
    id: Number(row.id),
    channel: row.channel,
    address: row.address,
    profileName: row.profile_name,
    status: row.status,
    locale: row.locale,
    waitingSince: row.waiting_since ? new Date(row.waiting_since).toISOString() : null,
    waitingSeconds: row.waiting_seconds,
    agentId: row.agent_id === null ? null : Number(row.agent_id),
    lastInboundAt: row.last_inbound_at ? new Date(row.last_inbound_at).toISOString() : null,
    lastMessage: row.last_message ? describeContent(row.last_message).slice(0, 160) : null,
  };
}

/** One entry of a conversation's history; `files` are the signed links of a reply's attachments. */
export function presentEntry(
  row: HistoryRow,
  files: { url: string; fileName: string; mediaType: string }[] = [],
) {
  const choices = row.body?.choices?.length
    ? `\n${row.body.choices.map((c) => `[${c.title}]`).join(" ")}`
    : "";
  return {
    at: new Date(row.at).toISOString(),
    from: row.from,
    text: row.body ? `${row.body.text}${choices}` : describeContent(row.content),
    kind: row.content?.kind ?? "text",
    state: row.state,
    files,
  };
}
