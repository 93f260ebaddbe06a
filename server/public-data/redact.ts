/**
 * Contact details and documents found in free text, hidden before the text leaves through a public endpoint. It
 * catches what has a shape (e-mail addresses, Brazilian phone numbers, CPF numbers), not names: free text written
 * by citizens is never published (decision 0013); this guards what staff write on public timeline events.
 */

/** What replaces a hidden value: no language, so the same in every locale. */
export const REDACTED = "[…]";

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
// CPF: 000.000.000-00 with or without the dots and the dash.
const CPF = /(?<!\d)\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?!\d)/g;
// A phone: +55, a two-digit area code in brackets or not, 8 or 9 digits in two groups; never part of a longer
// run of digits (a protocol number has 14).
const PHONE = /(?<![\d+])(?:\+?55[\s.-]?)?(?:\(?\d{2}\)?[\s.-]?)?9?\d{4}[\s.-]?\d{4}(?!\d)/g;

/** `text` with every e-mail address, CPF and phone number replaced by `REDACTED`. */
export function redactContacts(text: string): string {
  return text.replace(EMAIL, REDACTED).replace(CPF, REDACTED).replace(PHONE, REDACTED);
}

/** A copy of event data whose string values (at any depth) have their contacts redacted. */
export function redactContactsDeep<T>(value: T): T {
  if (typeof value === "string") return redactContacts(value) as T;
  if (Array.isArray(value)) return value.map(redactContactsDeep) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactContactsDeep(v)])) as T;
  }
  return value;
}
