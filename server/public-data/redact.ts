/**
 * The one rule for free text that leaves through a public output (Open311, the public view and its event stream,
 * webhooks to third parties, and anything added later): staff-written words keep their meaning, personal data is
 * replaced by `[…]`. Two layers: shapes anyone's data has (e-mail addresses, Brazilian phone numbers, CPF numbers,
 * the house number of an address) and what is known of the demand's own people (their names, contacts, documents
 * and the exact place they gave). Free text written by citizens is never published at all (decision 0013); this
 * guards what staff write on public timeline events. Decision 0020.
 */

/** What replaces a hidden value: no language, so the same in every locale. */
export const REDACTED = "[…]";

/** What is known of a demand's own people (its citizen and the followers of merged duplicates) and of its place. */
export interface KnownPerson {
  names: string[];
  /** CPF digits. */
  documents: string[];
  /** Contact values as stored: e-mail addresses in lower case, phone numbers as E.164 digits. */
  contacts: string[];
  /** The addresses as the people typed them (the demand's, and those of duplicates merged into it). */
  addresses: string[];
}

/** Nothing known: only the shapes are hidden. */
export const NOBODY: KnownPerson = { names: [], documents: [], contacts: [], addresses: [] };

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
// CPF: 000.000.000-00 with or without the dots and the dash.
const CPF = /(?<!\d)\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?!\d)/g;
// A phone: +55, a two-digit area code in brackets or not, 8 or 9 digits in two groups; never part of a longer
// run of digits (a protocol number has 14).
const PHONE = /(?<![\d+])(?:\+?55[\s.-]?)?(?:\(?\d{2}\)?[\s.-]?)?9?\d{4}[\s.-]?\d{4}(?!\d)/g;
// A house number: after "nº", "n.", "número", or after a street written with its type word and capitalised name
// words ("Rua Dr. Antônio de Barros, 1200", "Av. Paulista 900"); the street itself stays, it is public.
const NUMBER_MARK = /(\bn(?:[º°]|\.|úmero|umero)\s*)(\d{1,6}[A-Za-z]?)(?![\d\p{L}])/giu;
const STREET_TYPE =
  "(?:[Rr]ua|R\\.|[Aa]v(?:enida|\\.)?|[Aa]l(?:ameda|\\.)|[Tt]ravessa|[Tt]v\\.|[Pp]ra[çc]a|[Pp][çc]a\\.?|[Ee]strada|[Ee]str\\.|[Rr]odovia|[Ll]argo|[Vv]iela|[Bb]eco|[Ll]adeira)";
const STREET_WORD = "(?:[\\p{Lu}\\d][\\p{L}\\d.'’-]*|d[aeo]s?|e)(?![\\p{L}\\d])";
const STREET_NUMBER = new RegExp(
  `(\\b${STREET_TYPE}(?:\\s+${STREET_WORD}){1,8}?\\s*,?\\s*)(\\d{1,6}[A-Za-z]?)(?![\\d\\p{L}])`,
  "gu",
);

/** `text` with every e-mail address, CPF, phone number and house number replaced by `REDACTED`. */
export function redactContacts(text: string): string {
  return text
    .replace(EMAIL, REDACTED)
    .replace(CPF, REDACTED)
    .replace(PHONE, REDACTED)
    .replace(NUMBER_MARK, `$1${REDACTED}`)
    .replace(STREET_NUMBER, `$1${REDACTED}`);
}

// Particles of Portuguese and Spanish names, and words too short to tell a person by: never hidden alone.
const NAME_PARTICLES = new Set([
  "da",
  "de",
  "do",
  "das",
  "dos",
  "del",
  "la",
  "las",
  "los",
  "e",
  "y",
  "van",
  "von",
]);
// Letters and the accented forms people may write instead: names are matched without regard to accents or case.
const VARIANTS: Record<string, string> = {
  a: "aàáâãäå",
  e: "eèéêë",
  i: "iìíîï",
  o: "oòóôõö",
  u: "uùúûü",
  c: "cç",
  n: "nñ",
  y: "yýÿ",
};
// Separators people write inside phone numbers and documents.
const SEP = "[\\s().-]*";

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

