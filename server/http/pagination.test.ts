/**
 * Every list moved onto the one pagination style (decision 0037), walked the same way: rows sharing one sort key
 * are written (so the keyset's id tie-break is exercised), then reading with a small `limit` and following the
 * Link rel="next" headers must give exactly the rows, in the order, of one page at the largest limit; `?offset=`
 * and a cursor that is not one of ours are refused with a 400 naming the field.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { parseLookupContact } from "../citizens/contacts.ts";

const { app, ctx } = await testApp();
const db = ctx.db;
const admin = { authorization: (await staffHeaders(db, "admin")).authorization };
const PHONE = "11 98765-4321";

/** Every item of a list, following its Link rel="next" headers; the number of pages read. */
async function readAll<T>(
  server: FastifyInstance,
  url: string,
  headers: Record<string, string>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let next: string | undefined = url;
  let pages = 0;
  while (next) {
    const res: { statusCode: number; body: string; json: () => unknown; headers: Record<string, unknown> } =
      await server.inject({ url: next, headers });
    assert.equal(res.statusCode, 200, `${next}: ${res.body}`);
    items.push(...(res.json() as T[]));
    pages++;
    next = /<([^>]+)>; rel="next"/.exec(String(res.headers.link ?? ""))?.[1];
  }
  return { items, pages };
}

/** The field and code of each field problem of a problem+json body. */
function fieldsOf(problem: { errors: { field: string; code: string }[] }): [string, string][] {
  return problem.errors.map((e) => [e.field, e.code]);
}

// Demands written in SQL with made-up protocols (7 + a serial): these lists read rows, not the intake path.
async function insertDemands(count: number): Promise<number[]> {
  const rows = await db.query<{ id: number }>(
    `INSERT INTO demands (protocol, service_id, channel, identity_mode, description)
     SELECT '7' || lpad(nextval('protocol_seq')::text, 12, '0'), (SELECT min(id) FROM services), 'web', 'anonymous',
            'pagination ' || g
       FROM generate_series(1, $1::int) g
     RETURNING id`,
    [count],
  );
  return rows.map((r) => r.id);
}

interface Case {
  path: string;
  /** The query string a small page is read with (a `limit` that leaves several pages). */
  small: string;
  /** The largest limit the list takes: the whole list in one page. */
  max: number;
  /** What tells two items apart. */
  key: (item: Record<string, unknown>) => unknown;
  /** Writes at least `minimum` rows the list shows, several of them sharing one sort key. */
  setup?: () => Promise<unknown>;
  minimum: number;
}

