/**
 * Finds a street address in what the agent typed of the caller's words ("buraco na Rua Augusta 1200, em frente à
 * padaria" → "Rua Augusta 1200"), so the place is looked up without typing the address twice. Brazilian street
 * types, their usual abbreviations, and a number after the name (with or without "nº" or a comma). Pure: unit-tested.
 */
const STREET_TYPES =
  "rua|r\\.?|avenida|av\\.?|alameda|al\\.|travessa|tv\\.|trav\\.|pra[cç]a|p[cç]a\\.?|estrada|estr\\.|largo|lgo\\.|rodovia|rod\\.|viela|viaduto|ladeira|parque|passagem";

const ADDRESS = new RegExp(
  // The type, then the name (letters, spaces, apostrophes, dots and hyphens; no digits), then the number.
  `(?:^|[^\\p{L}])((?:${STREET_TYPES})\\s+[\\p{L}'’.\\- ]{2,80}?)\\s*,?\\s*(?:(?:n[uú]m(?:ero)?\\.?|n[º°o.]?)\\s*)?(\\d{1,5})(?!\\d)`,
  "iu",
);

/** The first street address in a text, as "Type Name Number", or null when there is none. */
export function addressIn(text: string): string | null {
  const match = ADDRESS.exec(text);
  if (!match) return null;
  const street = match[1]!.replace(/\s+/g, " ").trim();
  // "na rua em frente ao número 1200" names no street: the name must not be only filler words.
  const name = street.split(" ").slice(1).join(" ");
  if (/^(?:d[aeo]s?|em|na|no|perto|frente|ao|à|a|de|do|da)(?:\s|$)/i.test(name) && name.split(" ").length < 2)
    return null;
  if (/\b(?:em frente|perto|ao lado|esquina)\b/i.test(name)) return null;
  return `${street} ${match[2]}`;
}