function foldAccents(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
}

/** A pattern matching `word` whatever its accents and case. */
function wordPattern(word: string): string {
  return [...foldAccents(word)].map((ch) => (VARIANTS[ch] ? `[${VARIANTS[ch]}]` : escapeRegex(ch))).join("");
}

/** A pattern matching `digits` with any separators between them, never inside a longer run of digits. */
function digitsPattern(digits: string, prefix = ""): string {
  return `(?<!\\d)${prefix}${digits.split("").join(SEP)}(?!\\d)`;
}

/** Patterns of what is known of a demand's people: each name part, each document and contact, the house number. */
function knownPatterns(known: KnownPerson): string[] {
  const parts: string[] = [];
  for (const name of known.names) {
    // Each part of the name, so "Dona Maria" is hidden when the person is "Maria Aparecida da Silva".
    for (const word of name.split(/[\s.,]+/)) {
      if (word.length >= 3 && !NAME_PARTICLES.has(foldAccents(word))) {
        parts.push(`(?<![\\p{L}\\p{N}])${wordPattern(word)}(?![\\p{L}\\p{N}])`);
      }
    }
  }
  for (const document of known.documents) {
    const digits = document.replace(/\D/g, "");
    if (digits.length >= 6) parts.push(digitsPattern(digits));
  }
  for (const contact of known.contacts) {
    if (contact.includes("@")) {
      parts.push(wordPattern(contact));
      continue;
    }
    const digits = contact.replace(/\D/g, "");
    if (digits.length < 8) continue;
    // A Brazilian number is written with or without +55, and often without its area code.
    const national = digits.startsWith("55") && digits.length >= 12 ? digits.slice(2) : digits;
    parts.push(digitsPattern(national, `(?:\\+?${SEP}55${SEP})?`));
    if (national.length >= 10) parts.push(digitsPattern(national.slice(2)));
  }
  const numbers = known.addresses.flatMap((a) => a.match(/(?<![\p{L}\d])\d{1,6}(?!\d)/gu) ?? []);
  for (const n of new Set(numbers)) {
    // The numbers of the typed address ("Rua 25 de Março, 120, apto 31"): hidden wherever they stand alone.
    if (n.length >= 2) parts.push(`(?<![\\p{L}\\d.,:/-])${n}(?![\\d]|[.,:/-]\\d)`);
  }
  return parts;
}

// Compiled patterns of recently seen people: the same demand's texts are redacted many times in a feed.
const compiled = new Map<string, RegExp | null>();
const COMPILED_MAX = 500;

function knownRegex(known: KnownPerson): RegExp | null {
  const key = JSON.stringify(known);
  const hit = compiled.get(key);
  if (hit !== undefined) return hit;
  const parts = knownPatterns(known);
  const regex = parts.length > 0 ? new RegExp(parts.join("|"), "giu") : null;
  if (compiled.size >= COMPILED_MAX) compiled.clear();
  compiled.set(key, regex);
  return regex;
}

/**
 * `text` as it may leave through a public output: what is known of the demand's people (`known`) and every
 * e-mail, CPF, phone and house number replaced by `REDACTED`.
 */
export function redactPublicText(text: string, known: KnownPerson | null = NOBODY): string {
  const regex = known ? knownRegex(known) : null;
  // Shapes first: a whole "(11) 98765-4321" or e-mail goes as one, before its parts could match what is known.
  const shaped = redactContacts(text);
  return regex ? shaped.replace(regex, REDACTED) : shaped;
}

/** A copy of public event data whose string values (at any depth) went through `redactPublicText`. */
export function redactPublicDeep<T>(value: T, known: KnownPerson | null = NOBODY): T {
  if (typeof value === "string") return redactPublicText(value, known) as T;
  if (Array.isArray(value)) return value.map((v) => redactPublicDeep(v, known)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactPublicDeep(v, known)])) as T;
  }
  return value;
}

/** A copy of event data whose string values (at any depth) have their contacts redacted. */
export function redactContactsDeep<T>(value: T): T {
  return redactPublicDeep(value, NOBODY);
}
