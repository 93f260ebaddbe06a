/**
 * E-mail in: citizens' replies and new e-mails read from the city's mailbox over IMAP (imapflow), polled by a job.
 * IMAP has no webhook to answer, so this is not the webhook port's `verify`/`parse` but a poller: `poll(cursor)`
 * returns the mails that arrived after the cursor, parsed (channels/email/parse.ts), and the cursor to keep. The
 * cursor is UIDVALIDITY + the last UID handed out, stored by the caller with the messages in one transaction: a
 * crash before `markDone` never loses or repeats a mail, since UIDs only grow while UIDVALIDITY stays.
 *
 * When the server renumbers the mailbox (a new UIDVALIDITY, or a first poll without a cursor), UIDs mean nothing
 * any more: the poller then takes the mails not yet done — unseen ones, or everything still in the mailbox when done
 * mails are moved out — and the Message-ID idempotency of the store absorbs any it hands out twice.
 *
 * `markDone` flags the mails \Seen (so people looking at the mailbox see what the system took) and moves them to
 * `processedMailbox` when one is set. Every operation is bounded in time; a failed connection is dropped and the next
 * call opens a new one.
 */
import { ImapFlow, type MailboxObject } from "imapflow";
import type { FetchMedia, InboundMessage } from "../channel.ts";
import { attachmentOf, MAX_EMAIL_BYTES, type ParsedEmail, parseEmail, splitMediaRef } from "./parse.ts";

/** How to reach the mailbox: a URL, or its parts (the parts win over the URL's). */
export interface ImapOptions {
  /** `imap://user:password@host:143/INBOX` (STARTTLS when offered) or `imaps://…:993/INBOX` (TLS); URL-encoded. */
  url?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  /** TLS from the start (port 993). */
  secure?: boolean | undefined;
  user?: string | undefined;
  password?: string | undefined;
  /** The mailbox read, default the URL's path or "INBOX". */
  mailbox?: string | undefined;
  /** Where done mails are moved (created when missing); unset leaves them in `mailbox`, flagged \Seen. */
  processedMailbox?: string | undefined;
  /** Mails per poll, at most (default 50): one poll stays well within a job's lease. */
  batchSize?: number | undefined;
  /** Bound of a whole operation (poll, markDone, fetchMedia) in ms, default 120 000. */
  timeoutMs?: number | undefined;
}

/** Where the last poll stopped: keep it with the stored messages and pass it to the next poll. */
export interface ImapCursor {
  /** The mailbox's UIDVALIDITY (a 32-bit number, as a string). */
  uidValidity: string;
  /** The highest UID handed out. */
  lastUid: number;
}

/** One mail as the server holds it. */
export interface FetchedMail {
  uid: number;
  size: number;
  /** When the server got it (IMAP INTERNALDATE). */
  receivedAt?: Date | undefined;
  /** The RFC 5322 bytes; absent for a mail over `MAX_EMAIL_BYTES`, which is never downloaded. */
  raw?: Buffer | undefined;
  /** Sender and Message-ID from the server's envelope, for telling the sender of a refused mail. */
  from?: string | undefined;
  messageId?: string | undefined;
}

/** One mail of a poll, parsed. */
export interface PolledMail {
  uid: number;
  /** `refused`: too large to read, or not an e-mail we can parse (`problem` says which). */
  kind: ParsedEmail["kind"] | "refused";
  messageId?: string | undefined;
  /** The valid protocol number in the subject, when there is one (see `protocolOfSubject`). */
  protocol?: string | undefined;
  subject?: string | undefined;
  /** Sender address (lower case), when known. */
  from?: string | undefined;
  messages: InboundMessage[];
  /** The bytes, for storing beside the messages (media refs can be read back from them with `attachmentOf`). */
  raw?: Buffer | undefined;
  problem?: string | undefined;
}