let subscriptionId = 0;
const CASES: Record<string, Case> = {
  staff: {
    path: "/api/v1/staff",
    small: "limit=4",
    max: 1000,
    key: (s) => s.id,
    minimum: 9,
    setup: () =>
      db.query(
        `INSERT INTO staff_users (email, name, password_hash, role)
         SELECT 'paged-' || g || '@test.local', 'Paginada', 'not-a-real-hash', 'agent' FROM generate_series(1, 9) g`,
      ),
  },
  departments: { path: "/api/v1/departments", small: "limit=7", max: 1000, key: (d) => d.code, minimum: 10 },
  services: { path: "/api/v1/services", small: "limit=40", max: 1000, key: (s) => s.code, minimum: 50 },
  "dead letters": {
    path: "/api/v1/dead-letters",
    small: "limit=5",
    max: 200,
    key: (r) => r.id,
    minimum: 12,
    setup: () =>
      db.query(
        `INSERT INTO outbox (job, payload, state, last_error)
         SELECT 'send-message', '{}', 'dead', 'gave up' FROM generate_series(1, 12)`,
      ),
  },
  "webhook deliveries": {
    path: "/api/v1/webhooks/:id/deliveries",
    small: "limit=5",
    max: 200,
    key: (r) => r.id,
    minimum: 12,
    setup: async () => {
      const [demandId] = await insertDemands(1);
      const [sub] = await db.query<{ id: number }>(
        `INSERT INTO webhook_subscriptions (url, event_types, secret)
         VALUES ('https://example.test/hook', '{demand.created}', 'whsec_test') RETURNING id`,
      );
      subscriptionId = sub!.id;
      await db.query(
        `WITH e AS (INSERT INTO demand_events (demand_id, type, actor_kind, visibility)
                    SELECT $1, 'demand.created', 'system', 'public' FROM generate_series(1, 12) RETURNING id)
         INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, body)
         SELECT $2, e.id, 'demand.created', '{}' FROM e`,
        [demandId, subscriptionId],
      );
    },
  },
  alarms: {
    path: "/api/v1/alarms",
    small: "limit=5",
    max: 500,
    key: (a) => a.id,
    minimum: 12,
    setup: () =>
      db.query(
        `INSERT INTO alarms (kind, level, dedupe_key, raised_at)
         SELECT 'deadline_near', 0, 'paged-' || g, date_trunc('second', now()) FROM generate_series(1, 12) g`,
      ),
  },
  calls: {
    path: "/api/v1/calls",
    small: "limit=5",
    max: 200,
    key: (c) => c.id,
    minimum: 12,
    setup: () =>
      db.query(
        `INSERT INTO calls (provider, provider_call_id, from_raw, to_number, state, rang_at)
         SELECT 'pbx', 'paged-' || g, 'anonymous', '156', 'ringing', date_trunc('second', now())
           FROM generate_series(1, 12) g`,
      ),
  },
  citizens: {
    path: `/api/v1/citizens?contact=${encodeURIComponent(PHONE)}`,
    small: "limit=1",
    max: 200,
    key: (c) => c.id,
    minimum: 3,
    setup: async () => {
      const phone = parseLookupContact(PHONE)!.value;
      for (const channel of ["phone", "whatsapp", "sms"]) {
        await db.query(
          `WITH c AS (INSERT INTO citizens (name) VALUES ('Paginada') RETURNING id)
           INSERT INTO citizen_contacts (citizen_id, channel, value) SELECT id, $1, $2 FROM c`,
          [channel, phone],
        );
      }
    },
  },
  "triage queue": {
    path: "/api/v1/triage/queue",
    small: "limit=5",
    max: 500,
    key: (q) => q.protocol,
    minimum: 12,
    setup: async () => {
      const ids = await insertDemands(12);
      await db.query(
        `INSERT INTO triage_queue (demand_id, queue_key)
         SELECT id, date_trunc('second', now()) FROM unnest($1::bigint[]) id`,
        [ids],
      );
    },
  },
};

describe("the lists on the one pagination style", () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: small pages reach every row of one large page, in order, and offset is refused`, async () => {
      await c.setup?.();
      const path = c.path.replace(":id", String(subscriptionId));
      const join = path.includes("?") ? "&" : "?";
      const whole = await readAll<Record<string, unknown>>(app, `${path}${join}limit=${c.max}`, admin);
      assert.equal(whole.pages, 1, "the largest limit holds the whole list");
      assert.ok(whole.items.length >= c.minimum, `at least ${c.minimum} rows, got ${whole.items.length}`);
      const paged = await readAll<Record<string, unknown>>(app, `${path}${join}${c.small}`, admin);
      assert.ok(paged.pages > 1, "several pages");
      assert.deepEqual(paged.items.map(c.key), whole.items.map(c.key));

      const offset = await app.inject({ url: `${path}${join}offset=5`, headers: admin });
      assert.equal(offset.statusCode, 400);
      assert.deepEqual(fieldsOf(offset.json()), [["offset", "offset_not_supported"]]);
      const bad = await app.inject({ url: `${path}${join}cursor=bm9wZQ`, headers: admin });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().errors[0].code, "invalid_cursor");
    });
  }

  it("refuses the retired before= of the dead letters and deliveries with use_cursor", async () => {
    for (const url of [
      "/api/v1/dead-letters?before=10",
      `/api/v1/webhooks/${subscriptionId}/deliveries?before=10`,
    ]) {
      const res = await app.inject({ url, headers: admin });
      assert.equal(res.statusCode, 400, url);
      assert.deepEqual(fieldsOf(res.json()), [["before", "use_cursor"]]);
    }
  });
});
