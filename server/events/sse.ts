/**
 * Server-sent events over a hijacked Fastify reply: the headers, `id`/`data` frames, heartbeat comments that keep
 * proxies from closing an idle stream, and one close that frees the timer and the hub subscription. A reader that
 * falls too far behind is cut off; it reconnects with Last-Event-ID and catches up from the database.
 */
import type { FastifyReply } from "fastify";

/** Bytes a slow reader may leave unsent before its stream is closed. */
const MAX_BUFFERED = 1024 * 1024;
/** What EventSource waits before reconnecting, in ms (sent once at the start). */
const RETRY_MS = 2000;

/** One open stream. */
export interface SseStream {
  /** Writes messages with their ids in one write; false when the stream is (now) closed. */
  send(messages: ReadonlyArray<{ id: string; message: unknown }>): boolean;
  /** Writes a message without an id (not replayed; the client's Last-Event-ID stays as it was). */
  notice(message: unknown): void;
  /** Writes an id with no message: EventSource remembers it for its next reconnection. */
  mark(id: string): void;
  /** Ends the stream (the client may reconnect). */
  close(): void;
  /**
   * Tells the client this process is going away, as an `event: reconnect` frame (screens' `onmessage` never sees
   * it; EventSource reconnects by itself, through the proxy, to another process), and ends the stream.
   */
  farewell(): void;
  /** Runs `fn` once when the stream closes, from either side. */
  onClose(fn: () => void): void;
  readonly closed: boolean;
}

/**
 * Takes the reply over and opens an event stream. `live` false answers a catch-up: whatever is written before
 * `close()` and nothing more (for clients that do not ask for text/event-stream, such as `inject`).
 */
export function openSse(reply: FastifyReply, options: { heartbeatMs: number; live: boolean }): SseStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: options.live ? "keep-alive" : "close",
    "x-accel-buffering": "no", // nginx: pass each frame on at once
    // A hijacked reply skips the onSend hook that sets these on every other answer (server/http/edge.ts).
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
  });
  raw.write(`retry: ${RETRY_MS}\n\n`);
  const closers: Array<() => void> = [];
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    for (const fn of closers.splice(0)) fn();
  };
  const heartbeat = setInterval(() => write(": heartbeat\n\n"), options.heartbeatMs);
  if (!options.live) clearInterval(heartbeat);
  raw.on("close", finish);
  raw.on("error", finish);

  function write(text: string): boolean {
    if (closed) return false;
    if (raw.writableLength > MAX_BUFFERED) {
      stream.close();
      return false;
    }
    raw.write(text);
    return true;
  }

  const stream: SseStream = {
    send: (messages) =>
      messages.length === 0 ||
      write(messages.map((m) => `id: ${m.id}\ndata: ${JSON.stringify(m.message)}\n\n`).join("")),
    mark: (id) => void write(`id: ${id}\n\n`),
    notice: (message) => void write(`data: ${JSON.stringify(message)}\n\n`),
    close() {
      if (!raw.writableEnded) raw.end();
      finish();
    },
    farewell() {
      write(`event: reconnect\ndata: ${JSON.stringify({ kind: "reconnect", retryMs: RETRY_MS })}\n\n`);
      stream.close();
    },
    onClose(fn) {
      if (closed) fn();
      else closers.push(fn);
    },
    get closed() {
      return closed;
    },
  };
  return stream;
}
