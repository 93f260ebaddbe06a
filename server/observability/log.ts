/**
 * The JSON logger of processes outside an HTTP request (worker, scheduler, start-up, shutdown): pino, the logger
 * Fastify uses for requests, at LOG_LEVEL. Every line written while a request or a job runs carries its request
 * id, so one id finds the intake, the jobs it queued and the webhooks they sent.
 */
import { randomUUID } from "node:crypto";
import pino, { type Logger } from "pino";
import { currentRequestId } from "./context.ts";

/** The field that names the request id in every log line, Fastify's and ours. */
export const REQUEST_ID_FIELD = "requestId";

/** Log times as ISO 8601 instants (`"time":"2026-…Z"`), in Fastify's lines and ours. */
export const LOG_TIMESTAMP = pino.stdTimeFunctions.isoTime;

/** The process logger's options: level, ISO times, and the current request id mixed into each line. */
function logOptions(level: string): pino.LoggerOptions {
  return {
    level,
    timestamp: LOG_TIMESTAMP,
    // Fastify's request loggers bind the id themselves (requestIdLogLabel), so only this logger mixes it in.
    mixin() {
      const id = currentRequestId();
      return id === undefined ? {} : { [REQUEST_ID_FIELD]: id };
    },
  };
}

const LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);
// Read from the environment at import, so loggers made by modules as they load have the level too; a bad value is
// reported by config.ts, which exits.
const level = LEVELS.has(process.env.LOG_LEVEL ?? "") ? (process.env.LOG_LEVEL as string) : "info";

/** How often the log buffer is written out when it has not filled up: at most this late, a line reaches stdout. */
const LOG_FLUSH_MS = 200;

/**
 * Where every log line goes, this logger's and Fastify's: stdout, written in batches of at least 8 KiB (or every
 * LOG_FLUSH_MS) instead of one write per line. Under load the write per request line was the largest part of what
 * logging cost (bench/observability.ts, docs/performance.md); one stream for both loggers also keeps their lines
 * whole when they share the descriptor. Pino writes the buffer out synchronously at exit; a process killed with
 * SIGKILL loses at most the last LOG_FLUSH_MS of lines.
 */
export const logDestination = pino.destination({ dest: 1, minLength: 8192, sync: false });
setInterval(() => {
  try {
    logDestination.flush();
  } catch {
    // Ended at exit: nothing left to write.
  }
}, LOG_FLUSH_MS).unref();

const root: Logger = pino(logOptions(level), logDestination);

/**
 * A logger for one part of the process (`{ component: "worker" }` on each of its lines). A `lifecycle` logger (the
 * start and stop lines of main.ts) writes info lines even below LOG_LEVEL: process managers, tests and benches wait
 * for "Responsiva is up on …", whatever level the rest of the process logs at.
 */
export function logger(component: string, options: { lifecycle?: boolean } = {}): Logger {
  return root.child(
    { component },
    options.lifecycle && !root.isLevelEnabled("info") ? { level: "info" } : {},
  );
}

// An incoming X-Request-Id is kept only when it is a short plain token: a proxy's UUID or trace id passes, text
// that could forge log fields, split a header or flood the log does not.
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The id of an incoming request: its X-Request-Id when that is a sane token, else a new UUID. */
export function requestIdFor(header: string | string[] | undefined): string {
  return typeof header === "string" && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}
