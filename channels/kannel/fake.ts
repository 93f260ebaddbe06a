/**
 * A fake SMS centre (SMSC) speaking SMPP 3.4 on 127.0.0.1, written with the npm `smpp` package, for Kannel's
 * bearerbox to bind to in tests: it takes bind_transceiver / bind_transmitter / bind_receiver with a system id and
 * password, answers enquire_link and unbind, takes submit_sm (answering a decimal message id, or ESME_RINVDSTADR
 * for a number it is told is invalid), reassembles concatenated parts by their UDH (IEI 0x00 or 0x08), and, when
 * the message asked for one, sends the delivery receipt as a deliver_sm with esm_class 0x04 and the receipt text of
 * SMPP 3.4 appendix B ("id:… sub:001 dlvrd:001 submit date:… done date:… stat:DELIVRD err:000 text:…") plus the
 * receipted_message_id and message_state TLVs. `deliver` sends a citizen's message (MO) as deliver_sm: GSM-7 when
 * every character allows, else UCS-2, split with a UDH when long. Test-only: `smpp` is a dev dependency.
 */
import type { AddressInfo } from "node:net";
import smpp from "smpp";
import { decodeGsm7, encodeGsm7, isGsm7, smsParts } from "./gsm.ts";

/** One submit_sm as it arrived. */
export interface FakeSmscSubmit {
  messageId: string;
  from: string;
  to: string;
  /** The SMPP data_coding: 0 GSM default alphabet, 8 UCS-2 … */
  dataCoding: number;
  /** The part's text, decoded. */
  text: string;
  /** Characters (GSM septets or UCS-2 code units) in this part. */
  units: number;
  /** Concatenation: reference, total and sequence from the UDH, when there is one. */
  concat?: { ref: number; total: number; seq: number } | undefined;
  registeredDelivery: number;
}

/** A whole message as a phone would show it: its parts joined. */
export interface FakeSmscMessage {
  from: string;
  to: string;
  text: string;
  dataCoding: number;
  parts: FakeSmscSubmit[];
}

/** A running fake SMSC. */
export interface FakeSmsc {
  port: number;
  systemId: string;
  password: string;
  /** Every submit_sm taken, in order. */
  submits: FakeSmscSubmit[];
  /** Whole messages, once every part arrived. */
  messages: FakeSmscMessage[];
  /** Numbers submit_sm refuses with ESME_RINVDSTADR. */
  invalidNumbers: Set<string>;
  /** Numbers whose delivery receipt says UNDELIV instead of DELIVRD. */
  undeliverable: Set<string>;
  /** Resolves when a client is bound and can receive deliver_sm. */
  bound(timeoutMs?: number): Promise<void>;
  /** Sends a citizen's message from `from` to `to`. */
  deliver(from: string, to: string, text: string): Promise<void>;
  /** Resolves with the first message matching `match`, waiting for it up to `timeoutMs`. */
  waitForMessage(match: (m: FakeSmscMessage) => boolean, timeoutMs?: number): Promise<FakeSmscMessage>;
  close(): Promise<void>;
}

// The PDUs as the package gives them: named fields, a message split into udh and text.
interface Pdu {
  command: string;
  command_status: number;
  system_id?: string;
  password?: string;
  source_addr?: string;
  destination_addr?: string;
  data_coding?: number;
  esm_class?: number;
  registered_delivery?: number;
  short_message?: { udh?: Buffer[]; message: string | Buffer } | Buffer | string;
  message_payload?: { udh?: Buffer[]; message: string | Buffer } | Buffer | string;
  response(options?: Record<string, unknown>): Pdu;
}
interface Session {
  on(event: string, listener: (pdu: Pdu) => void): void;
  send(pdu: Pdu, callback?: (response: Pdu) => void): void;
  deliver_sm(options: Record<string, unknown>, callback?: (response: Pdu) => void): void;
  close(): void;
  destroy(): void;
}

const ESME_RINVDSTADR = 0x0b;
const ESME_RBINDFAIL = 0x0d;
const DELIVERED = 2;
const UNDELIVERABLE = 5;

