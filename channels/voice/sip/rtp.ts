/**
 * One call's audio over RTP (RFC 3550) on UDP: prompts sent as G.711 μ-law in 20 ms packets (160 samples at 8 kHz),
 * paced by the clock; keypad digits read from RFC 4733 telephone-event packets; the caller's audio kept while a
 * recording runs. Packets are read and written with rtp.js.
 */

import { createSocket, type Socket } from "node:dgram";
import { RtpPacket } from "rtp.js/packets";
import { dataViewToNodeBuffer, nodeBufferToDataView } from "rtp.js/utils";
import { CallTape } from "./tape.ts";

/** Samples per packet: 20 ms at 8 kHz. */
export const FRAME = 160;
const FRAME_MS = 20;
/** μ-law silence. */
const SILENCE = 0xff;

/** RFC 4733 §3.2's events 0–15: the keypad. */
const EVENTS = "0123456789*#ABCD";

/** A running RTP stream. */
export interface RtpSession {
  /** The local port, for our SDP. */
  readonly port: number;
  /** Where to send (from the other side's SDP); `eventPayload` is its telephone-event type. */
  connect(address: string, port: number, eventPayload?: number): void;
  /**
   * Sends μ-law audio; resolves when it has been sent or `signal` aborted it (a key pressed during a prompt):
   * "done" or "interrupted".
   */
  play(audio: Buffer, signal?: AbortSignal): Promise<"done" | "interrupted">;
  /** Sends keypad digits as RFC 4733 events (a PBX's menu on the other side, a test's caller). */
  sendDigits(digits: string): Promise<void>;
  /** Called with each keypad digit as its event ends. */
  onDigit(listener: (digit: string) => void): () => void;
  /** Called with each 20 ms of the other side's audio (μ-law), as it comes. */
  onAudio(listener: (frame: Buffer) => void): () => void;
  /**
   * Starts keeping the caller's audio, or with `both` the whole call (both sides mixed on the clock); several
   * recordings may run at once. `stop()` returns it as μ-law bytes.
   */
  record(options?: { both?: boolean }): { stop(): Buffer };
  close(): void;
}

/** Opens an RTP socket on `host` (an ephemeral port unless `port` is given). */
export async function openRtp(host: string, port = 0): Promise<RtpSession> {
  const socket: Socket = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  socket.on("error", () => {});
  let remote: { address: string; port: number } | undefined;
  let eventPayload = 101;
  const ssrc = Math.floor(Math.random() * 0xffffffff) >>> 0;
  let sequence = Math.floor(Math.random() * 0xffff);
  let timestamp = Math.floor(Math.random() * 0xffffffff) >>> 0;
  let first = true;
  const listeners = new Set<(digit: string) => void>();
  const audioListeners = new Set<(frame: Buffer) => void>();
  // The recordings under way: the whole call's and a <Record> verb's may run at once.
  const recordings = new Set<CallTape>();
  // The event whose end was seen, so that its repeated end packets (§2.5.1.4) count once.
  let ended: { timestamp: number; event: number } | undefined;
  let closed = false;

  socket.on("message", (data) => {
    if (data.length < 12 || data[0]! >> 6 !== 2) return;
    let packet: RtpPacket;
    try {
      packet = new RtpPacket(nodeBufferToDataView(data));
    } catch {
      return;
    }
    const type = packet.getPayloadType();
    if (type === eventPayload) {
      const payload = dataViewToNodeBuffer(packet.getPayload());
      if (payload.length < 4) return;
      const event = payload[0]!;
      const end = (payload[1]! & 0x80) !== 0;
      const at = packet.getTimestamp();
      // A packet of an event under way: the next end counts, even with the same key and timestamp as the last
      // one (SIPp's captures all carry the same timestamp).
      if (!end) {
        ended = undefined;
        return;
      }
      if (ended && ended.timestamp === at && ended.event === event) return;
      ended = { timestamp: at, event };
      const digit = EVENTS[event];
      if (digit) for (const listener of listeners) listener(digit);
      return;
    }
    if (type !== 0) return;
    const frame = dataViewToNodeBuffer(packet.getPayload());
    for (const tape of recordings) tape.add("heard", frame);
    for (const listener of audioListeners) listener(frame);
  });

  const send = (payload: Buffer, type = 0, marker = first, at = timestamp) => {
    if (!remote || closed) return;
    const packet = new RtpPacket();
    packet.setPayloadType(type);
    packet.setSsrc(ssrc);
    packet.setSequenceNumber(sequence);
    packet.setTimestamp(at);
    packet.setMarker(marker);
    packet.setPayload(nodeBufferToDataView(payload));
    packet.serialize();
    sequence = (sequence + 1) & 0xffff;
    if (type === 0) {
      first = false;
      timestamp = (timestamp + FRAME) >>> 0;
      for (const tape of recordings) tape.add("said", payload);
    }
    socket.send(dataViewToNodeBuffer(packet.getView()), remote.port, remote.address);
  };

  return {
    port: socket.address().port,
    connect(address, port, payload) {
      remote = { address, port };
      if (payload !== undefined) eventPayload = payload;
    },
    play(audio, signal) {
      return new Promise((resolve) => {
        if (signal?.aborted || closed) return resolve("interrupted");
        const started = performance.now();
        let sent = 0;
        const frames = Math.ceil(audio.length / FRAME);
        let timer: NodeJS.Timeout | undefined;
        const finish = (how: "done" | "interrupted") => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener("abort", abort);
          resolve(how);
        };
        const abort = () => finish("interrupted");
        signal?.addEventListener("abort", abort, { once: true });
        // Each tick sends the frames due by the clock: a late timer never slows the audio down.
        const tick = () => {
          if (closed) return finish("interrupted");
          const due = Math.min(frames, Math.floor((performance.now() - started) / FRAME_MS) + 1);
          while (sent < due) {
            const frame = Buffer.alloc(FRAME, SILENCE);
            audio.copy(frame, 0, sent * FRAME, Math.min(audio.length, (sent + 1) * FRAME));
            send(frame);
            sent++;
          }
          if (sent >= frames) {
            // The last frame's 20 ms, so the next prompt does not start on top of it.
            timer = setTimeout(() => finish("done"), FRAME_MS);
            return;
          }
          timer = setTimeout(tick, started + sent * FRAME_MS - performance.now());
        };
        tick();
      });
    },
    async sendDigits(digits) {
      for (const digit of digits) {
        const event = EVENTS.indexOf(digit.toUpperCase());
        if (event < 0) continue;
        const at = timestamp;
        // Three updates 20 ms apart, then the end three times (§2.5.1.4), volume -10 dBm0.
        for (let i = 1; i <= 6; i++) {
          const end = i > 3;
          const duration = Math.min(i, 4) * FRAME;
          const payload = Buffer.from([event, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff]);
          send(payload, eventPayload, i === 1, at);
          if (i <= 4) await new Promise((r) => setTimeout(r, FRAME_MS));
        }
        timestamp = (timestamp + 4 * FRAME) >>> 0;
        await new Promise((r) => setTimeout(r, 80));
      }
    },
    onDigit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onAudio(listener) {
      audioListeners.add(listener);
      return () => audioListeners.delete(listener);
    },
    record(options) {
      const tape = new CallTape(options?.both === true);
      recordings.add(tape);
      return {
        stop() {
          recordings.delete(tape);
          return tape.audio();
        },
      };
    },
    close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      audioListeners.clear();
      socket.close();
    },
  };
}