/** The IMAP poller. */
export interface ImapInbound {
  channel: "email";
  /** The mails after the cursor (or not yet done, without one), at most `batchSize`, and the cursor to keep. */
  fetchNew(cursor?: ImapCursor): Promise<{ mails: FetchedMail[]; cursor: ImapCursor }>;
  /** `fetchNew` with every mail parsed: the messages of all mails in order, and each mail with its outcome. */
  poll(cursor?: ImapCursor): Promise<{ messages: InboundMessage[]; mails: PolledMail[]; cursor: ImapCursor }>;
  /**
   * Flags the mails \Seen and moves them to `processedMailbox` when set. With `uidValidity` (the cursor's), does
   * nothing when the mailbox was renumbered since: those UIDs now name other mails.
   */
  markDone(uids: number[], uidValidity?: string): Promise<void>;
  /** An attachment by the media `ref` of a parsed mail, found again by its Message-ID (also once moved). */
  fetchMedia: FetchMedia;
  /** Logs out; safe to call more than once. */
  close(): Promise<void>;
}

/** The connection settings from the URL and the explicit options. */
export function imapSettingsOf(options: ImapOptions) {
  const url = options.url ? new URL(options.url) : undefined;
  if (url && url.protocol !== "imap:" && url.protocol !== "imaps:") {
    throw new Error(`EMAIL_IMAP_URL must start with imap:// or imaps://, not ${url.protocol}`);
  }
  const secure = options.secure ?? url?.protocol === "imaps:";
  const path = url ? decodeURIComponent(url.pathname.replace(/^\//, "")) : "";
  const settings = {
    host: options.host ?? url?.hostname ?? "127.0.0.1",
    port: options.port ?? (url?.port ? Number(url.port) : secure ? 993 : 143),
    secure,
    user: options.user ?? (url ? decodeURIComponent(url.username) : ""),
    password: options.password ?? (url ? decodeURIComponent(url.password) : ""),
    mailbox: options.mailbox ?? (path || "INBOX"),
    processedMailbox: options.processedMailbox,
  };
  if (!settings.user) throw new Error("the IMAP mailbox needs a user");
  return settings;
}

/** Runs `work`, or rejects after `ms` calling `onTimeout` (which drops the connection, ending the work too). */
async function within<T>(ms: number, onTimeout: () => void, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`IMAP operation took more than ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work(), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Creates the poller; it connects on its first call. */
export function createImapInbound(options: ImapOptions): ImapInbound {
  const settings = imapSettingsOf(options);
  const batchSize = options.batchSize ?? 50;
  const timeoutMs = options.timeoutMs ?? 120_000;
  let client: ImapFlow | undefined;
  let processedReady = false;

  function drop() {
    client?.close();
    client = undefined;
    processedReady = false;
  }

  async function connected(): Promise<ImapFlow> {
    if (client?.usable) return client;
    drop();
    const fresh = new ImapFlow({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      auth: { user: settings.user, pass: settings.password },
      logger: false,
      // A poller, not a mail client: no IDLE between polls, and every wait bounded.
      disableAutoIdle: true,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
    });
    // Without a listener a socket error would crash the process; the failed command rejects on its own.
    fresh.on("error", () => {});
    // Held before connecting, so that a time-out during a stuck handshake closes this socket too.
    client = fresh;
    await fresh.connect();
    return fresh;
  }

  /** Runs `work` on the open mailbox under imapflow's lock, bounded; any failure drops the connection. */
  async function inMailbox<T>(
    path: string,
    work: (c: ImapFlow, box: MailboxObject) => Promise<T>,
  ): Promise<T> {
    return within(timeoutMs, drop, async () => {
      try {
        const c = await connected();
        const lock = await c.getMailboxLock(path);
        try {
          return await work(c, c.mailbox as MailboxObject);
        } finally {
          lock.release();
        }
      } catch (error) {
        drop();
        throw error;
      }
    });
  }

  async function fetchNew(cursor?: ImapCursor): Promise<{ mails: FetchedMail[]; cursor: ImapCursor }> {
    return inMailbox(settings.mailbox, async (c, box) => {
      // The connection is reused and the mailbox stays selected: NOOP lets the server tell of mail since.
      await c.noop();
      const uidValidity = String(box.uidValidity);
      const known = cursor?.uidValidity === uidValidity ? cursor.lastUid : undefined;
      let uids: number[];
      if (known !== undefined) {
        // "N:*" names the highest UID even when that is below N, hence the filter.
        uids = ((await c.search({ uid: `${known + 1}:*` }, { uid: true })) || []).filter(
          (uid) => uid > known,
        );
      } else {
        const query = settings.processedMailbox ? { all: true } : { seen: false };
        uids = (await c.search(query, { uid: true })) || [];
      }
      const batch = [...new Set(uids)].sort((a, b) => a - b).slice(0, batchSize);
      const lastUid = batch.at(-1) ?? known ?? box.uidNext - 1;
      if (batch.length === 0) return { mails: [], cursor: { uidValidity, lastUid } };

      const mails = new Map<number, FetchedMail>();
      const range = batch.join(",");
      for await (const m of c.fetch(
        range,
        { uid: true, size: true, internalDate: true, envelope: true },
        { uid: true },
      )) {
        const sender = m.envelope?.from?.[0]?.address?.toLowerCase();
        const date = m.internalDate ? new Date(m.internalDate) : undefined;
        mails.set(m.uid, {
          uid: m.uid,
          size: m.size ?? 0,
          receivedAt: date,
          from: sender,
          messageId: m.envelope?.messageId,
        });
      }
      // Only what may be read is downloaded (BODY.PEEK: downloading does not flag it \Seen).
      const readable = [...mails.values()].filter((m) => m.size <= MAX_EMAIL_BYTES).map((m) => m.uid);
      if (readable.length > 0) {
        for await (const m of c.fetch(readable.join(","), { uid: true, source: true }, { uid: true })) {
          const mail = mails.get(m.uid);
          if (mail && m.source) mail.raw = m.source;
        }
      }
      return { mails: batch.flatMap((uid) => mails.get(uid) ?? []), cursor: { uidValidity, lastUid } };
    });
  }

  async function poll(cursor?: ImapCursor) {
    const fetched = await fetchNew(cursor);
    const mails: PolledMail[] = [];
    for (const mail of fetched.mails) {
      const known = { uid: mail.uid, messageId: mail.messageId, from: mail.from, raw: mail.raw };
      if (!mail.raw) {
        mails.push({ ...known, kind: "refused", messages: [], problem: "too_large" });
        continue;
      }
      try {
        const parsed = await parseEmail(mail.raw, mail.receivedAt);
        mails.push({ ...known, ...parsed, from: parsed.messages[0]?.from ?? mail.from });
      } catch (error) {
        const problem = (error as { code?: string }).code ?? "unreadable";
        mails.push({ ...known, kind: "refused", messages: [], problem });
      }
    }
    return { messages: mails.flatMap((m) => m.messages), mails, cursor: fetched.cursor };
  }

  async function markDone(uids: number[], uidValidity?: string): Promise<void> {
    if (uids.length === 0) return;
    await inMailbox(settings.mailbox, async (c, box) => {
      if (uidValidity !== undefined && String(box.uidValidity) !== uidValidity) return;
      const range = uids.join(",");
      await c.messageFlagsAdd(range, ["\\Seen"], { uid: true });
      if (!settings.processedMailbox) return;
      if (!processedReady) {
        // Already there is the usual case; a real failure shows up in the move below.
        await c.mailboxCreate(settings.processedMailbox).catch(() => undefined);
        processedReady = true;
      }
      await c.messageMove(range, settings.processedMailbox, { uid: true });
    });
  }

  async function fetchMedia(ref: string): Promise<{ bytes: Buffer; mimeType: string }> {
    const { messageId, part } = splitMediaRef(ref);
    for (const path of [settings.mailbox, settings.processedMailbox]) {
      if (!path) continue;
      const raw = await inMailbox(path, async (c) => {
        const found = (await c.search({ header: { "message-id": messageId } }, { uid: true })) || [];
        const uid = found.at(-1);
        if (uid === undefined) return undefined;
        const message = await c.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
        return message ? message.source : undefined;
      }).catch((error: unknown) => {
        // A processed folder not created yet simply does not hold it.
        if (path === settings.processedMailbox) return undefined;
        throw error;
      });
      if (raw) return attachmentOf(raw, part);
    }
    throw new Error(`no mail ${messageId} in the mailbox`);
  }

  return {
    channel: "email",
    fetchNew,
    poll,
    markDone,
    fetchMedia,
    async close() {
      const open = client;
      client = undefined;
      if (open?.usable)
        await within(
          10_000,
          () => open.close(),
          () => open.logout(),
        ).catch(() => open.close());
    },
  };
}