/** Year, month, day, hour, minute as the receipt text writes dates (YYMMDDhhmm). */
const receiptDate = (d: Date) =>
  [d.getUTCFullYear() % 100, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()]
    .map((n) => String(n).padStart(2, "0"))
    .join("");

/** The concatenation header of a part: 8-bit (IEI 0x00) or 16-bit (IEI 0x08) reference. */
function concatOf(udh: Buffer[] | undefined): FakeSmscSubmit["concat"] {
  for (const ie of udh ?? []) {
    if (ie[0] === 0x00 && ie.length >= 5) return { ref: ie[2]!, total: ie[3]!, seq: ie[4]! };
    if (ie[0] === 0x08 && ie.length >= 6) return { ref: ie.readUInt16BE(2), total: ie[4]!, seq: ie[5]! };
  }
  return undefined;
}

/** A part's text and size from its raw bytes and data_coding. */
function decodePart(bytes: Buffer, dataCoding: number): { text: string; units: number } {
  if ((dataCoding & 0x0f) === 0x08) {
    return { text: Buffer.from(bytes).swap16().toString("utf16le"), units: bytes.length / 2 };
  }
  if ((dataCoding & 0x0f) === 0x03) return { text: bytes.toString("latin1"), units: bytes.length };
  return { text: decodeGsm7(bytes), units: bytes.length };
}

/** The raw bytes and UDH of a part (short_message, or message_payload when that is empty). */
function rawOf(pdu: Pdu): { udh?: Buffer[] | undefined; bytes: Buffer } {
  const isEmpty = (f: Pdu["short_message"]) =>
    f === undefined ||
    (typeof f === "object" && !Buffer.isBuffer(f) ? f.message.length === 0 : f.length === 0);
  const field = isEmpty(pdu.short_message) ? pdu.message_payload : pdu.short_message;
  if (field === undefined) return { bytes: Buffer.alloc(0) };
  if (Buffer.isBuffer(field)) return { bytes: field };
  const value = typeof field === "string" ? { message: field, udh: undefined } : field;
  if (Buffer.isBuffer(value.message)) return { udh: value.udh, bytes: value.message };
  // The package decoded the text with its own coder: encode it back to the bytes that came.
  const dataCoding = (pdu.data_coding ?? 0) & 0x0f;
  const bytes =
    dataCoding === 0x08
      ? Buffer.from(value.message, "utf16le").swap16()
      : dataCoding === 0x03
        ? Buffer.from(value.message, "latin1")
        : encodeGsm7(value.message);
  return { udh: value.udh, bytes };
}

