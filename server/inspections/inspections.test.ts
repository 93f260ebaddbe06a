/**
 * Inspection routes: planning with its checks, revisions that keep visit ids, cancelling; the planner's ranking on
 * hand-made data; and the table of answers with its filters, pages and detail.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";

const { app, ctx } = await testApp();
const db = ctx.db;

type Headers = { authorization: string; staffId: number };
const manager = await staffHeaders(db, "manager");
const inspector = await staffHeaders(db, "inspector");
const agent = await staffHeaders(db, "agent");

const call = (method: "GET" | "POST" | "PUT" | "DELETE", url: string, who: Headers, payload?: unknown) =>
  app.inject({
    method,
    url,
    headers: { authorization: who.authorization },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

const service = await one<{ id: number; code: string }>(
  db,
  `SELECT id, code FROM services WHERE active AND anonymous_allowed AND attributes = '[]'::jsonb ORDER BY code LIMIT 1`,
);
const DEFINITION = {
  questions: [
    { name: "clean", type: "yes_no", label: { "pt-BR": "Limpa?" }, required: true, scoring: "yes_good" },
  ],
};
async function questionnaire(code: string, published: boolean) {
  const q = await one<{ id: number }>(
    db,
    `INSERT INTO questionnaires (code, title, service_id) VALUES ($1, '{"pt-BR": "Limpeza"}', $2) RETURNING id`,
    [code, service.id],
  );
  const v = await one<{ id: number }>(
    db,
    `INSERT INTO questionnaire_versions (questionnaire_id, version, state, definition, published_at)
     VALUES ($1, 1, $2, $3::jsonb, CASE WHEN $2 = 'published' THEN now() END) RETURNING id`,
    [q.id, published ? "published" : "draft", JSON.stringify(DEFINITION)],
  );
  return { id: q.id, versionId: v.id };
}
const cleaning = await questionnaire("limpeza", true);
const unpublished = await questionnaire("rascunho", false);

// Blocks of one district, with a point on each.
const district = await one<{ code: string }>(
  db,
  `SELECT d.code FROM districts d JOIN blocks b ON ST_Intersects(d.geom, ST_PointOnSurface(b.geom))
    GROUP BY d.code HAVING count(*) >= 5 ORDER BY count(*) DESC, d.code LIMIT 1`,
);
const blocks = await db.query<{ id: number; lat: number; lng: number }>(
  `SELECT b.id, ST_Y(ST_PointOnSurface(b.geom)) AS lat, ST_X(ST_PointOnSurface(b.geom)) AS lng
     FROM blocks b JOIN districts d ON ST_Intersects(d.geom, ST_PointOnSurface(b.geom))
    WHERE d.code = $1 ORDER BY b.id LIMIT 5`,
  [district.code],
);
const [b1, b2, b3, b4] = blocks as [
  (typeof blocks)[0],
  (typeof blocks)[0],
  (typeof blocks)[0],
  (typeof blocks)[0],
];
const visit = (blockId: number) => ({ blockId, questionnaireId: cleaning.id });

describe("planning a route", () => {
  it("plans, changes and cancels a route, keeping the ids of kept visits and marking dropped ones removed", async () => {
    const created = await call("POST", "/api/v1/inspection-routes", manager, {
      inspectorId: inspector.staffId,
      day: "2030-05-02",
      note: "Centro",
      visits: [visit(b1.id), { ...visit(b2.id), reason: "open_demands" }],
    });
    assert.equal(created.statusCode, 201, created.body);
    const route = created.json();
    assert.equal(route.revision, 1);
    assert.equal(route.inspector.id, inspector.staffId);
    assert.deepEqual(route.visits[0].block.districtCode, district.code);
    assert.equal(route.visits[0].questionnaire.code, "limpeza");
    const [v1, v2] = route.visits;

    const changed = await call("PUT", `/api/v1/inspection-routes/${route.id}`, manager, {
      visits: [visit(b3.id), visit(b1.id)],
    });
    assert.equal(changed.statusCode, 200, changed.body);
    const after = changed.json();
    assert.equal(after.revision, 2);
    assert.equal(after.note, "Centro");
    assert.deepEqual(
      after.visits.map((v: { block: { id: number }; position: number }) => [v.block.id, v.position]),
      [
        [b3.id, 1],
        [b1.id, 2],
      ],
    );
    assert.equal(after.visits[1].id, v1.id, "a kept visit keeps its id");
    const dropped = await one<{ removed: boolean }>(
      db,
      "SELECT removed_at IS NOT NULL AS removed FROM inspection_visits WHERE id = $1",
      [v2.id],
    );
    assert.equal(dropped.removed, true);

    const listed = await call(
      "GET",
      `/api/v1/inspection-routes?day=2030-05-02&inspector=${inspector.staffId}`,
      agent,
    );
    assert.equal(listed.statusCode, 403);
    const list = (await call("GET", "/api/v1/inspection-routes?day=2030-05-02", manager)).json();
    assert.deepEqual(
      list.items.map((r: { id: number }) => r.id),
      [route.id],
    );

    const cancelled = await call("DELETE", `/api/v1/inspection-routes/${route.id}`, manager);
    assert.equal(cancelled.statusCode, 200);
    assert.deepEqual([cancelled.json().state, cancelled.json().revision], ["cancelled", 3]);
    const late = await call("PUT", `/api/v1/inspection-routes/${route.id}`, manager, {
      visits: [visit(b1.id)],
    });
    assert.equal(late.json().code, "route_cancelled");
    const audit = await one<{ n: number }>(
      db,
      "SELECT count(*)::int AS n FROM audit_log WHERE entity_type = 'inspection_route' AND entity_id = $1",
      [String(route.id)],
    );
    assert.equal(audit.n, 3);
  });

  it("refuses a route for someone who is not an inspector, an unknown block or an unpublished questionnaire", async () => {
    const plan = (body: Record<string, unknown>) =>
      call("POST", "/api/v1/inspection-routes", manager, {
        inspectorId: inspector.staffId,
        day: "2030-05-03",
        visits: [visit(b1.id)],
        ...body,
      });
    assert.equal((await plan({ inspectorId: agent.staffId })).json().code, "not_an_inspector");
    assert.equal((await plan({ visits: [visit(99_999_999)] })).json().code, "unknown_block");
    const draft = await plan({ visits: [{ blockId: b1.id, questionnaireId: unpublished.id }] });
    assert.equal(draft.statusCode, 422);
    assert.equal(draft.json().code, "questionnaire_not_published");
    assert.equal(draft.json().errors[0].field, "visits.0.questionnaireId");
    assert.equal((await plan({ day: "2030-02-30" })).statusCode, 400);
  });
});

describe("the planner's suggestions", () => {
  it("ranks the blocks of an area by open demands, late orders and low scores, skipping recent visits", async () => {
    const file = async (b: { lat: number; lng: number }) => {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/demands",
        payload: {
          service: service.code,
          description: "Calçada quebrada",
          identity: "anonymous",
          location: { lat: b.lat, lon: b.lng },
        },
      });
      assert.equal(res.statusCode, 201, res.body);
      return one<{ id: number }>(db, "SELECT id FROM demands WHERE protocol = $1", [res.json().protocol]);
    };
    await file(b1);
    const late = await file(b2);
    await db.query(
      `INSERT INTO work_orders (demand_id, department_id, due_at)
       VALUES ($1, (SELECT id FROM departments ORDER BY id LIMIT 1), now() - interval '2 days')`,
      [late.id],
    );
    for (const b of [b3, b4])
      await db.query(
        "INSERT INTO block_scores (block_id, service_id, score, components, evidence) VALUES ($1, $2, 0, '{}', 1)",
        [b.id, service.id],
      );
    // b4 was visited yesterday.
    await db.query(
      `INSERT INTO responses (client_id, version_id, channel, respondent_kind, staff_user_id, block_id, answered_at)
       VALUES ($1, $2, 'field', 'inspector', $3, $4, '2030-05-09T12:00:00Z')`,
      [randomUUID(), cleaning.versionId, inspector.staffId, b4.id],
    );

    const res = await call("POST", "/api/v1/inspection-routes/suggestions", manager, {
      day: "2030-05-10",
      district: district.code,
      questionnaireIds: [cleaning.id],
      count: 50,
    });
    assert.equal(res.statusCode, 200, res.body);
    const mine = res
      .json()
      .items.filter((s: { block: { id: number } }) => [b1.id, b2.id, b3.id, b4.id].includes(s.block.id));
    assert.deepEqual(
      mine.map((s: { block: { id: number }; reason: string }) => [s.block.id, s.reason]),
      [
        [b3.id, "bad_scores"],
        [b2.id, "late_orders"],
        [b1.id, "open_demands"],
      ],
    );
    assert.deepEqual(mine[1].evidence, { openDemands: 1, lateOrders: 1, score: null });
    const unknown = await call("POST", "/api/v1/inspection-routes/suggestions", manager, {
      district: "nowhere",
    });
    assert.equal(unknown.json().code, "unknown_area");
    assert.equal(
      (await call("POST", "/api/v1/inspection-routes/suggestions", manager, { count: 201 })).statusCode,
      400,
    );
  });
});

describe("the table of answers", () => {
  it("lists responses newest first by page and filter, and shows one with its answers", async () => {
    const sent = [0, 1, 2].map((i) => ({
      clientId: randomUUID(),
      versionId: cleaning.versionId,
      blockId: b1.id,
      answeredAt: `2030-06-0${i + 1}T10:00:00Z`,
      answers: { clean: i !== 1 },
    }));
    const sync = await call("POST", "/api/v1/field/sync", inspector, {
      batchId: randomUUID(),
      deviceId: "t",
      responses: sent,
    });
    assert.equal(sync.statusCode, 200, sync.body);
    const first = await call(
      "GET",
      `/api/v1/responses?block=${b1.id}&since=2030-06-01T00:00:00Z&limit=2`,
      manager,
    );
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(
      first.json().map((r: { clientId: string }) => r.clientId),
      [sent[2]!.clientId, sent[1]!.clientId],
    );
    const next = String(first.headers.link).match(/<([^>]+)>/)![1]!;
    const second = (await call("GET", next, manager)).json();
    assert.deepEqual(
      second.map((r: { clientId: string }) => r.clientId),
      [sent[0]!.clientId],
    );
    const item = first.json()[0];
    assert.deepEqual(item.respondent, {
      kind: "inspector",
      staff: { id: inspector.staffId, name: "Test inspector" },
    });
    const byService = (
      await call("GET", `/api/v1/responses?service=${service.code}&inspector=${inspector.staffId}`, manager)
    ).json();
    assert.ok(byService.length >= 3);

    const detail = await call("GET", `/api/v1/responses/${item.id}`, manager);
    assert.equal(detail.statusCode, 200);
    assert.deepEqual(
      detail
        .json()
        .answers.map((a: { question: string; label: string; score: number; service: string }) => [
          a.question,
          a.label,
          a.score,
          a.service,
        ]),
      [["clean", "Limpa?", 1, service.code]],
    );
    assert.equal((await call("GET", "/api/v1/responses", inspector)).statusCode, 403);
    assert.equal((await call("GET", "/api/v1/responses/99999999", manager)).statusCode, 404);
  });
});
