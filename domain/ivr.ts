/**
 * The 156 line's IVR as data and the reading of what a caller did (issue 18): the menu's options (a key, an action),
 * the key pressed or the words said matched to an option, digits heard in speech, and a protocol number spoken digit
 * by digit. Pure: used by the server's call flow and by the admin screen's checks.
 */
import { z } from "zod";
import { LocalizedText } from "./attributes.ts";

/** The languages the IVR speaks. */
export const IVR_LANGUAGES = ["pt-BR", "en", "es"] as const;
export type IvrLanguage = (typeof IVR_LANGUAGES)[number];

/**
 * What an option does: the status of a demand by its protocol, an agent, another language, a message said,
 * enrolling the caller's number as a citizen auditor, or stopping the citizen-auditor calls to it (consent withdrawn
 * by phone).
 */
export const IVR_ACTIONS = [
  "status",
  "agent",
  "language",
  "message",
  "demand",
  "auditor_enrol",
  "auditor_opt_out",
] as const;

/** One option of the menu: the key that picks it and what it does. */
export const IvrOption = z
  .object({
    key: z.string().regex(/^[0-9*]$/),
    action: z.enum(IVR_ACTIONS),
    /** For `language`: the language the IVR speaks after it. */
    language: z.enum(IVR_LANGUAGES).optional(),
    /** For `message`: what the menu says to offer it ("to hear the counters' hours"), and what is said then. */
    label: LocalizedText.optional(),
    message: LocalizedText.optional(),
  })
  .refine((o) => o.action !== "language" || o.language !== undefined, {
    message: "a language option names its language",
    path: ["language"],
  })
  .refine((o) => o.action !== "message" || (o.message !== undefined && o.label !== undefined), {
    message: "a message option has its label and its text",
    path: ["message"],
  });
export type IvrOption = z.infer<typeof IvrOption>;

/** The prompts a city may word itself (else the locale's text is said). */
export const IVR_TEXT_KEYS = ["greeting", "after_hours", "goodbye"] as const;

/** The menu of a tenant's line. */
export const IvrMenu = z
  .object({
    enabled: z.boolean(),
    /** When agents answer: always, or in the calendar's opening hours (else the after-hours message). */
    agentHours: z.enum(["always", "calendar"]),
    options: z.array(IvrOption).min(1).max(12),
    texts: z.partialRecord(z.enum(IVR_TEXT_KEYS), LocalizedText).default({}),
  })
  .refine((m) => new Set(m.options.map((o) => o.key)).size === m.options.length, {
    message: "each key picks one option",
    path: ["options"],
  });
export type IvrMenu = z.infer<typeof IvrMenu>;

/** The menu a line gets until its city words its own: status, agent, English, Spanish. */
export const DEFAULT_IVR_MENU: IvrMenu = {
  enabled: true,
  agentHours: "calendar",
  options: [
    { key: "1", action: "status" },
    { key: "2", action: "agent" },
    { key: "8", action: "language", language: "es" },
    { key: "9", action: "language", language: "en" },
  ],
  texts: {},
};

const NUMBER_WORDS: Record<string, string> = {
  zero: "0",
  oh: "0",
  cero: "0",
  um: "1",
  uma: "1",
  one: "1",
  uno: "1",
  dois: "2",
  duas: "2",
  two: "2",
  dos: "2",
  tres: "3",
  three: "3",
  quatro: "4",
  four: "4",
  cuatro: "4",
  cinco: "5",
  five: "5",
  seis: "6",
  meia: "6", // "meia" (half a dozen) is how Brazilians say 6 on the phone
  six: "6",
  sete: "7",
  seven: "7",
  siete: "7",
  oito: "8",
  eight: "8",
  ocho: "8",
  nove: "9",
  nine: "9",
  nueve: "9",
};

/** Words without accents or punctuation, in lower case. */
function wordsOf(speech: string): string[] {
  return speech
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** The digits in what a caller said: figures as written ("2026 0000") and number words ("dois zero"), in order. */
export function digitsHeard(speech: string): string {
  return wordsOf(speech)
    .map((w) => (/^\d+$/.test(w) ? w : (NUMBER_WORDS[w] ?? "")))
    .join("");
}

/**
 * The option a caller picked: by the key pressed, else by a word of an option's name in the caller's language
 * (`names`: the words that name each action, e.g. "protocolo", "atendente"), else by a digit said ("dois", "two").
 * Names come before spoken digits: "falar com um atendente" has a "one" in it.
 */
export function pickOption(
  options: readonly IvrOption[],
  input: { digits?: string | undefined; speech?: string | undefined },
  names: Partial<Record<IvrOption["action"], readonly string[]>> = {},
): IvrOption | undefined {
  const pressed = input.digits?.trim().charAt(0);
  if (pressed) return options.find((o) => o.key === pressed);
  const heard = new Set(wordsOf(input.speech ?? ""));
  if (heard.size === 0) return undefined;
  const named = options.find((o) =>
    (names[o.action] ?? []).some((name) => wordsOf(name).every((w) => heard.has(w))),
  );
  if (named) return named;
  const said = digitsHeard(input.speech ?? "").charAt(0);
  return said ? options.find((o) => o.key === said) : undefined;
}

/** A protocol number said digit by digit in groups of four ("2 0 2 6, 0 0 0 0, 1 2 3 4, 7"): no TTS reads a year. */
export function spokenDigits(protocol: string): string {
  const groups = protocol.match(/\d{1,4}/g) ?? [];
  return groups.map((g) => g.split("").join(" ")).join(", ");
}
