/**
 * Which channel a message goes out on: the channel the demand came in on when the citizen has a contact there,
 * then the citizen's other contacts, e-mail first (free, keeps long answers whole), then WhatsApp, Telegram, SMS.
 * Only channels with a registered adapter count; one address per channel.
 */
import type { OutboundChannel } from "../../channels/index.ts";

/** Where one attempt may go. */
export interface Recipient {
  channel: OutboundChannel;
  address: string;
}

const ORDER: readonly OutboundChannel[] = ["email", "whatsapp", "telegram", "sms"];

// A contact's channel (citizen_contacts.channel) → the outbound channel that reaches it. A plain phone number can
// take an SMS; WhatsApp only when the person gave the number for WhatsApp.
const REACHES: Record<string, OutboundChannel> = {
  email: "email",
  whatsapp: "whatsapp",
  telegram: "telegram",
  sms: "sms",
  phone: "sms",
};

/** The recipients to try, in order, for a demand that came in on `demandChannel`. */
export function chooseRecipients(
  demandChannel: string | undefined,
  contacts: readonly { channel: string; value: string }[],
  available: readonly OutboundChannel[],
): Recipient[] {
  const first = demandChannel ? REACHES[demandChannel] : undefined;
  const order = first ? [first, ...ORDER.filter((c) => c !== first)] : ORDER;
  const out: Recipient[] = [];
  for (const channel of order) {
    if (!available.includes(channel)) continue;
    // A contact given for the channel itself wins over one that merely reaches it (sms over phone).
    const contact =
      contacts.find((c) => c.channel === channel) ?? contacts.find((c) => REACHES[c.channel] === channel);
    if (contact) out.push({ channel, address: contact.value });
  }
  return out;
}

/** An error text with e-mail addresses and long digit runs (phone numbers) masked, for logs, events and alarms. */
export function redactAddresses(text: string): string {
  return text
    .replace(/[^\s<>@"']+@[^\s<>@"']+/g, "[address]")
    .replace(/\+\d{10,15}\b|\b55\d{10,11}\b/g, "[number]");
}
