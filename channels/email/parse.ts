/**
 * One e-mail (raw RFC 5322 bytes, as IMAP hands them over) turned into normalised inbound messages: the citizen's own
 * text, one media message per attachment, or — for a bounce of one of our messages — a "failed" receipt. Automatic
 * replies (vacation, "Resposta automática") are recognised and give nothing: answering them would start a loop
 * between two robots. No I/O besides mailparser reading the bytes.
 *
 * Ids: the text message carries the mail's Message-ID; each attachment `<Message-ID>#<MIME part>`, which is also its
 * media `ref` (the inbound poller's `fetchMedia` finds the mail again by its Message-ID, and `attachmentOf` reads it
 * from stored raw bytes). A mail without a Message-ID gets one made from a hash of its bytes, so fetching it twice
 * still gives one id.
 */
import { createHash } from "node:crypto";
import { type AddressObject, type Attachment, type ParsedMail, simpleParser } from "mailparser";
import { parseProtocol } from "../../domain/protocol.ts";
import { InboundError, type InboundMessage } from "../channel.ts";
import { stripReplyText } from "./reply-text.ts";

/** Mails above this size are refused unread (a 156 needs photos, not videos; IMAP servers cap near here too). */
export const MAX_EMAIL_BYTES = 10 * 1024 * 1024;
/** The citizen's text is cut here: a pasted document belongs in an attachment, not in a conversation turn. */
const MAX_TEXT_CHARS = 10_000;

/** What one e-mail turned out to be, with the messages it gives. */
export interface ParsedEmail {
  /** `message` from a person; `auto-reply` (dropped: no messages); `bounce` (a failed receipt, or nothing). */
  kind: "message" | "auto-reply" | "bounce";
  /** The Message-ID, with angle brackets (made up from a hash when the mail has none). */
  messageId: string;
  subject: string;
  /**
   * The protocol number in the subject, when it has a valid one ("Re: Solicitação 2026000012347 encerrada"): threads
   * a reply whose mail program dropped In-Reply-To, and a new e-mail that names its demand.
   */
  protocol?: string | undefined;
  messages: InboundMessage[];
}

// A run of digits with the separators people put in protocol numbers, never spanning a space ("[156] 2026…").
const PROTOCOL_TOKEN = /\d[\d./-]*\d/g;
// … and the same allowing single spaces, tried second ("2026 0000 1234 7" typed by hand).
const SPACED_PROTOCOL_TOKEN = /\d(?:[\d./-]| (?=\d))*\d/g;

/**
 * The first valid protocol number in a subject line, as clean digits (domain/protocol.ts's format and check digit),
 * or undefined. "Re: [156] Protocolo 2026-00001234-7 – resposta" gives "2026000012347".
 */
export function protocolOfSubject(subject: string): string | undefined {
  for (const pattern of [PROTOCOL_TOKEN, SPACED_PROTOCOL_TOKEN]) {
    for (const token of subject.match(pattern) ?? []) {
      const parsed = parseProtocol(token);
      if (parsed.ok) return parsed.protocol;
    }
  }
  return undefined;
}

// Subjects of vacation and out-of-office answers, as Gmail, Outlook and Exchange write them in pt, en and es.
const AUTO_REPLY_SUBJECT =
  /^\s*(auto(matic)?[ -]?(reply|response)\b|auto:|out of (the )?office|resposta autom[aá]tica|respuesta autom[aá]tica|fora do escrit[oó]rio|ausente\b|aus[eê]ncia (tempor[aá]ria|do escrit[oó]rio)|f[eé]rias\s*[:-]|vacation\b|abwesenheit)/i;

/** A header's value as one string ("" when absent). */
function header(mail: ParsedMail, name: string): string {
  const value = mail.headers.get(name);
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object" && "value" in value) return String(value.value);
  return String(value);
}

/**
 * True for an automatic reply (RFC 3834 Auto-Submitted other than "no", X-Autoreply / X-Autorespond, Precedence
 * bulk / junk / auto_reply, or an out-of-office subject).
 */
export function isAutoReply(mail: ParsedMail): boolean {
  const submitted = header(mail, "auto-submitted").trim().toLowerCase();
  if (submitted && !submitted.startsWith("no")) return true;
  if (mail.headers.has("x-autoreply") || mail.headers.has("x-autorespond")) return true;
  if (/^(bulk|junk|auto_reply)$/i.test(header(mail, "precedence").trim())) return true;
  return AUTO_REPLY_SUBJECT.test(mail.subject ?? "");
}

