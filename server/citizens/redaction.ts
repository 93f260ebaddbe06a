/**
 * The one regular expression (PostgreSQL ARE syntax, matched case-insensitively) that finds a person's name,
 * document, e-mail and phone numbers inside free text, for erasure.
 */
import type { ContactChannel } from "./contacts.ts";

// Separators people write inside phone numbers and documents: spaces, dots, dashes, brackets.
const SEP = "[ ().-]*";

/** An ARE pattern matching any identifier of the person, or undefined when there is nothing to look for. */
export function personalDataPattern(person: {
  name: string | null;
  document: string | null;
  contacts: { channel: ContactChannel; value: string }[];
}): string | undefined {
  const parts: string[] = [];
  // Names shorter than 4 letters would redact ordinary words.
  if (person.name && person.name.trim().length >= 4) parts.push(`\\m${escapeRegex(person.name.trim())}\\M`);
  if (person.document) parts.push(digitsPattern(person.document));
  for (const c of person.contacts) {
    if (c.channel === "email" || c.channel === "telegram") parts.push(escapeRegex(c.value));
    else parts.push(phonePattern(c.value));
  }
  return parts.length > 0 ? `(${parts.join("|")})` : undefined;
}

// A Brazilian number may be written with or without +55, and with any separators between its digits.
function phonePattern(e164: string): string {
  const national = e164.startsWith("55") ? e164.slice(2) : e164;
  const country = e164.startsWith("55") ? `(\\+?${SEP}55${SEP})?` : `\\+?${SEP}`;
  return `${country}${digitsPattern(national)}`;
}

function digitsPattern(digits: string): string {
  return digits.replace(/\D/g, "").split("").join(SEP);
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&").replace(/\s+/g, "\\s+");
}
