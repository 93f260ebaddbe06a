/**
 * What the soak proves once the dust settles, read from the database and the loopback SMTP server: every
 * acknowledged demand present once, nothing half-written, every demand routed once, every message delivered once
 * (a second copy only of a message whose attempt was out when its worker was killed, with the same Message-ID),
 * every alarm fired once.
 */
import type { ReceivedMail } from "../channels/email/fake.ts";
import type { Sql } from "../server/db/index.ts";
import { listAlarmRules, rulesFor } from "../server/deadlines/commands.ts";

/** A demand the API acknowledged: 2xx with a protocol, for the Idempotency-Key also written in its description. */
export interface Acknowledged {
  key: string;
  protocol: string;
}

/** The figures of the database side of a soak and the checks that failed. */
export interface SoakFindings {
  figures: Record<string, number>;
  failures: string[];
}

/** The description a soak demand is filed with: its Idempotency-Key, so a duplicate shows up by key. */
export const soakDescription = (key: string) => `soak ${key}`;

/** Checks the database and the mail received against what the clients were told. */
export async function checkSoak(
  sql: Sql,
  acked: readonly Acknowledged[],
  clockIds: readonly number[],
  mail: readonly ReceivedMail[],
): Promise<SoakFindings> {
  const failures: string[] = [];
  const demands = await sql.query<{ id: number; protocol: string; description: string }>(
    "SELECT id, protocol, description FROM demands WHERE description LIKE 'soak %'",
  );
  const byKey = new Map<string, { id: number; protocol: string }[]>();
  for (const d of demands) {
    const key = d.description.slice("soak ".length);
    byKey.set(key, [...(byKey.get(key) ?? []), d]);
  }
  const duplicated = [...byKey.values()].filter((list) => list.length > 1).length;
  if (duplicated > 0) failures.push(`${duplicated} Idempotency-Keys made more than one demand`);
  let missing = 0;
  for (const a of acked) {
    const found = byKey.get(a.key) ?? [];
    if (found.length !== 1 || found[0]?.protocol !== a.protocol) missing++;
  }
  if (missing > 0) failures.push(`${missing} acknowledged demands are not present exactly once`);
  const ackedKeys = new Set(acked.map((a) => a.key));
  const unacknowledged = [...byKey.keys()].filter((k) => !ackedKeys.has(k)).length;

  // Half-written: a demand without its timeline's first event, its routing row or its receipt row.
  const partial = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM demands d
      WHERE d.description LIKE 'soak %' AND (
        NOT EXISTS (SELECT 1 FROM demand_events e WHERE e.demand_id = d.id AND e.type = 'demand.created')
        OR NOT EXISTS (SELECT 1 FROM outbox o WHERE o.job = 'route-demand' AND (o.payload->>'demandId')::bigint = d.id)
        OR NOT EXISTS (SELECT 1 FROM outbox o WHERE o.job = 'send-message' AND (o.payload->>'demandId')::bigint = d.id
                        AND o.payload->>'template' = 'demand.received'))`,
  );
  const halfWritten = partial[0]?.n ?? 0;
  if (halfWritten > 0) failures.push(`${halfWritten} demands are half-written`);

  // Routed once: dispatched in one work order, or (a possible duplicate of a nearby demand) queued once for triage.
  const routing = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM demands d
      WHERE d.description LIKE 'soak %'
        AND (SELECT count(*) FROM work_orders w WHERE w.demand_id = d.id)
          + (SELECT count(*) FROM triage_queue q WHERE q.demand_id = d.id) <> 1`,
  );
  const misrouted = routing[0]?.n ?? 0;
  if (misrouted > 0) failures.push(`${misrouted} demands are not routed exactly once`);
  const dispatched = await sql.query<{ n: number }>(
    `SELECT count(DISTINCT w.demand_id)::int AS n FROM work_orders w JOIN demands d ON d.id = w.demand_id
      WHERE d.description LIKE 'soak %'`,
  );

  const dead = await sql.query<{ job: string; n: number }>(
    "SELECT job, count(*)::int AS n FROM outbox WHERE state = 'dead' GROUP BY job",
  );
  for (const d of dead) failures.push(`${d.n} ${d.job} outbox rows are dead`);

  const messages = await sql.query<{ id: number; key: string; state: string; in_flight: boolean }>(
    `SELECT m.id, m.key::text AS key, m.state,
            EXISTS (SELECT 1 FROM message_attempts x WHERE x.message_id = m.id AND x.outcome IS NULL) AS in_flight
       FROM messages m JOIN demands d ON d.id = m.demand_id WHERE d.description LIKE 'soak %'`,
  );
  const copies = new Map<string, number>();
  for (const m of mail) {
    const key = /^<([^@>]+)@/.exec(m.messageId)?.[1] ?? m.messageId;
    copies.set(key, (copies.get(key) ?? 0) + 1);
  }
  let unsent = 0;
  let undelivered = 0;
  let inFlightDuplicates = 0;
  let duplicates = 0;
  for (const m of messages) {
    if (m.state !== "sent") unsent++;
    const n = copies.get(m.key) ?? 0;
    if (n === 0) undelivered++;
    else if (n > 1 && m.in_flight) inFlightDuplicates += n - 1;
    else if (n > 1) duplicates += n - 1;
  }
  const known = new Set(messages.map((m) => m.key));
  const stray = [...copies.keys()].filter((k) => !known.has(k)).length;
  if (unsent > 0) failures.push(`${unsent} messages are not sent`);
  if (undelivered > 0) failures.push(`${undelivered} messages never reached the SMTP server`);
  if (duplicates > 0)
    failures.push(`${duplicates} extra copies of messages that were not in flight at a kill`);
  if (stray > 0) failures.push(`${stray} mails at the SMTP server match no message`);

  const rules = await listAlarmRules(sql);
  const expected = rulesFor(rules, "acceptance", null).length;
  const alarms = await sql.query<{ key: string }>(
    "SELECT dedupe_key AS key FROM alarms WHERE dedupe_key LIKE 'deadline:%'",
  );
  const perClock = new Map<number, number>();
  for (const a of alarms) {
    const id = Number(a.key.split(":")[1]);
    perClock.set(id, (perClock.get(id) ?? 0) + 1);
  }
  const wrong = clockIds.filter((id) => perClock.get(id) !== expected);
  if (wrong.length > 0) {
    const which = wrong.slice(0, 5).map((id) => `${id} (${perClock.get(id) ?? 0})`);
    failures.push(`clocks ${which.join(", ")} of ${clockIds.length} did not fire ${expected} alarms each`);
  }

  return {
    figures: {
      demands: demands.length,
      acknowledged: acked.length,
      committedUnacknowledged: unacknowledged,
      duplicateDemands: duplicated,
      halfWritten,
      dispatched: dispatched[0]?.n ?? 0,
      queuedForTriage: demands.length - misrouted - (dispatched[0]?.n ?? 0),
      messages: messages.length,
      delivered: messages.length - undelivered,
      duplicateDeliveries: duplicates,
      inFlightDuplicates,
      clocks: clockIds.length,
      alarms: clockIds.reduce((n, id) => n + (perClock.get(id) ?? 0), 0),
      alarmsPerClock: expected,
    },
    failures,
  };
}

/** What work is left: "" once nothing is pending or leased for routing and messages and every clock has fired. */
export async function workLeft(sql: Sql, clockIds: readonly number[]): Promise<string> {
  const rows = await sql.query<{ job: string; state: string; n: number }>(
    `SELECT job, state, count(*)::int AS n FROM outbox
      WHERE job IN ('route-demand', 'send-message') AND state IN ('pending', 'running') GROUP BY 1, 2`,
  );
  const expected = rulesFor(await listAlarmRules(sql), "acceptance", null).length;
  const fired = await sql.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM alarms WHERE split_part(dedupe_key, ':', 2) = ANY($1::text[]) AND dedupe_key LIKE 'deadline:%'",
    [clockIds.map(String)],
  );
  const missing = clockIds.length * expected - (fired[0]?.n ?? 0);
  const left = rows.map((r) => `${r.n} ${r.job} ${r.state}`);
  if (missing > 0) left.push(`${missing} alarms`);
  return left.join(", ");
}
