/**
 * Contact normalisation: the one form each kind of contact is stored and matched in. E-mail in lower case; phone
 * numbers as E.164 digits without "+", Brazilian (+55) unless written with a country code.
 */

import { CONTACT_CHANNELS, type ContactChannel } from "../../domain/channels.ts";

/** The channels a contact can be held for (citizen_contacts.channel): domain/channels.ts. */
export { CONTACT_CHANNELS, type ContactChannel };

/** Channels whose value is a phone number: the same number matches across them. */
export const PHONE_CHANNELS: readonly ContactChannel[] = ["phone", "whatsapp", "sms"];

const COUNTRY = "55";

/** An e-mail address trimmed and lower-cased; undefined when it is not one. */
export function normaliseEmail(value: string): string | undefined {
  const email = value.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) && email.length <= 254 ? email : undefined;
}

/**
 * A phone number as E.164 digits: "(11) 98765-4321" → "5511987654321", "+1 212 555 0100" → "12125550100",
 * "0 21 11 98765-4321" (trunk and carrier prefix) → "5511987654321"; undefined when it cannot be a full number.
 */
export function normalisePhone(value: string): string | undefined {
  const trimmed = value.trim();
  let digits = trimmed.replace(/\D/g, "");
  if (trimmed.startsWith("+")) return isE164(digits) ? digits : undefined;
  if (digits.startsWith("00")) return isE164(digits.slice(2)) ? digits.slice(2) : undefined;
  if (digits.startsWith("0")) {
    // Brazilian long-distance dialling: 0, an optional two-digit carrier code, then area code and number.
    digits = digits.slice(1);
    if (digits.length === 12 || digits.length === 13) digits = digits.slice(2);
  }
  // Area code (two digits, never starting with 0) and an 8-digit landline or 9-digit mobile number.
  if (/^[1-9]\d{9,10}$/.test(digits)) return COUNTRY + digits;
  if (digits.startsWith(COUNTRY) && /^55[1-9]\d{9,10}$/.test(digits)) return digits;
  return undefined;
}

function isE164(digits: string): boolean {
  return /^[1-9]\d{7,14}$/.test(digits);
}

/** A Telegram chat id or @username, trimmed (usernames lower-cased: Telegram ignores their case). */
export function normaliseTelegram(value: string): string | undefined {
  const v = value.trim();
  if (/^-?\d{1,20}$/.test(v)) return v;
  if (/^@?[A-Za-z]\w{3,31}$/.test(v)) return `@${v.replace(/^@/, "").toLowerCase()}`;
  return undefined;
}

/** Normalises a contact of the given channel; undefined when the value is not valid for it. */
export function normaliseContact(channel: ContactChannel, value: string): string | undefined {
  if (channel === "email") return normaliseEmail(value);
  if (channel === "telegram") return normaliseTelegram(value);
  return normalisePhone(value);
}

/** Guesses what a free-text contact typed into a lookup is: an e-mail, else a phone number. */
export function parseLookupContact(value: string): { family: "email" | "phone"; value: string } | undefined {
  if (value.includes("@")) {
    const email = normaliseEmail(value);
    return email ? { family: "email", value: email } : undefined;
  }
  const phone = normalisePhone(value);
  return phone ? { family: "phone", value: phone } : undefined;
}

/** CPF or other document: digits only. */
export function normaliseDocument(value: string): string | undefined {
  const digits = value.replace(/\D/g, "");
  return digits.length >= 5 && digits.length <= 20 ? digits : undefined;
}