/** Starts a fake SMSC on an ephemeral loopback port. */
export async function startFakeSmsc(
  options: { systemId?: string; password?: string } = {},
): Promise<FakeSmsc> {
  const systemId = options.systemId ?? "responsiva";
  const password = options.password ?? "smsc-pw";
  const submits: FakeSmscSubmit[] = [];
  const messages: FakeSmscMessage[] = [];
  const pending = new Map<string, FakeSmscSubmit[]>();
  const sessions = new Set<Session>();
  const receivers = new Set<Session>();
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of waiters) w();
  };
  let nextId = 4_000_000_001;
  let nextRef = 1;
  const invalidNumbers = new Set<string>();
  const undeliverable = new Set<string>();

  const receipt = (session: Session, submit: FakeSmscSubmit) => {
    const ok = !undeliverable.has(submit.to);
    const now = receiptDate(new Date());
    const text =
      `id:${submit.messageId} sub:001 dlvrd:${ok ? "001" : "000"} submit date:${now} done date:${now} ` +
      `stat:${ok ? "DELIVRD" : "UNDELIV"} err:${ok ? "000" : "001"} text:${submit.text.slice(0, 20)}`;
    session.deliver_sm({
      source_addr: submit.to,
      destination_addr: submit.from,
      esm_class: 0x04,
      data_coding: 0,
      short_message: Buffer.from(text, "latin1"),
      receipted_message_id: submit.messageId,
      message_state: ok ? DELIVERED : UNDELIVERABLE,
    });
  };

  const takeSubmit = (session: Session, pdu: Pdu) => {
    const to = pdu.destination_addr ?? "";
    if (invalidNumbers.has(to)) {
      session.send(pdu.response({ command_status: ESME_RINVDSTADR }));
      return;
    }
    const { udh, bytes } = rawOf(pdu);
    const dataCoding = pdu.data_coding ?? 0;
    const submit: FakeSmscSubmit = {
      messageId: String(nextId++),
      from: pdu.source_addr ?? "",
      to,
      dataCoding,
      ...decodePart(bytes, dataCoding),
      concat: concatOf(udh),
      registeredDelivery: pdu.registered_delivery ?? 0,
    };
    submits.push(submit);
    session.send(pdu.response({ message_id: submit.messageId }));
    const key = submit.concat ? `${submit.from}>${submit.to}#${submit.concat.ref}` : "";
    const parts = submit.concat ? [...(pending.get(key) ?? []), submit] : [submit];
    if (submit.concat && parts.length < submit.concat.total) pending.set(key, parts);
    else {
      pending.delete(key);
      parts.sort((a, b) => (a.concat?.seq ?? 0) - (b.concat?.seq ?? 0));
      messages.push({ from: submit.from, to, text: parts.map((p) => p.text).join(""), dataCoding, parts });
      notify();
    }
    if ((submit.registeredDelivery & 0x03) !== 0) setTimeout(() => receipt(session, submit), 20);
  };

  const server = smpp.createServer(((session: Session) => {
    sessions.add(session);
    let bound = false;
    const bind = (receives: boolean) => (pdu: Pdu) => {
      if (pdu.system_id !== systemId || pdu.password !== password) {
        session.send(pdu.response({ command_status: ESME_RBINDFAIL }));
        session.close();
        return;
      }
      bound = true;
      session.send(pdu.response({ system_id: "fake-smsc" }));
      if (receives) receivers.add(session);
      notify();
    };
    session.on("bind_transceiver", bind(true));
    session.on("bind_receiver", bind(true));
    session.on("bind_transmitter", bind(false));
    session.on("enquire_link", (pdu) => session.send(pdu.response()));
    session.on("unbind", (pdu) => {
      receivers.delete(session);
      session.send(pdu.response());
      session.close();
    });
    session.on("submit_sm", (pdu) => {
      if (!bound) session.send(pdu.response({ command_status: 0x04 }));
      else takeSubmit(session, pdu);
    });
    session.on("close", () => {
      sessions.delete(session);
      receivers.delete(session);
    });
    session.on("error", () => {});
  }) as (session: never) => void);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  const waitUntil = <T>(check: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const tryNow = () => {
        const value = check();
        if (value === undefined) return false;
        waiters.delete(tryNow);
        clearTimeout(timer);
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(tryNow);
        reject(new Error(`fake SMSC: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!tryNow()) waiters.add(tryNow);
    });

  return {
    port,
    systemId,
    password,
    submits,
    messages,
    invalidNumbers,
    undeliverable,
    bound: (timeoutMs = 15_000) =>
      waitUntil(() => (receivers.size > 0 ? true : undefined), timeoutMs, "bound receiver").then(() => {}),
    async deliver(from, to, text) {
      const session = [...receivers][0];
      if (!session) throw new Error("fake SMSC: no bound receiver to deliver to");
      const gsm = isGsm7(text);
      const parts = smsParts(text, gsm ? "gsm7" : "ucs2");
      const ref = nextRef++ & 0xff;
      const encode = (part: string) => (gsm ? encodeGsm7(part) : Buffer.from(part, "utf16le").swap16());
      for (const [i, part] of parts.entries()) {
        const bytes = encode(part);
        const udh = parts.length > 1 ? Buffer.from([0x05, 0x00, 0x03, ref, parts.length, i + 1]) : undefined;
        await new Promise<void>((resolve, reject) =>
          session.deliver_sm(
            {
              source_addr: from,
              destination_addr: to,
              data_coding: gsm ? 0x00 : 0x08,
              short_message: udh ? { udh, message: bytes } : bytes,
            },
            (response) =>
              response.command_status === 0
                ? resolve()
                : reject(new Error(`deliver_sm refused: ${response.command_status}`)),
          ),
        );
      }
    },
    waitForMessage: (match, timeoutMs = 15_000) =>
      waitUntil(() => messages.find(match), timeoutMs, "matching message"),
    async close() {
      for (const s of sessions) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
