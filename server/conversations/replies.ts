/**
 * A reply as it is stored and sent: the engine's locale key rendered in the conversation's language, its choices
 * titled. Channels with buttons (WhatsApp, Telegram, the portal's chat) get the choices as such; SMS gets them for
 * its adapter to write as a numbered list that is never cut when the text is fitted to its parts; e-mail gets the
 * list in the text. The engine reads "2" as the second (state.shown).
 */
import type { Choice, InboundChannel } from "../../channels/channel.ts";
import { type Locale, translate } from "../i18n.ts";
import type { ReplyAttachment } from "./reply-media.ts";
import type { Effect } from "./state.ts";

/** What conversation_replies.body holds. */
export interface ReplyBody {
  text: string;
  subject?: string | undefined;
  choices?: Choice[] | undefined;
  requestLocation?: boolean | undefined;
  /** Files an agent attached (server/conversations/reply-media.ts). */
  attachments?: ReplyAttachment[] | undefined;
  /** The confirmation of an opt-out: the one message sent after it. */
  evenOptedOut?: boolean | undefined;
}

/** Channels whose adapters show the choices themselves: buttons, a list the citizen taps, or SMS's numbered list. */
const WITH_BUTTONS: readonly InboundChannel[] = ["whatsapp", "telegram", "webchat", "sms"];

/** Renders one reply effect for a channel. */
export function renderReply(
  effect: Extract<Effect, { kind: "reply" }>,
  locale: Locale,
  channel: InboundChannel,
): ReplyBody {
  const text = translate(locale, effect.key, effect.params ?? {});
  const choices = effect.choices?.map((c) => ({
    id: c.id,
    title: c.title ?? translate(locale, c.titleKey ?? ""),
  }));
  const subject = channel === "email" ? translate(locale, "conversation.subject") : undefined;
  if (!choices || choices.length === 0) return { text, subject, requestLocation: effect.requestLocation };
  if (WITH_BUTTONS.includes(channel))
    return { text, subject, choices, requestLocation: effect.requestLocation };
  const list = choices.map((c, i) => `${i + 1}. ${c.title}`).join("\n");
  return { text: `${text}\n${list}`, subject, requestLocation: effect.requestLocation };
}
