/**
 * A real SMTP server on 127.0.0.1 (smtp-server), for tests and the bench: it records every message it accepts and
 * can be told to answer 4xx or 5xx, to be slow, or to refuse one recipient. It speaks SMTP on the wire, so the
 * adapter under test is the real nodemailer client, not a mock of it.
 */
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/** One message the fake accepted. */
export interface ReceivedMail {
  /** The Message-ID header, with its angle brackets. */
  messageId: string;
  /** MAIL FROM and RCPT TO of the envelope. */
  from: string;
  to: string[];
  /** The message as it came over the wire (RFC 5322). */
  raw: Buffer;
}

/** A running fake SMTP server. */
export interface FakeSmtp {
  /** `smtp://127.0.0.1:PORT`, for SMTP_URL. */
  url: string;
  /** Everything accepted, in order. */
  received: ReceivedMail[];
  /** Answers the next `times` messages (after DATA) with `code`, e.g. 451 (try later) or 554 (refused). */
  fail(code: number, times?: number): void;
  /** Refuses one recipient at RCPT TO with `code` (e.g. 550, unknown mailbox) until `recover()`. */
  refuseRecipient(address: string, code: number): void;
  /** Stops failing and refusing. */
  recover(): void;
  /** Waits this long before answering each message. */
  delay(ms: number): void;
  /** Resolves once `count` messages were accepted; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  /** Parses an accepted message (subject, text, headers) with mailparser. */
  parse(mail: ReceivedMail): ReturnType<typeof simpleParser>;
  close(): Promise<void>;
}

type SmtpError = Error & { responseCode: number };

function smtpError(code: number, text: string): SmtpError {
  return Object.assign(new Error(text), { responseCode: code });
}

/** Starts the fake on a free loopback port. */
export async function startFakeSmtp(): Promise<FakeSmtp> {
  const received: ReceivedMail[] = [];
  const refused = new Map<string, number>();
  let failure: { code: number; times: number } | undefined;
  let delayMs = 0;
  let serial = 0;
  const waiters: Array<() => void> = [];

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    // No reverse DNS of 127.0.0.1 on every connection: it only costs time on loopback.
    disableReverseLookup: true,
    // close() otherwise waits 30 s for clients' pooled connections before it ends them: a test file would sit idle.
    closeTimeout: 100,
    onRcptTo(address, _session, callback) {
      const code = refused.get(address.address.toLowerCase());
      if (code) return callback(smtpError(code, `${code} mailbox unavailable`));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const answer = () => {
          if (failure && failure.times > 0) {
            failure.times--;
            const code = failure.code;
            return callback(smtpError(code, code < 500 ? "try again later" : "message refused"));
          }
          const raw = Buffer.concat(chunks);
          const header = raw.subarray(0, raw.indexOf("\r\n\r\n") + 1 || raw.length).toString();
          const messageId = /^message-id:\s*(<[^>]+>)/im.exec(header)?.[1] ?? "";
          received.push({
            messageId,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
          });
          for (const wake of waiters.splice(0)) wake();
          callback(null, `OK: queued as FAKE${++serial}`);
        };
        if (delayMs > 0) setTimeout(answer, delayMs);
        else answer();
      });
    },
  });
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    fail(code, times = Number.POSITIVE_INFINITY) {
      failure = { code, times };
    },
    refuseRecipient(address, code) {
      refused.set(address.toLowerCase(), code);
    },
    recover() {
      failure = undefined;
      refused.clear();
    },
    delay(ms) {
      delayMs = ms;
    },
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`fake SMTP got ${received.length} of ${count} messages`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    parse: (mail) => simpleParser(mail.raw),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
