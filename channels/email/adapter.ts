/**
 * E-mail over SMTP with nodemailer. Each message carries a Message-ID made from its stable key, so a resend after a
 * crash is the same message to every mail system on the way. Without an SMTP URL the adapter writes each message
 * as an .eml file (nodemailer's stream transport) into a folder: the demo works with no mail server, and a real
 * one needs only the URL. SMTP replies 4xx and connection problems are temporary; 5xx are permanent.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { type ChannelAdapter, DeliveryError, type OutgoingMessage } from "../channel.ts";

/** How the e-mail adapter reaches the world. */
export interface EmailOptions {
  /** smtp:// or smtps:// URL of the relay (nodemailer syntax: user, password, `?pool=false` …); unset writes files. */
  smtpUrl?: string | undefined;
  /** The From header: `Name <address>`. */
  from: string;
  /** Folder for .eml files when there is no SMTP URL. */
  mailDir: string;
}

// Bounded so that one send always ends well within the worker's lease on its outbox row (300 s): a send that
// outlived the lease could be taken and sent again by another worker.
const TIMEOUTS = { connectionTimeout: 20_000, greetingTimeout: 15_000, socketTimeout: 45_000 };

/** The domain of an address in a From header, for Message-IDs. */
function domainOf(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  return address.split("@")[1]?.trim() || "responsiva.localhost";
}

/** The Message-ID of a message key: `<key@domain>`, the key reduced to characters legal there. */
export function messageIdOf(key: string, from: string): string {
  return `<${key.replace(/[^A-Za-z0-9.\-_]/g, "-")}@${domainOf(from)}>`;
}

/** Tells whether an SMTP failure may pass on a later try: 4xx and network trouble yes, 5xx no. */
export function isTemporary(error: unknown): boolean {
  const e = error as { responseCode?: number; code?: string };
  // A refused login is the relay's configuration, not this message: retried until someone fixes it.
  if (e.code === "EAUTH" || e.code === "ENOAUTH") return true;
  if (typeof e.responseCode === "number") return e.responseCode < 500;
  return true;
}

function mailOf(message: OutgoingMessage, from: string) {
  return {
    from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    messageId: messageIdOf(message.key, from),
    // The bytes when the core read them; else nodemailer fetches the link.
    attachments: (message.attachments ?? []).map((a) => ({
      filename: a.fileName,
      contentType: a.mediaType,
      ...(a.content ? { content: a.content } : { href: a.url }),
    })),
    headers: {
      // RFC 3834: an automatic message; vacation responders stay quiet.
      "Auto-Submitted": "auto-generated",
      "Content-Language": message.locale,
      // RFC 8058: a mail client's "unsubscribe" button POSTs to the address, no page to open.
      ...(message.unsubscribeUrl
        ? {
            "List-Unsubscribe": `<${message.unsubscribeUrl}>`,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
          }
        : {}),
    },
  };
}

/** The e-mail adapter over SMTP (or over files, without an SMTP URL). */
export function createEmailAdapter(options: EmailOptions): ChannelAdapter {
  if (!options.smtpUrl) return createFileAdapter(options);
  // Pooled by default: a worker sends message after message, and a new connection per message costs a handshake
  // (and a greet pause on many relays). `?pool=false` in the URL turns it off; the URL's options win.
  const transport = nodemailer.createTransport({ pool: true, ...TIMEOUTS, url: options.smtpUrl });
  return {
    channel: "email",
    async send(message) {
      try {
        const mail = mailOf(message, options.from);
        await transport.sendMail(mail);
        // The Message-ID names the message: a bounce quotes it and a citizen's reply carries it in In-Reply-To, so
        // both find the message (the relay's "250 queued as …" names only its own queue entry).
        return { providerId: mail.messageId };
      } catch (error) {
        throw new DeliveryError(error instanceof Error ? error.message : String(error), isTemporary(error));
      }
    },
    async close() {
      transport.close();
    },
  };
}

/** Writes each message as `<key>.eml` under `mailDir`; a resend overwrites the same file. */
function createFileAdapter(options: EmailOptions): ChannelAdapter {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    channel: "email",
    async send(message) {
      try {
        const info = await transport.sendMail(mailOf(message, options.from));
        const name = `${message.key.replace(/[^A-Za-z0-9.\-_]/g, "-")}.eml`;
        await mkdir(options.mailDir, { recursive: true });
        await writeFile(join(options.mailDir, name), info.message as Buffer);
        return { providerId: `file:${name}` };
      } catch (error) {
        throw new DeliveryError(error instanceof Error ? error.message : String(error), true);
      }
    },
    async close() {},
  };
}
