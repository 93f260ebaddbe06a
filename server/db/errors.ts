/** What a database error means to the callers: a unique key taken, or a database out of reach for now. */

/** True when the error is PostgreSQL's unique_violation. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string; message?: string };
  if (e?.code !== "23505") return false;
  return constraint === undefined || e.constraint === constraint || (e.message ?? "").includes(constraint);
}

// SQLSTATEs of a server that is going away or not there yet (admin_shutdown, crash_shutdown, cannot_connect_now,
// too_many_connections) and of class 08, a broken connection.
const UNAVAILABLE_SQLSTATES = new Set([
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
]);
// Socket errors of a server that refused, reset or never answered.
const UNAVAILABLE_SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);
// node-postgres's own words for a connection that ended, timed out or broke (these errors carry no code).
const UNAVAILABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated due to connection timeout)/;

/**
 * True when the error means the database cannot be reached right now (refused, restarting, shut down, a connection
 * that broke, no connection free in time): the request may succeed if tried again later, so it is a 503, not a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; errors?: unknown } | null | undefined;
  if (!e || typeof e !== "object") return false;
  if (
    typeof e.code === "string" &&
    (UNAVAILABLE_SQLSTATES.has(e.code) || UNAVAILABLE_SOCKET_CODES.has(e.code))
  ) {
    return true;
  }
  if (typeof e.message === "string" && UNAVAILABLE_MESSAGES.test(e.message)) return true;
  // Connecting to a name with several addresses (localhost: ::1 and 127.0.0.1) fails with an AggregateError.
  return Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every(isDatabaseUnavailable);
}
