/**
 * Becoming a citizen auditor in a conversation (issue 18, docs/auditors.md "Enrolment by WhatsApp"): "quero ser
 * cidadão auditor" starts it on WhatsApp, whose number the provider vouches for. The consent text is shown and
 * accepted first (LGPD), then the place (an address with a number, or a shared location: it must fall on a fiscal
 * block), the days and the time of day a call is welcome, and a summary to confirm. Confirming is an effect — the
 * caller enrols in the step's transaction with the channel it came by, so what the citizen is told matches what was
 * written. "não quero mais ser auditor" revokes at once, and says the same whether or not the number was enrolled.
 */
import type { InboundContent } from "../../channels/channel.ts";
import { translate } from "../i18n.ts";
import type { ConversationLocale } from "./flows.ts";
import { fold, yesOrNo } from "./intents.ts";
import {
  type ConversationPorts,
  type ConversationState,
  type Effect,
  newConversation,
  type ReplyChoice,
  reply,
  retry,
  textOf,
} from "./state.ts";

/** The days and the time of day offered, as weekly windows (inside the calls' day, 08:00–21:00). */
export const AUDITOR_DAYS = {
  weekdays: [1, 2, 3, 4, 5],
  weekend: [0, 6],
  every: [0, 1, 2, 3, 4, 5, 6],
} as const;
export const AUDITOR_HOURS = {
  morning: { starts: "09:00", ends: "12:00" },
  afternoon: { starts: "14:00", ends: "18:00" },
  evening: { starts: "18:00", ends: "21:00" },
} as const;
type Days = keyof typeof AUDITOR_DAYS;
type Hours = keyof typeof AUDITOR_HOURS;

/** The enrolment being made in the conversation. */
export interface AuditorDraft {
  asking: "consent" | "place" | "days" | "hours" | "confirm";
  place?: { lat: number; lon: number; label: string } | undefined;
  days?: Days | undefined;
  hours?: Hours | undefined;
}

/** The channels where a conversation may enrol: the number is the provider's, not typed by the sender. */
const ENROLLING_CHANNELS = new Set(["whatsapp"]);

/** "quero ser cidadão auditor" → enrol; "não quero mais ser auditor", "sair do auditor" → leave; else undefined. */
export function auditorIntent(text: string): "enrol" | "leave" | undefined {
  const folded = fold(text);
  if (!/\bauditor(a|es|as)?\b/.test(folded)) return undefined;
  if (/\b(sair|parar|deixar|cancelar|nao quero|descadastrar|leave|stop|quit|dejar)\b/.test(folded))
    return "leave";
  // A demand that mentions an auditor ("o auditor fiscal não veio") is not a wish to become one.
  const wish =
    /^auditor(a)?$/.test(folded) ||
    /\b(cidadao|cidada|citizen|ciudadan[oa])s? auditor/.test(folded) ||
    /\bauditor(a)?s? (cidadao|cidada|ciudadan[oa])/.test(folded) ||
    /\b(ser|quero|inscrever|inscricao|cadastrar|participar|be|become|join|enrol|enroll|quiero|inscribir)\b.*\bauditor/.test(
      folded,
    );
  return wish ? "enrol" : undefined;
}

const choice = (id: string, key: string): ReplyChoice => ({ id, titleKey: `conversation.auditor.${key}` });
const CONSENT: ReplyChoice[] = [
  choice("auditor:accept", "choice_accept"),
  choice("auditor:decline", "choice_decline"),
];
const DAYS: ReplyChoice[] = (Object.keys(AUDITOR_DAYS) as Days[]).map((d) =>
  choice(`days:${d}`, `days_${d}`),
);
const HOURS: ReplyChoice[] = (Object.keys(AUDITOR_HOURS) as Hours[]).map((h) =>
  choice(`hours:${h}`, `hours_${h}`),
);
const CONFIRM: ReplyChoice[] = [
  { id: "yes", titleKey: "conversation.auditor.choice_confirm" },
  { id: "cancel", titleKey: "conversation.choice_cancel" },
];

const asked = (state: ConversationState, auditor: AuditorDraft) => ({
  ...state,
  step: "auditor" as const,
  retries: 0,
  auditor,
});

/** The question for what the draft still lacks, in the conversation's language. */
function question(draft: AuditorDraft, locale: ConversationLocale): Effect {
  switch (draft.asking) {
    case "consent":
      return reply("conversation.auditor.consent", {
        params: { consent: translate(locale, "web.portal.auditor.consent_text") },
        choices: CONSENT,
      });
    case "place":
      return reply("conversation.auditor.ask_place", { requestLocation: true });
    case "days":
      return reply("conversation.auditor.ask_days", { choices: DAYS });
    case "hours":
      return reply("conversation.auditor.ask_hours", { choices: HOURS });
    case "confirm":
      return reply("conversation.auditor.confirm", {
        params: {
          place: draft.place?.label ?? "",
          days: translate(locale, `conversation.auditor.days_${draft.days}`),
          hours: translate(locale, `conversation.auditor.hours_${draft.hours}`),
        },
        choices: CONFIRM,
      });
  }
}

