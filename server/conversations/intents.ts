/**
 * What a citizen's written message asks for, before any flow reads it: stop messages, a person, back, cancel,
 * yes/no, a protocol number (with the typo a keypad or a thumb makes), a choice by its number, the language. Pure:
 * the conversation engine (engine.ts) asks these first, on every channel, so "SAIR" works in the middle of any flow.
 * Matching is on the text folded to lower case without accents, whole words only ("parar" stops; "não para de
 * vazar" does not).
 */
import { hasValidCheckDigit, SERIAL_DIGITS } from "../../domain/protocol.ts";

/** Lower case, no accents, punctuation as spaces, single spaces. */
export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** Whole messages that stop every message on the channel (the providers' and Brazil's usual words). */
const STOP = new Set([
  "sair",
  "parar",
  "pare",
  "stop",
  "descadastrar",
  "cancelar mensagens",
  "unsubscribe",
  "stopall",
  "end",
  "quit",
  "baja",
  "detener",
]);

/** True when the whole message is a stop word ("SAIR", "Parar.", "stop"). */
export function isStop(text: string): boolean {
  return STOP.has(fold(text));
}

const PERSON = [
  "atendente",
  "falar com alguem",
  "falar com uma pessoa",
  "falar com pessoa",
  "falar com humano",
  "pessoa de verdade",
  "operador",
  "operadora",
  "atendimento humano",
  "agent",
  "human",
  "talk to someone",
  "talk to a person",
  "speak to someone",
  "agente",
  "hablar con alguien",
  "hablar con una persona",
  "persona real",
];

/** True when the citizen asks for a person anywhere in the message ("quero falar com alguém, por favor"). */
export function wantsPerson(text: string): boolean {
  const words = ` ${fold(text)} `;
  return PERSON.some((p) => words.includes(` ${p} `));
}

const BACK = new Set(["voltar", "volta", "anterior", "back", "volver", "atras"]);
const CANCEL = new Set(["cancelar", "cancela", "desistir", "desisto", "cancel", "cancelar pedido"]);
const YES = new Set([
  "sim",
  "s",
  "isso",
  "isso mesmo",
  "ok",
  "certo",
  "correto",
  "confirmo",
  "confirmar",
  "yes",
  "y",
  "si",
  "claro",
  "pode",
  "exato",
]);
const NO = new Set(["nao", "n", "no", "errado", "negativo", "nao e", "nao e isso"]);

/** True when the whole message asks to go back one question. */
export const isBack = (text: string) => BACK.has(fold(text));
/** True when the whole message cancels what is being filed. */
export const isCancel = (text: string) => CANCEL.has(fold(text));

/** Yes or no when the message is one (a leading "sim, …" counts), else undefined. */
export function yesOrNo(text: string): boolean | undefined {
  const folded = fold(text);
  if (YES.has(folded)) return true;
  if (NO.has(folded)) return false;
  const first = folded.split(" ")[0] ?? "";
  if (first === "sim" || first === "yes" || first === "si") return true;
  if (first === "nao" || first === "no") return false;
  return undefined;
}

/** The number a citizen picked from a numbered list of `count` ("2", "2.", "opção 2"), 1-based; else undefined. */
export function pickedNumber(text: string, count: number): number | undefined {
  const m = /^(?:opcao |opcion |option |numero |n )?(\d{1,2})$/.exec(fold(text));
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= 1 && n <= count ? n : undefined;
}

const PROTOCOL_LENGTH = 4 + SERIAL_DIGITS + 1;

/**
 * The protocol numbers a message may mean. A number whose check digit holds is taken as typed. One that fails is
 * a typo: every number one substitution or one swap of neighbours away whose check digit holds (the Damm digit
 * catches each of those mistakes, so the typed number itself is never among them), for the caller to keep only
 * those it can show this sender. Spaces, dots, dashes and slashes inside the number are ignored.
 */
export function protocolCandidates(text: string): { typed: string; candidates: string[] } | undefined {
  const run = /\d[\d\s./-]{11,30}\d/.exec(text)?.[0];
  const digits = run?.replace(/[\s./-]/g, "");
  if (!digits || digits.length < PROTOCOL_LENGTH || digits.length > PROTOCOL_LENGTH + 3) return undefined;
  if (hasValidCheckDigit(digits)) return { typed: digits, candidates: [digits] };
  const found = new Set<string>();
  for (let i = 0; i < digits.length; i++) {
    for (let d = 0; d <= 9; d++) {
      const changed: string = `${digits.slice(0, i)}${d}${digits.slice(i + 1)}`;
      if (changed !== digits && hasValidCheckDigit(changed)) found.add(changed);
    }
    if (i + 1 < digits.length && digits[i] !== digits[i + 1]) {
      const swapped: string = `${digits.slice(0, i)}${digits[i + 1]}${digits[i]}${digits.slice(i + 2)}`;
      if (hasValidCheckDigit(swapped)) found.add(swapped);
    }
  }
  // A year that is not plausible (before 2000, or the far future) is not a number the city issued.
  const years = [...found].filter((p) => Number(p.slice(0, 4)) >= 2000 && Number(p.slice(0, 4)) <= 2099);
  return { typed: digits, candidates: years };
}

const ENGLISH = new Set([
  "hello",
  "hi",
  "the",
  "is",
  "there",
  "street",
  "please",
  "english",
  "hole",
  "light",
  "my",
]);
const SPANISH = new Set([
  "hola",
  "calle",
  "esta",
  "hay",
  "por",
  "favor",
  "espanol",
  "luz",
  "basura",
  "un",
  "una",
]);
const PORTUGUESE = new Set([
  "ola",
  "oi",
  "rua",
  "tem",
  "um",
  "uma",
  "na",
  "no",
  "por",
  "favor",
  "bom",
  "dia",
  "boa",
  "noite",
  "tarde",
  "nao",
  "esta",
]);

/**
 * The language a first message is written in, among the three the city answers in: the most words of a small
 * list of each; Portuguese unless English or Spanish clearly wins (a Brazilian city's default).
 */
export function detectLocale(text: string): "pt-BR" | "en" | "es" {
  const words = fold(text).split(" ");
  const score = (set: Set<string>) => words.filter((w) => set.has(w)).length;
  const pt = score(PORTUGUESE);
  const en = score(ENGLISH);
  const es = score(SPANISH);
  if (en >= 2 && en > pt && en > es) return "en";
  if (es >= 2 && es > pt && es > en) return "es";
  return "pt-BR";
}

/**
 * "seguir 2026…", "quero acompanhar o protocolo …", "follow …": follow a demand here; "parar de seguir …",
 * "deixar de acompanhar …", "unfollow …": stop. Undefined when the message asks neither (a protocol alone asks its
 * status).
 */
export function followIntent(text: string): "follow" | "unfollow" | undefined {
  const folded = fold(text);
  if (
    /\b(parar de (seguir|acompanhar)|deixar de (seguir|acompanhar)|nao (quero )?(seguir|acompanhar) mais|unfollow|stop following|dejar de seguir)\b/.test(
      folded,
    )
  )
    return "unfollow";
  if (
    /^(quero |queria |gostaria de )?(seguir|acompanhar|follow|seguir el|receber novidades d[aeo]s?)\b/.test(
      folded,
    )
  )
    return "follow";
  return undefined;
}