const MESSAGE_ID = /^message-id:\s*(<[^>\s]+>)/im;
const BOUNCE_SENDER = /^(mailer-daemon|postmaster|mail-daemon)@/i;
const BOUNCE_SUBJECT =
  /(undeliver|undelivered|delivery status notification|returned mail|failure notice|delivery failure|n[aã]o (foi )?entregue|mensagem devolvida|no se pudo entregar)/i;

/** What a bounce says about our message, when the mail is one. */
interface Bounce {
  /** Message-ID of our message that bounced, when the bounce quotes it. */
  original?: string | undefined;
  /** `delayed` is only a warning: the receiving system still tries. */
  action: "failed" | "delayed" | "delivered";
  detail: string;
}

/**
 * Reads a bounce: a multipart/report delivery-status (RFC 3464), or a plain-text notice from MAILER-DAEMON.
 * undefined when the mail is not one.
 */
export function bounceOf(mail: ParsedMail, sender: string): Bounce | undefined {
  const type = mail.headers.get("content-type") as
    | { value?: string; params?: Record<string, string> }
    | undefined;
  const isReport =
    type?.value?.toLowerCase() === "multipart/report" &&
    type.params?.["report-type"]?.toLowerCase() === "delivery-status";
  if (!isReport && !(BOUNCE_SENDER.test(sender) && BOUNCE_SUBJECT.test(mail.subject ?? ""))) return undefined;
  const parts = mail.attachments.map((a) => ({
    type: a.contentType.toLowerCase(),
    text: a.content.toString(),
  }));
  const status = parts.find((p) => p.type === "message/delivery-status")?.text ?? "";
  const quoted = parts.find((p) => p.type === "text/rfc822-headers" || p.type === "message/rfc822")?.text;
  const original = MESSAGE_ID.exec(quoted ?? "")?.[1] ?? MESSAGE_ID.exec(mail.text ?? "")?.[1];
  const action = /^action:\s*(\w+)/im.exec(status)?.[1]?.toLowerCase() ?? "failed";
  const detail = [/^status:\s*(.+)$/im.exec(status)?.[1], /^diagnostic-code:\s*(.+)$/im.exec(status)?.[1]]
    .filter(Boolean)
    .join(" ")
    .trim();
  return {
    original,
    action: action === "delayed" ? "delayed" : action === "failed" ? "failed" : "delivered",
    detail: (detail || (mail.subject ?? "undelivered")).slice(0, 500),
  };
}

// Parts that are not something the citizen sent: signatures, calendar stubs, Outlook's winmail.dat, reports.
const NOT_MEDIA =
  /^(message\/|text\/rfc822-headers|application\/(pgp-|pkcs7-|x-pkcs7-|ms-tnef)|text\/calendar|application\/ics)/i;
// Images inside multipart/related smaller than this are logos and icons of HTML signatures, not photos.
const SIGNATURE_IMAGE_BYTES = 20 * 1024;

/** The attachments worth handing on, each with its MIME part id (or its index when mailparser gave none). */
function mediaParts(mail: ParsedMail): Array<{ part: string; attachment: Attachment }> {
  return mail.attachments
    .map((attachment, index) => ({ part: attachment.partId ?? `i${index}`, attachment }))
    .filter(({ attachment: a }) => !NOT_MEDIA.test(a.contentType))
    .filter(
      ({ attachment: a }) =>
        !(a.related && a.contentType.startsWith("image/") && a.size < SIGNATURE_IMAGE_BYTES),
    );
}

function mediaKind(mimeType: string): "image" | "audio" | "video" | "document" {
  const top = mimeType.split("/")[0]!.toLowerCase();
  return top === "image" || top === "audio" || top === "video" ? top : "document";
}

function firstAddress(object: AddressObject | undefined): { address: string; name: string } | undefined {
  const first = object?.value[0];
  return first?.address ? { address: first.address.toLowerCase(), name: first.name } : undefined;
}

/** The first `<id>` of a header holding message ids. */
function firstId(value: string | undefined): string | undefined {
  return value ? (/<[^>\s]+>/.exec(value)?.[0] ?? undefined) : undefined;
}

/** The Message-ID our message had, that this mail answers: In-Reply-To, or the last of References. */
function repliedTo(mail: ParsedMail): string | undefined {
  const direct = firstId(mail.inReplyTo);
  if (direct) return direct;
  const references = Array.isArray(mail.references) ? mail.references : (mail.references ?? "").split(/\s+/);
  return firstId(references.filter(Boolean).at(-1));
}

const REPLY_SUBJECT = /^\s*(re|res|resp|ref|aw|sv|r)\s*(\[\d+\])?\s*:/i;
const FORWARD_SUBJECT = /^\s*(fwd?|enc|rv|tr|wg)\s*:/i;