/** Starts the enrolment, or the leaving, from an idle conversation. */
export function startAuditor(
  state: ConversationState,
  intent: "enrol" | "leave",
  ports: ConversationPorts,
): { state: ConversationState; effects: Effect[] } {
  if (!ENROLLING_CHANNELS.has(ports.channel ?? ""))
    return { state, effects: [reply("conversation.auditor.elsewhere")] };
  if (intent === "leave") return { state, effects: [{ kind: "auditor_leave" }] };
  const draft: AuditorDraft = { asking: "consent" };
  return { state: asked(state, draft), effects: [question(draft, state.locale)] };
}

/** The next answer of the enrolment. */
export async function answerAuditor(
  state: ConversationState,
  content: InboundContent,
  ports: ConversationPorts,
): Promise<{ state: ConversationState; effects: Effect[] }> {
  const draft = state.auditor;
  if (!draft) return { state: newConversation(state.locale), effects: [reply("conversation.welcome")] };
  const text = textOf(content);
  const id = content.kind === "choice" ? content.id : undefined;
  const asking = question(draft, state.locale);
  const again = (key?: string) =>
    retry(state, key ?? (asking.kind === "reply" ? asking.key : "conversation.welcome"), pick(asking));
  switch (draft.asking) {
    case "consent": {
      const yes = id === "auditor:accept" ? true : id === "auditor:decline" ? false : text && yesOrNo(text);
      if (yes === false)
        return { state: newConversation(state.locale), effects: [reply("conversation.auditor.declined")] };
      if (yes !== true) return again();
      const next: AuditorDraft = { ...draft, asking: "place" };
      return { state: asked(state, next), effects: [question(next, state.locale)] };
    }
    case "place": {
      const place =
        content.kind === "location"
          ? await ports.placeOfPoint(content.lat, content.lon)
          : text
            ? await ports.locate(text)
            : null;
      if (place?.lat === undefined || place.lon === undefined)
        return again("conversation.auditor.place_again");
      const next: AuditorDraft = {
        ...draft,
        asking: "days",
        place: { lat: place.lat, lon: place.lon, label: place.label },
      };
      return { state: asked(state, next), effects: [question(next, state.locale)] };
    }
    case "days": {
      const days = pickedOf(id, text, "days", DAYS) as Days | undefined;
      if (!days) return again();
      const next: AuditorDraft = { ...draft, asking: "hours", days };
      return { state: asked(state, next), effects: [question(next, state.locale)] };
    }
    case "hours": {
      const hours = pickedOf(id, text, "hours", HOURS) as Hours | undefined;
      if (!hours) return again();
      const next: AuditorDraft = { ...draft, asking: "confirm", hours };
      return { state: asked(state, next), effects: [question(next, state.locale)] };
    }
    case "confirm": {
      const yes = id === "yes" ? true : id === "cancel" ? false : text && yesOrNo(text);
      if (yes === false)
        return { state: newConversation(state.locale), effects: [reply("conversation.cancelled")] };
      if (yes !== true || !draft.place || !draft.days || !draft.hours)
        return again("conversation.auditor.confirm_again");
      const hours = AUDITOR_HOURS[draft.hours];
      return {
        state: newConversation(state.locale),
        effects: [
          {
            kind: "auditor_enrol",
            place: draft.place,
            windows: AUDITOR_DAYS[draft.days].map((weekday) => ({ weekday, ...hours })),
          },
        ],
      };
    }
  }
}

const pick = (effect: Effect) =>
  effect.kind === "reply"
    ? {
        ...(effect.choices ? { choices: effect.choices } : {}),
        ...(effect.requestLocation ? { requestLocation: true } : {}),
      }
    : {};

/** The option picked: its button, or the name typed ("manhã", "dias úteis") matched loosely. */
function pickedOf(
  id: string | undefined,
  text: string | undefined,
  prefix: string,
  choices: ReplyChoice[],
): string | undefined {
  if (id?.startsWith(`${prefix}:`)) return id.slice(prefix.length + 1);
  if (!text) return undefined;
  const folded = fold(text);
  const WORDS: Record<string, string[]> = {
    weekdays: ["uteis", "segunda", "durante a semana", "dias de semana", "weekdays", "laborables"],
    weekend: ["fim de semana", "fins de semana", "sabado", "domingo", "weekend", "fin de semana"],
    every: ["todos", "todo dia", "qualquer", "every", "todos los dias"],
    morning: ["manha", "morning", "manana"],
    afternoon: ["tarde", "afternoon"],
    evening: ["noite", "evening", "noche"],
  };
  const found = choices
    .map((c) => c.id.slice(prefix.length + 1))
    .find((key) => (WORDS[key] ?? []).some((w) => folded.includes(w)));
  return found;
}
