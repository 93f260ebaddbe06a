/**
 * The two SMS alphabets (3GPP TS 23.038) and their limits: the GSM 7-bit default alphabet (160 septets in one
 * message, 153 in each part of a concatenated one, the extension table's characters taking two) and UCS-2 (70 UTF-16
 * code units, 67 per part). A text that has one character outside the GSM alphabet goes entirely in UCS-2, which
 * costs more than twice the messages: `fitSms` can fold Portuguese accents to their GSM forms first, and shortens a
 * text that would need more parts than the city allows, at a word, with "...".
 */

/** The default alphabet, by code (0x1B is the escape to the extension table). */
export const GSM_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/** The extension table: character → its code after the escape. */
export const GSM_EXTENSION: ReadonlyMap<string, number> = new Map([
  ["\f", 0x0a],
  ["^", 0x14],
  ["{", 0x28],
  ["}", 0x29],
  ["\\", 0x2f],
  ["[", 0x3c],
  ["~", 0x3d],
  ["]", 0x3e],
  ["|", 0x40],
  ["€", 0x65],
]);

const BASIC = new Map([...GSM_BASIC].map((c, i) => [c, i] as const).filter(([c]) => c !== "\u001b"));
const EXTENSION_BY_CODE = new Map([...GSM_EXTENSION].map(([c, code]) => [code, c] as const));

/** Septets per message: one alone, or each part of a concatenated message (its header takes the rest). */
export const SMS_LIMITS = {
  gsm7: { single: 160, part: 153 },
  ucs2: { single: 70, part: 67 },
} as const;

export type SmsEncoding = keyof typeof SMS_LIMITS;

/** The septets one character takes in GSM-7 (2 for the extension table), or undefined outside the alphabet. */
function septetsOf(char: string): number | undefined {
  if (BASIC.has(char)) return 1;
  if (GSM_EXTENSION.has(char)) return 2;
  return undefined;
}

/** Whether every character of `text` is in the GSM 7-bit alphabet (with its extension table). */
export function isGsm7(text: string): boolean {
  for (const char of text) if (septetsOf(char) === undefined) return false;
  return true;
}

/** The units a character takes in `encoding`: septets, or UTF-16 code units. */
const unitsOf = (char: string, encoding: SmsEncoding) =>
  encoding === "gsm7" ? (septetsOf(char) ?? 1) : char.length;

/**
 * Splits `text` into the parts a phone receives: one when it fits a single message, else parts of the
 * concatenated size, never splitting a character (an escaped pair or a surrogate pair) across two.
 */
export function smsParts(text: string, encoding: SmsEncoding = isGsm7(text) ? "gsm7" : "ucs2"): string[] {
  const limits = SMS_LIMITS[encoding];
  const chars = [...text];
  const total = chars.reduce((n, c) => n + unitsOf(c, encoding), 0);
  if (total <= limits.single) return [text];
  const parts: string[] = [];
  let current = "";
  let used = 0;
  for (const char of chars) {
    const units = unitsOf(char, encoding);
    if (used + units > limits.part) {
      parts.push(current);
      current = "";
      used = 0;
    }
    current += char;
    used += units;
  }
  if (current) parts.push(current);
  return parts;
}

/** Typographic characters with a plain GSM form; anything else outside the alphabet loses its accent or is "?". */
const PLAIN: Record<string, string> = {
  "\u2013": "-",
  "\u2014": "-",
  "\u2018": "'",
  "\u2019": "'",
  "\u201c": '"',
  "\u201d": '"',
  "\u2026": "...",
  "\u00a0": " ",
  º: "o",
  ª: "a",
  "\u2022": "-",
  "\t": " ",
};

/** `text` in the GSM alphabet: "ã" → "a", "ç" → "c", "“" → '"'; characters already in it are kept ("é", "à"). */
export function foldToGsm7(text: string): string {
  let folded = "";
  for (const char of text) {
    if (septetsOf(char) !== undefined) folded += char;
    else if (PLAIN[char] !== undefined) folded += PLAIN[char];
    else {
      const bare = char.normalize("NFD").replace(/\p{M}+/gu, "");
      folded += bare && isGsm7(bare) ? bare : "?";
    }
  }
  return folded;
}

/** A text made ready for SMS: its encoding, and the parts it takes (at most `maxParts`). */
export interface FittedSms {
  text: string;
  encoding: SmsEncoding;
  parts: number;
  /** Whether the text was shortened to fit. */
  shortened: boolean;
}

/**
 * Makes `text` fit at most `maxParts` messages: folded to GSM-7 when `fold` is set (the cheaper alphabet), else in
 * GSM-7 only when every character allows it; when it is longer, its body is shortened at the last word that fits,
 * with "...", and `keep` (the numbered choices the citizen answers with) always follows whole.
 */
export function fitSms(
  text: string,
  options: { maxParts: number; fold?: boolean; keep?: string },
): FittedSms {
  const fold = (t: string) => (options.fold ? foldToGsm7(t) : t);
  const body = fold(text);
  const keep = options.keep ? `\n${fold(options.keep)}` : "";
  const whole = body + keep;
  const encoding: SmsEncoding = isGsm7(whole) ? "gsm7" : "ucs2";
  const parts = smsParts(whole, encoding);
  if (parts.length <= options.maxParts)
    return { text: whole, encoding, parts: parts.length, shortened: false };
  const limits = SMS_LIMITS[encoding];
  const capacity = options.maxParts === 1 ? limits.single : limits.part * options.maxParts;
  const units = (t: string) => [...t].reduce((n, c) => n + unitsOf(c, encoding), 0);
  const ellipsis = "...";
  // A part boundary may fall inside a character pair: a few units of margin per part keep the count honest.
  const room = capacity - units(keep) - ellipsis.length - options.maxParts;
  let kept = "";
  let used = 0;
  for (const char of body) {
    const size = unitsOf(char, encoding);
    if (used + size > room) break;
    kept += char;
    used += size;
  }
  const atWord = kept.replace(/\s+\S*$/u, "");
  const short = `${(atWord.length > kept.length / 2 ? atWord : kept).trimEnd()}${ellipsis}${keep}`;
  return { text: short, encoding, parts: smsParts(short, encoding).length, shortened: true };
}

/** Decodes GSM default-alphabet codes, one per byte (unpacked, as SMPP carries them), with extension escapes. */
export function decodeGsm7(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) {
    const code = bytes[i]! & 0x7f;
    if (code === 0x1b && i + 1 < bytes.length) {
      text += EXTENSION_BY_CODE.get(bytes[++i]! & 0x7f) ?? " ";
    } else text += GSM_BASIC[code] === "\u001b" ? " " : GSM_BASIC[code];
  }
  return text;
}

/** Encodes GSM-7 text as unpacked codes, one per byte (extension characters as escape + code). */
export function encodeGsm7(text: string): Buffer {
  const codes: number[] = [];
  for (const char of text) {
    const basic = BASIC.get(char);
    if (basic !== undefined) codes.push(basic);
    else {
      const extended = GSM_EXTENSION.get(char);
      if (extended === undefined) codes.push(BASIC.get("?")!);
      else codes.push(0x1b, extended);
    }
  }
  return Buffer.from(codes);
}
