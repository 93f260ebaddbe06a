/**
 * The inspector's tablet: the day it downloads (only one's own, no cancelled routes or removed visits), photos
 * uploaded by their SHA-256, and every sync rule of docs/field.md, on whichever database the run uses.
 */
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { runOnce } from "../jobs/runner.ts";
import { QUEUED_RETRY_SECONDS, STORE_JOB, storeFieldSyncJob } from "./queue.ts";

const { app, ctx } = await testApp();
const db = ctx.db;

type Headers = { authorization: string; staffId: number };
const manager = await staffHeaders(db, "manager");
const inspector = await staffHeaders(db, "inspector");
const other = await staffHeaders(db, "inspector");

const call = (method: "GET" | "POST" | "PUT" | "DELETE", url: string, who: Headers, payload?: unknown) =>
  app.inject({
    method,
    url,
    headers: { authorization: who.authorization },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);
/** A distinct photo: a PNG with bytes after its end. */
const photo = (tag: string) => Buffer.concat([PNG, Buffer.from(tag)]);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const upload = (who: Headers, body: Buffer, name = sha(body)) =>
  app.inject({
    method: "PUT",
    url: `/api/v1/field/files/${name}`,
    headers: { authorization: who.authorization, "content-type": "image/png" },
    payload: body,
  });

// A service that takes anonymous demands at a point, and the questionnaire about it.
const service = await one<{ id: number; code: string }>(
  db,
  `SELECT id, code FROM services WHERE active AND anonymous_allowed AND attributes = '[]'::jsonb ORDER BY code LIMIT 1`,
);
const DEFINITION = {
  questions: [
    { name: "clean", type: "yes_no", label: { "pt-BR": "Limpa?" }, required: true, scoring: "yes_good" },
    {
      name: "why",
      type: "text",
      label: { "pt-BR": "Por quê?" },
      relevant: { question: "clean", op: "eq", value: false },
    },
    { name: "rating", type: "scale", label: { "pt-BR": "Nota" }, scoring: "scale" },
    { name: "photos", type: "photo", label: { "pt-BR": "Fotos" } },
  ],
};
async function questionnaire(code: string, state: "published" | "retired" | "draft" = "published") {
  const q = await one<{ id: number }>(
    db,
    `INSERT INTO questionnaires (code, title, service_id) VALUES ($1, '{"pt-BR": "Limpeza", "en": "Cleaning"}', $2)
     RETURNING id`,
    [code, service.id],
  );
  const v = await one<{ id: number }>(
    db,
    `INSERT INTO questionnaire_versions (questionnaire_id, version, state, definition, published_at, retired_at)
     VALUES ($1, 1, $2, $3::jsonb, CASE WHEN $2 <> 'draft' THEN now() END, CASE WHEN $2 = 'retired' THEN now() END)
     RETURNING id`,
    [q.id, state, JSON.stringify(DEFINITION)],
  );
  return { id: q.id, versionId: v.id };
}
const cleaning = await questionnaire("limpeza");
const blocks = await db.query<{ id: number; lat: number; lng: number }>(
  `SELECT b.id, ST_Y(ST_PointOnSurface(b.geom)) AS lat, ST_X(ST_PointOnSurface(b.geom)) AS lng
     FROM blocks b ORDER BY b.id LIMIT 4`,
);
const [b1, b2, b3] = blocks as [(typeof blocks)[0], (typeof blocks)[0], (typeof blocks)[0]];
const DAY = "2030-03-04";

async function plan(who: Headers, blockIds: number[], day = DAY) {
  const res = await call("POST", "/api/v1/inspection-routes", manager, {
    inspectorId: who.staffId,
    day,
    visits: blockIds.map((blockId) => ({ blockId, questionnaireId: cleaning.id })),
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: number; revision: number; visits: { id: number; block: { id: number } }[] };
}

/** A response at its block (by default the first), located on it. */
const response = (over: Record<string, unknown> = {}) => {
  const at = blocks.find((b) => b.id === (over.blockId ?? b1.id)) ?? b1;
  return {
    clientId: randomUUID(),
    versionId: cleaning.versionId,
    blockId: at.id,
    location: { lat: at.lat, lng: at.lng, accuracy: 8 },
    answeredAt: "2030-03-04T13:00:00-03:00",
    answers: { clean: true, rating: 5 },
    ...over,
  };
};
const batch = (
  over: { responses?: ReturnType<typeof response>[]; demands?: unknown[]; visits?: unknown[] } = {},
) => ({
  batchId: randomUUID(),
  deviceId: "tablet-1",
  responses: [] as ReturnType<typeof response>[],
  demands: [] as unknown[],
  visits: [] as unknown[],
  ...over,
});
const sync = (body: unknown, who: Headers = inspector) => call("POST", "/api/v1/field/sync", who, body);
const count = async (sql: string, params: unknown[] = []) =>
  (await one<{ n: number }>(db, `SELECT count(*)::int AS n FROM (${sql}) x`, params)).n;

describe("the day download", () => {
  it("gives the inspector their own routes of the day, without cancelled routes or removed visits", async () => {
    const route = await plan(inspector, [b1.id, b2.id]);
    const cancelled = await plan(inspector, [b3.id]);
    await call("DELETE", `/api/v1/inspection-routes/${cancelled.id}`, manager);
    await call("PUT", `/api/v1/inspection-routes/${route.id}`, manager, {
      visits: [{ blockId: b1.id, questionnaireId: cleaning.id }],
    });
    await plan(other, [b3.id]);

    const res = await call("GET", `/api/v1/field/day?day=${DAY}`, inspector);
    assert.equal(res.statusCode, 200, res.body);
    const day = res.json();
    assert.deepEqual(
      day.routes.map((r: { id: number }) => r.id),
      [route.id],
    );
    assert.equal(day.routes[0].revision, 2);
    assert.deepEqual(
      day.routes[0].visits.map((v: { blockId: number; versionId: number }) => [v.blockId, v.versionId]),
      [[b1.id, cleaning.versionId]],
    );
    assert.deepEqual(
      day.blocks.map((b: { id: number }) => b.id),
      [b1.id],
    );
    assert.equal(day.blocks[0].outline.type, "MultiPolygon");
    assert.ok(day.blocks[0].district.code);
    assert.equal(day.questionnaires[0].definition.questions.length, 4);
    assert.equal(day.questionnaires[0].service.code, service.code);
    assert.ok(day.services.some((s: { code: string }) => s.code === service.code));
    assert.equal(day.inspector.id, inspector.staffId);
    const managers = await call("GET", `/api/v1/field/day?day=${DAY}`, manager);
    assert.equal(managers.statusCode, 403);
  });
});

describe("photos from the field", () => {
  it("stores a photo by its SHA-256 once, refusing a wrong hash or a file that is not an image", async () => {
    const file = photo("upload");
    const wrong = await upload(inspector, file, sha(photo("other")));
    assert.equal(wrong.statusCode, 422, wrong.body);
    assert.equal(wrong.json().code, "hash_mismatch");
    const text = Buffer.from("not an image at all");
    const notImage = await upload(inspector, text);
    assert.equal(notImage.statusCode, 415, notImage.body);
    assert.equal((await upload(inspector, file)).statusCode, 201);
    assert.equal((await upload(inspector, file)).statusCode, 200);

    const own = await call("GET", `/api/v1/field/uploads/${sha(file)}`, inspector);
    assert.equal(own.statusCode, 200);
    assert.equal(own.headers["content-type"], "image/png");
    assert.deepEqual(own.rawPayload, file);
    assert.equal((await call("GET", `/api/v1/field/uploads/${sha(file)}`, other)).statusCode, 404);
    assert.equal((await call("GET", `/api/v1/field-files/${sha(file)}`, manager)).statusCode, 200);
  });
});

describe("the sync", () => {
  it("stores answers with their block, service, score and photos; the same batch again changes nothing", async () => {
    const file = photo("sync");
    await upload(inspector, file);
    const body = batch({
      responses: [response({ answers: { clean: false, why: "lixo", rating: 2, photos: [sha(file)] } })],
    });
    const first = await sync(body);
    assert.equal(first.statusCode, 200, first.body);
    const reply = first.json();
    assert.equal(reply.responses[0].outcome, "accepted");
    assert.deepEqual(reply.responses[0].flags, []);
    const answers = await db.query<{ question: string; service_id: number; score: number | null }>(
      `SELECT a.question, a.service_id, a.score FROM answers a JOIN responses r ON r.id = a.response_id
        WHERE r.client_id = $1 ORDER BY a.question`,
      [body.responses[0]!.clientId],
    );
    assert.deepEqual(
      answers.map((a) => [a.question, a.service_id, a.score]),
      [
        ["clean", service.id, 0],
        ["photos", service.id, null],
        ["rating", service.id, 0.25],
        ["why", service.id, null],
      ],
    );
    assert.equal(
      await count(
        "SELECT 1 FROM answer_files af JOIN field_files f ON f.id = af.file_id WHERE f.sha256 = $1",
        [sha(file)],
      ),
      1,
    );
    assert.ok(
      await count(
        "SELECT 1 FROM outbox WHERE job = 'refresh-stale-block-scores' AND payload->'blockIds' @> $1",
        [JSON.stringify([b1.id])],
      ),
    );

    const again = await sync(body);
    assert.equal(again.body, first.body, "the stored reply, byte for byte");
    assert.equal(
      await count("SELECT 1 FROM responses WHERE client_id = $1", [body.responses[0]!.clientId]),
      1,
    );
    // The same items in a new batch: each arrives once.
    const resent = (await sync({ ...body, batchId: randomUUID() })).json();
    assert.equal(resent.responses[0].outcome, "duplicate");
  });

  it("answers a batch sent twice at once with one reply", async () => {
    const body = batch({ responses: [response()] });
    const [a, b] = await Promise.all([sync(body), sync(body)]);
    assert.equal(a.statusCode, 200, a.body);
    assert.equal(a.body, b.body);
    assert.equal(
      await count("SELECT 1 FROM responses WHERE client_id = $1", [body.responses[0]!.clientId]),
      1,
    );
  });

  it("loses and duplicates nothing when a batch is cut in the middle and sent again", async () => {
    const items = [response(), response({ blockId: b2.id }), response({ blockId: b3.id })];
    const full = JSON.stringify(batch({ responses: items }));
    // Only part of the body arrives: refused whole, nothing stored.
    const cut = await app.inject({
      method: "POST",
      url: "/api/v1/field/sync",
      headers: { authorization: inspector.authorization, "content-type": "application/json" },
      payload: full.slice(0, Math.floor(full.length / 2)),
    });
    assert.equal(cut.statusCode, 400);
    assert.equal(await count("SELECT 1 FROM responses WHERE client_id = $1", [items[0]!.clientId]), 0);
    // The first half committed but its reply was lost; then the tablet sends everything it has not seen confirmed.
    await sync(batch({ responses: items.slice(0, 1) }));
    const all = (await sync(batch({ responses: items }))).json();
    assert.deepEqual(
      all.responses.map((r: { outcome: string }) => r.outcome),
      ["duplicate", "accepted", "accepted"],
    );
    const ids = items.map((i) => i.clientId);
    assert.equal(await count("SELECT 1 FROM responses WHERE client_id = ANY($1::uuid[])", [ids]), 3);
  });

  it("asks for the photos it lacks and stores nothing of those items until they come", async () => {
    const file = photo("late");
    const item = response({ answers: { clean: true, photos: [sha(file)] } });
    const first = (await sync(batch({ responses: [item] }))).json();
    assert.equal(first.responses[0].outcome, "missing_files");
    assert.deepEqual(first.missingFiles, [sha(file)]);
    assert.equal(await count("SELECT 1 FROM responses WHERE client_id = $1", [item.clientId]), 0);
    await upload(inspector, file);
    const second = (await sync(batch({ responses: [item] }))).json();
    assert.equal(second.responses[0].outcome, "accepted");
    assert.deepEqual(second.missingFiles, []);
  });

  it("keeps answers that break the questionnaire as rejected, never scored", async () => {
    const item = response({ answers: { rating: 9, why: "x" } });
    const reply = (await sync(batch({ responses: [item] }))).json();
    assert.equal(reply.responses[0].outcome, "rejected");
    assert.deepEqual(
      reply.responses[0].problems.map((p: { code: string }) => p.code).sort(),
      ["above_max", "not_relevant", "required"].sort(),
    );
    const stored = await one<{ state: string; scored: number }>(
      db,
      `SELECT r.state, (SELECT count(*)::int FROM answers a WHERE a.response_id = r.id AND a.score IS NOT NULL) AS scored
         FROM responses r WHERE r.client_id = $1`,
      [item.clientId],
    );
    assert.deepEqual(stored, { state: "rejected", scored: 0 });
  });

  it("accepts a retired version with a flag and refuses a draft", async () => {
    const retired = await questionnaire("retirado", "retired");
    const draft = await questionnaire("rascunho", "draft");
    const reply = (
      await sync(
        batch({
          responses: [response({ versionId: retired.versionId }), response({ versionId: draft.versionId })],
        }),
      )
    ).json();
    assert.deepEqual(reply.responses[0].flags, ["version_retired"]);
    assert.equal(reply.responses[0].outcome, "accepted");
    assert.equal(reply.responses[1].outcome, "rejected");
    assert.equal(reply.responses[1].problems[0].code, "version_not_published");
  });

  it("flags changed routes, foreign visits and far locations, keeping the visit only when it is one's own", async () => {
    const route = await plan(inspector, [b1.id, b2.id], "2030-03-05");
    const [v1, v2] = route.visits as unknown as [{ id: number }, { id: number }];
    const others = await plan(other, [b3.id], "2030-03-05");
    await call("PUT", `/api/v1/inspection-routes/${route.id}`, manager, {
      visits: [{ blockId: b1.id, questionnaireId: cleaning.id }],
    });
    const items = [
      response({ visitId: v1.id, routeRevision: 1 }),
      response({ visitId: v2.id, blockId: b2.id, routeRevision: 1 }),
      response({ visitId: others.visits[0]!.id, blockId: b3.id }),
      response({ visitId: v1.id, routeRevision: 2, location: { lat: b1.lat + 0.01, lng: b1.lng } }),
    ];
    const reply = (await sync(batch({ responses: items }))).json();
    assert.deepEqual(
      reply.responses.map((r: { outcome: string; flags: string[] }) => [r.outcome, r.flags]),
      [
        ["accepted", ["route_changed"]],
        ["accepted", ["off_route"]],
        ["accepted", ["off_route"]],
        ["accepted", ["far_from_block"]],
      ],
    );
    const links = await db.query<{ visit_id: number | null }>(
      "SELECT visit_id FROM responses WHERE client_id = ANY($1::uuid[]) ORDER BY array_position($1::uuid[], client_id)",
      [items.map((i) => i.clientId)],
    );
    assert.deepEqual(
      links.map((l) => l.visit_id),
      [v1.id, v2.id, null, v1.id],
    );
    assert.deepEqual(
      reply.routes.find((r: { id: number }) => r.id === route.id),
      { id: route.id, revision: 2, state: "planned" },
    );
  });

  it("keeps both responses when two inspectors answer for one block", async () => {
    const mine = (await sync(batch({ responses: [response({ blockId: b3.id })] }))).json();
    const theirs = (await sync(batch({ responses: [response({ blockId: b3.id })] }), other)).json();
    assert.equal(mine.responses[0].outcome, "accepted");
    assert.equal(theirs.responses[0].outcome, "accepted");
    assert.ok(
      (await count("SELECT 1 FROM responses WHERE block_id = $1 AND state = 'accepted'", [b3.id])) >= 2,
    );
  });

  it("files a demand from the field once, with its protocol, photos and the field channel", async () => {
    const file = photo("demand");
    await upload(inspector, file);
    const demand = {
      clientId: randomUUID(),
      service: service.code,
      description: "Entulho na calçada",
      location: { lat: b1.lat, lng: b1.lng },
      photos: [sha(file)],
      createdAt: "2030-03-04T14:00:00-03:00",
    };
    const first = (await sync(batch({ demands: [demand] }))).json();
    assert.equal(first.demands[0].outcome, "created", JSON.stringify(first.demands[0]));
    const protocol = first.demands[0].protocol;
    const stored = await one<{ channel: string; block_id: number; files: number; actor: number }>(
      db,
      `SELECT d.channel, d.block_id, (SELECT count(*)::int FROM attachments a WHERE a.demand_id = d.id) AS files,
              (SELECT e.actor_id FROM demand_events e WHERE e.demand_id = d.id AND e.type = 'demand.created') AS actor
         FROM demands d WHERE d.protocol = $1`,
      [protocol],
    );
    assert.deepEqual(stored, { channel: "field", block_id: b1.id, files: 1, actor: inspector.staffId });
    assert.ok(
      await count("SELECT 1 FROM outbox WHERE job = 'route-demand' AND payload->>'demandId' IS NOT NULL"),
    );
    const again = (await sync(batch({ demands: [demand] }))).json();
    assert.deepEqual(again.demands[0], { clientId: demand.clientId, outcome: "duplicate", protocol });
  });

  it("sets what the inspector did at their own visits and ignores another's", async () => {
    const route = await plan(inspector, [b2.id], "2030-03-06");
    const others = await plan(other, [b3.id], "2030-03-06");
    const reply = (
      await sync(
        batch({
          visits: [
            { visitId: route.visits[0]!.id, state: "done", note: "ok", at: "2030-03-06T10:00:00-03:00" },
            { visitId: others.visits[0]!.id, state: "skipped", at: "2030-03-06T10:00:00-03:00" },
          ],
        }),
      )
    ).json();
    assert.deepEqual(
      reply.visits.map((v: { outcome: string }) => v.outcome),
      ["updated", "ignored"],
    );
    const visit = await one<{ state: string; note: string; done: boolean }>(
      db,
      "SELECT state, note, done_at IS NOT NULL AS done FROM inspection_visits WHERE id = $1",
      [route.visits[0]!.id],
    );
    assert.deepEqual(visit, { state: "done", note: "ok", done: true });
    assert.equal(
      (
        await one<{ state: string }>(db, "SELECT state FROM inspection_visits WHERE id = $1", [
          others.visits[0]!.id,
        ])
      ).state,
      "pending",
    );
  });
});

describe("the day-end surge", () => {
  /** Runs `fn` with the process taking no batch while its tablet waits: every batch is kept for a worker. */
  async function surging<T>(fn: () => Promise<T>): Promise<T> {
    const config = ctx.config as { fieldSyncAtOnce: number };
    const before = config.fieldSyncAtOnce;
    config.fieldSyncAtOnce = 0;
    try {
      return await fn();
    } finally {
      config.fieldSyncAtOnce = before;
    }
  }

  it("keeps a batch as sent with 202 and a worker stores it exactly once, as a direct sync would", async () => {
    const body = batch({ responses: [response(), response({ blockId: b2.id })] });
    const ids = body.responses.map((r) => r.clientId);
    const kept = await surging(() => sync(body));
    assert.equal(kept.statusCode, 202, kept.body);
    assert.equal(kept.headers.location, `/api/v1/field/sync/${body.batchId}`);
    assert.equal(kept.headers["retry-after"], String(QUEUED_RETRY_SECONDS));
    assert.equal(kept.json().state, "queued");
    assert.equal(await count("SELECT 1 FROM responses WHERE client_id = ANY($1::uuid[])", [ids]), 0);
    // Sent again while it waits (a lost 202): the same receipt, kept once.
    assert.equal((await surging(() => sync(body))).statusCode, 202);
    assert.equal(
      await count("SELECT 1 FROM outbox WHERE job = $1 AND payload->>'batchId' = $2", [
        STORE_JOB,
        body.batchId,
      ]),
      1,
    );
    const waiting = await call("GET", `/api/v1/field/sync/${body.batchId}`, inspector);
    assert.equal(waiting.statusCode, 202);
    assert.equal(waiting.json().batchId, body.batchId);

    assert.equal(await runOnce(ctx, [storeFieldSyncJob]), 1);
    assert.equal(await runOnce(ctx, [storeFieldSyncJob]), 0, "run once");
    const stored = await call("GET", `/api/v1/field/sync/${body.batchId}`, inspector);
    assert.equal(stored.statusCode, 200, stored.body);
    assert.deepEqual(
      stored.json().responses.map((r: { outcome: string }) => r.outcome),
      ["accepted", "accepted"],
    );
    assert.equal(await count("SELECT 1 FROM responses WHERE client_id = ANY($1::uuid[])", [ids]), 2);
    const row = await one<{ state: string; batch: unknown; job: string }>(
      db,
      `SELECT f.state, f.batch, o.state AS job FROM field_syncs f, outbox o
        WHERE f.batch_id = $1 AND o.job = $2 AND o.payload->>'batchId' = $1::text`,
      [body.batchId, STORE_JOB],
    );
    assert.deepEqual(row, { state: "done", batch: null, job: "done" });
    // Sent again after the worker: its reply, byte for byte, nothing more stored.
    const again = await sync(body);
    assert.equal(again.statusCode, 200);
    assert.equal(again.body, stored.body);
    assert.equal(await count("SELECT 1 FROM responses WHERE client_id = ANY($1::uuid[])", [ids]), 2);
  });

  it("stores a queued batch sent again with room, and its worker then finds nothing to do", async () => {
    const body = batch({ responses: [response({ blockId: b3.id })] });
    assert.equal((await surging(() => sync(body))).statusCode, 202);
    const direct = await sync(body);
    assert.equal(direct.statusCode, 200, direct.body);
    assert.equal(direct.json().responses[0].outcome, "accepted");
    assert.equal(await runOnce(ctx, [storeFieldSyncJob]), 1);
    assert.equal(
      await count("SELECT 1 FROM responses WHERE client_id = $1", [body.responses[0]!.clientId]),
      1,
    );
    const read = await call("GET", `/api/v1/field/sync/${body.batchId}`, inspector);
    assert.equal(read.body, direct.body);
  });

  it("keeps a queued batch to its own inspector", async () => {
    const body = batch({ responses: [response()] });
    assert.equal((await surging(() => sync(body))).statusCode, 202);
    assert.equal((await call("GET", `/api/v1/field/sync/${body.batchId}`, other)).statusCode, 404);
    assert.equal((await call("GET", `/api/v1/field/sync/${randomUUID()}`, inspector)).statusCode, 404);
    assert.equal((await surging(() => sync(body, other))).statusCode, 409);
    assert.equal((await sync(body, other)).statusCode, 409);
    assert.equal(await runOnce(ctx, [storeFieldSyncJob]), 1);
    assert.equal((await call("GET", `/api/v1/field/sync/${body.batchId}`, inspector)).statusCode, 200);
  });
});
