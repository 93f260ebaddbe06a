/**
 * The one way work is queued: a row in the outbox, written inside the caller's transaction (committed with the
 * change that causes it, or not at all). The job's name is checked by the compiler against the jobs this release
 * knows, and the payload against that job's own schema (payloads.ts) before any row is written, so a typo or a
 * missing field fails where it was made instead of parking a dead row later.
 */
import type { Sql } from "../db/index.ts";
import { JOB_PAYLOADS, type JobName, type JobPayload } from "./payloads.ts";

/** When the rows may run, and the key that makes a second enqueue of the same occasion write nothing. */
/**
 * The channel an idle worker listens on (server/jobs/runner.ts): a writer whose rows are due at once and that
 * no worker wrote (a provider's webhook) signals it with `pg_notify` in its statement, delivered at commit.
 */
export const OUTBOX_DUE = "outbox_due";

export interface EnqueueOptions {
  /** Not before this many minutes from now (the database's clock). */
  delayMinutes?: number;
  /** Not before this many seconds from now, added to `delayMinutes`. */
  delaySeconds?: number;
  /** One row per key, ever: a second enqueue with the key writes nothing. */
  dedupeKey?: string;
}

/** Queues one job; answers the row's id, or null when `dedupeKey` had a row already. */
export async function enqueue<J extends JobName>(
  tx: Sql,
  job: J,
  payload: JobPayload<J>,
  options: EnqueueOptions = {},
): Promise<number | null> {
  const [id] = await enqueueMany(tx, job, [payload], options);
  return id ?? null;
}

/**
 * Queues one row per payload of the same job in one statement; answers the new rows' ids in the payloads' order.
 * A dedupe key applies to a single payload only.
 */
export async function enqueueMany<J extends JobName>(
  tx: Sql,
  job: J,
  payloads: readonly JobPayload<J>[],
  options: EnqueueOptions = {},
): Promise<number[]> {
  if (payloads.length === 0) return [];
  if (options.dedupeKey !== undefined && payloads.length > 1) {
    throw new Error(`enqueue ${job}: a dedupe key names one row, not ${payloads.length}`);
  }
  const schema = JOB_PAYLOADS[job];
  // What the runner will parse the row with: the parsed value (defaults applied) is what is stored.
  const rows = payloads.map((p) => {
    const parsed = schema.safeParse(p);
    if (!parsed.success) throw new Error(`enqueue ${job}: invalid payload: ${parsed.error.message}`);
    return parsed.data;
  });
  const written = await tx.query<{ id: number }>(
    `INSERT INTO outbox (job, payload, run_at, dedupe_key)
     SELECT $1, p.value, now() + make_interval(secs => $3::float8), $4
       FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS p(value, n)
      ORDER BY p.n
     ON CONFLICT (tenant_id, dedupe_key) DO NOTHING RETURNING id`,
    [
      job,
      JSON.stringify(rows),
      (options.delayMinutes ?? 0) * 60 + (options.delaySeconds ?? 0),
      options.dedupeKey ?? null,
    ],
  );
  return written.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/**
 * A SQL expression that yields a value of type `T` in the statement it is written into. Only the compiler reads `T`:
 * the caller states it (`sqlValue<number>("d.id")`), and a field of a payload takes only a value of its own type.
 */
export interface SqlValue<T> {
  readonly sql: string;
  /** Never set: carries `T` for the compiler. */
  readonly type?: T;
}

/** An expression of the statement (a column, a cast parameter) that yields a `T`. */
export function sqlValue<T>(sql: string): SqlValue<T> {
  return { sql };
}

/** A constant, written into the statement as a quoted literal. */
export function sqlLiteral<const T extends string | number>(value: T): SqlValue<T> {
  return { sql: typeof value === "number" ? String(value) : quote(value) };
}

/** A payload built in SQL: each field of the job's payload (the optional ones may be left out) as an expression. */
export type SqlPayload<P> = { [K in keyof P]: SqlValue<Exclude<P[K], undefined>> };

/**
 * The INSERT that queues one row of `job` per row of `from` (and `where`), for a write that must stay one statement
 * (intake queues its work in the CTEs of the demand's own insert: no round trip of its own). The fields are checked
 * against the job's payload by the compiler, each of its own type; the values are computed by the database, so the
 * test of the caller parses the rows it wrote with the job's schema (the runner does too).
 */
export function enqueueSql<J extends JobName>(
  job: J,
  payload: SqlPayload<JobPayload<J>>,
  from: string,
  where?: string,
  /** The request id as an expression, for a lone statement that writes it itself (QueryOptions.writesRequestId). */
  requestIdSql?: string,
  /** When each row is due, as an expression of a timestamptz (now() when left out). */
  runAtSql?: string,
): string {
  const fields = Object.entries(payload as Record<string, SqlValue<unknown>>)
    .map(([name, value]) => `${quote(name)}, ${value.sql}`)
    .join(", ");
  const columns = [
    "job",
    "payload",
    ...(requestIdSql ? ["request_id"] : []),
    ...(runAtSql ? ["run_at"] : []),
  ];
  const values = [
    `jsonb_build_object(${fields})`,
    ...(requestIdSql ? [requestIdSql] : []),
    ...(runAtSql ? [runAtSql] : []),
  ];
  return `INSERT INTO outbox (${columns.join(", ")}) SELECT ${quote(job)}, ${values.join(", ")} FROM ${from}${
    where ? ` WHERE ${where}` : ""
  }`;
}

/** A SQL string literal. */
function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
