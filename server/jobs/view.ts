/**
 * The job view: the outbox per job (waiting, running, how late the oldest due row is, dead rows, the last error) for
 * supervisors and admins, to see whether the workers keep up. Payloads may hold a citizen's contact, so nothing of
 * them is shown but a demand's protocol; an error is shown by its class, never its text.
 */
import { z } from "zod";
import type { Sql } from "../db/index.ts";

/** One job's line in the view. */
export const JobQueueView = z.object({
  /** The job's name (send-message, route-demand …). */
  job: z.string(),
  /** Rows waiting, due now or later (a retry waits for its backoff). */
  pending: z.number(),
  /** Pending rows whose time has come: the backlog the workers have yet to take. */
  due: z.number(),
  /** Pending rows waiting to be tried again after a failed attempt. */
  retrying: z.number(),
  /** Rows a worker holds now (its lease is live). */
  running: z.number(),
  /** Rows whose worker's lease ran out (a killed worker): the next claim takes them again. */
  expired: z.number(),
  /** Seconds the oldest due row has waited past its time; null when none is due. */
  oldestDueSeconds: z.number().nullable(),
  /** Rows that failed for good (GET /api/v1/dead-letters lists them, POST …/retry queues one again). */
  dead: z.number(),
  /** The most recent failure of this job still in the queue or dead: which row, its demand, the kind of error. */
  lastError: z
    .object({
      /** Outbox row id. */
      id: z.number(),
      /** pending (will be retried) or dead. */
      state: z.string(),
      /** The demand's protocol when the job is about one. */
      protocol: z.string().nullable(),
      /** The error's class (timeout, http_503, refused …), never its text: it may quote a citizen's address. */
      errorClass: z.string(),
    })
    .nullable(),
});
export type JobQueueView = z.infer<typeof JobQueueView>;

/** The whole view: one line per job, and when it was read. */
export const JobsView = z.object({
  /** When the counts were taken. */
  at: z.string(),
  /** One line per job registered in this release or present in the outbox, by name. */
  jobs: JobQueueView.array(),
});
export type JobsView = z.infer<typeof JobsView>;

interface CountRow {
  job: string;
  pending: number;
  due: number;
  retrying: number;
  running: number;
  expired: number;
  oldest_due_seconds: number | null;
  dead: number;
}

interface ErrorRow {
  job: string;
  id: number;
  state: string;
  last_error: string;
  protocol: string | null;
}

/**
 * Reads the outbox per job. Done rows are left out by the WHERE, so the read stays on the live part of the table
 * (done rows are purged after 30 days).
 */
export async function readJobsView(sql: Sql, registered: readonly string[]): Promise<JobsView> {
  const counts = await sql.query<CountRow>(
    `SELECT job,
            count(*) FILTER (WHERE state = 'pending')::int AS pending,
            count(*) FILTER (WHERE state = 'pending' AND run_at <= now())::int AS due,
            count(*) FILTER (WHERE state = 'pending' AND attempts > 0)::int AS retrying,
            count(*) FILTER (WHERE state = 'running' AND locked_until >= now())::int AS running,
            count(*) FILTER (WHERE state = 'running' AND locked_until < now())::int AS expired,
            extract(epoch FROM now() - min(run_at) FILTER (WHERE state = 'pending' AND run_at <= now()))::float8
              AS oldest_due_seconds,
            count(*) FILTER (WHERE state = 'dead')::int AS dead
       FROM outbox WHERE state IN ('pending', 'running', 'dead')
      GROUP BY job`,
  );
  const errors = await sql.query<ErrorRow>(
    `SELECT DISTINCT ON (o.job) o.job, o.id, o.state, o.last_error, d.protocol
       FROM outbox o
       LEFT JOIN demands d ON d.id = CASE WHEN jsonb_typeof(o.payload->'demandId') = 'number'
                                          THEN (o.payload->>'demandId')::bigint END
      WHERE o.state IN ('pending', 'dead') AND o.last_error IS NOT NULL
      ORDER BY o.job, o.id DESC`,
  );
  const byJob = new Map(counts.map((c) => [c.job, c]));
  const lastErrors = new Map(errors.map((e) => [e.job, e]));
  const names = [...new Set([...registered, ...byJob.keys()])].sort();
  return {
    at: new Date().toISOString(),
    jobs: names.map((job) => {
      const c = byJob.get(job);
      const e = lastErrors.get(job);
      return {
        job,
        pending: c?.pending ?? 0,
        due: c?.due ?? 0,
        retrying: c?.retrying ?? 0,
        running: c?.running ?? 0,
        expired: c?.expired ?? 0,
        oldestDueSeconds: c?.oldest_due_seconds == null ? null : Math.round(c.oldest_due_seconds),
        dead: c?.dead ?? 0,
        lastError: e
          ? { id: Number(e.id), state: e.state, protocol: e.protocol, errorClass: errorClass(e.last_error) }
          : null,
      };
    }),
  };
}

/**
 * The class of a job's error, from the words the runner stored: what a supervisor can act on (the relay refuses, a
 * receiver answers 503, time-outs) without the text, which may quote an address or a name.
 */
export function errorClass(message: string): string {
  if (message.startsWith("invalid payload")) return "invalid_payload";
  if (message.startsWith("no channel can reach")) return "unreachable";
  if (message.startsWith("every channel refused")) return "refused";
  const http = message.match(/\bHTTP (\d{3})\b/);
  if (http) return `http_${http[1]}`;
  if (/timed out|timeout|ETIMEDOUT/i.test(message)) return "timeout";
  const code = message.match(/\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH)\b/);
  if (code) return code[1]!.toLowerCase();
  // A channel's temporary failure ("email: 451 …"): the channel and the provider's status code.
  const channel = message.match(/^(\w+): (\d{3})\b/);
  if (channel) return `${channel[1]}_${channel[2]}`;
  return "other";
}