/** The text the conversation gets: the citizen's own words; a new e-mail's subject comes first. */
function ownText(mail: ParsedMail, isReply: boolean): string {
  const body = mail.text ?? "";
  const subject = (mail.subject ?? "").trim();
  if (isReply) return stripReplyText(body);
  // A forward's content is the forwarded text: stripping it as a quote would leave nothing.
  const text = FORWARD_SUBJECT.test(subject) ? body.trim() : stripReplyText(body);
  // A new e-mail's subject often says what and where ("Buraco na Rua Augusta 1200"): the suggester needs it.
  return subject && !text.includes(subject) ? `${subject}\n\n${text}`.trim() : text;
}

/** Reads the bytes with mailparser, refusing what is too big to read. */
async function read(raw: Buffer): Promise<ParsedMail> {
  if (raw.length > MAX_EMAIL_BYTES) {
    throw new InboundError("too_large", `the e-mail has ${raw.length} bytes, more than ${MAX_EMAIL_BYTES}`);
  }
  if (raw.length === 0) throw new InboundError("empty", "the e-mail is empty");
  return simpleParser(raw, { keepDeliveryStatus: true, skipImageLinks: true });
}

/**
 * Parses one e-mail into its messages. `receivedAt` (the IMAP internal date) stands in for a missing Date header.
 * Throws an `InboundError` for a mail above `MAX_EMAIL_BYTES`, an empty one, or one without a sender address.
 */
export async function parseEmail(raw: Buffer, receivedAt?: Date): Promise<ParsedEmail> {
  const mail = await read(raw);
  const sender = firstAddress(mail.from);
  if (!sender) throw new InboundError("no_sender", "the e-mail has no From address");
  const messageId =
    firstId(mail.messageId) ??
    `<${createHash("sha256").update(raw).digest("hex").slice(0, 32)}@imap.invalid>`;
  const subject = mail.subject ?? "";
  const sentAt = (mail.date ?? receivedAt ?? new Date()).toISOString();
  const protocol = protocolOfSubject(subject);
  const base = { channel: "email" as const, from: sender.address, sentAt };

  const bounce = bounceOf(mail, sender.address);
  if (bounce) {
    // A delay warning is not an outcome, and a bounce that does not quote our Message-ID cannot be attributed.
    if (bounce.action === "delayed" || !bounce.original)
      return { kind: "bounce", messageId, subject, messages: [] };
    const state = bounce.action;
    const receipt: InboundMessage = {
      ...base,
      providerMessageId: `${bounce.original}#${state}`,
      content: { kind: "receipt", providerId: bounce.original, state, detail: bounce.detail },
    };
    return { kind: "bounce", messageId, subject, messages: [receipt] };
  }
  if (isAutoReply(mail)) return { kind: "auto-reply", messageId, subject, protocol, messages: [] };

  const inReplyTo = repliedTo(mail);
  const common = { ...base, profileName: sender.name || undefined, inReplyTo };
  const messages: InboundMessage[] = [];
  const text = ownText(mail, inReplyTo !== undefined || REPLY_SUBJECT.test(subject)).slice(0, MAX_TEXT_CHARS);
  if (text) messages.push({ ...common, providerMessageId: messageId, content: { kind: "text", text } });
  for (const { part, attachment } of mediaParts(mail)) {
    const ref = `${messageId}#${part}`;
    messages.push({
      ...common,
      providerMessageId: ref,
      content: {
        kind: "media",
        media: mediaKind(attachment.contentType),
        ref,
        mimeType: attachment.contentType.toLowerCase(),
        fileName: attachment.filename,
      },
    });
  }
  return { kind: "message", messageId, subject, protocol, messages };
}

/** Splits a media ref made by `parseEmail` into the mail's Message-ID and the MIME part. */
export function splitMediaRef(ref: string): { messageId: string; part: string } {
  const at = ref.lastIndexOf("#");
  if (at <= 0 || !ref.startsWith("<"))
    throw new InboundError("bad_media_ref", `not an e-mail media ref: ${ref}`);
  return { messageId: ref.slice(0, at), part: ref.slice(at + 1) };
}

/** The bytes and type of one attachment of a raw e-mail, by the part a media ref names (from stored raw mails). */
export async function attachmentOf(raw: Buffer, part: string): Promise<{ bytes: Buffer; mimeType: string }> {
  const found = mediaParts(await read(raw)).find((m) => m.part === part);
  if (!found) throw new InboundError("unknown_media", `the e-mail has no attachment ${part}`);
  return { bytes: found.attachment.content, mimeType: found.attachment.contentType.toLowerCase() };
}
