/**
 * Block quality scores: the method on hand-made data (decay, weights renormalised over the components present,
 * demands and satisfaction, no evidence no row, settings), incremental against full refresh, the stale marks'
 * durable work, the routes (map layer, evidence, settings, public districts) and tenancy.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import type { Sql } from "../db/index.ts";
import type { AppError } from "../errors.ts";
import { runOnce } from "../jobs/runner.ts";
import { createTenant } from "../tenants/commands.ts";
import { runAsTenant } from "../tenants/current.ts";
import { refreshBlockScoresJob, refreshStaleBlockScoresJob } from "./jobs.ts";
import { MIN_PUBLIC_BLOCKS, readLayer } from "./queries.ts";
import { refreshBlockScores } from "./refresh.ts";
import { DEFAULT_SCORE_SETTINGS } from "./settings.ts";
import { markBlocksStale, STALE_JOB } from "./stale.ts";

const { app, ctx } = await testApp();
const { db } = ctx;
const DAY = 86_400_000;
const asOf = new Date();
const ago = (days: number) => new Date(asOf.getTime() - days * DAY);

const inspector = await staffHeaders(db, "inspector");
const manager = await staffHeaders(db, "manager");
const agent = await staffHeaders(db, "agent");
const [auditor] = await db.query<{ id: number }>(
  "INSERT INTO citizens (name) VALUES ('Zuleica Quixadá Auditora') RETURNING id",
);

// Two services of one group (the group filter), and a third of another group.
const [group] = await db.query<{ id: number; code: string }>(
  `SELECT g.id, g.code FROM service_groups g JOIN services s ON s.group_id = g.id
    GROUP BY g.id, g.code HAVING count(*) >= 2 ORDER BY g.id LIMIT 1`,
);
const [first, second] = await db.query<{ id: number; code: string }>(
  "SELECT id, code FROM services WHERE group_id = $1 ORDER BY id LIMIT 2",
  [group!.id],
);
const pair = {
  group_code: group!.code,
  a: first!.id,
  a_code: first!.code,
  b: second!.id,
  b_code: second!.code,
};
const S1 = Number(pair.a);
const S2 = Number(pair.b);
const [third] = await db.query<{ id: number; code: string }>(
  "SELECT s.id, s.code FROM services s JOIN service_groups g ON g.id = s.group_id WHERE g.code <> $1 LIMIT 1",
  [pair.group_code],
);
const S3 = Number(third!.id);

// Blocks: by district, so that the public figure can reach its minimum in one district and not in another.
const blocksOf = async (district: string) =>
  (
    await db.query<{ id: number }>(
      `SELECT b.id FROM blocks b JOIN districts d ON ST_Intersects(d.geom, ST_PointOnSurface(b.geom))
        WHERE d.code = $1 ORDER BY b.id`,
      [district],
    )
  ).map((r) => Number(r.id));
const pinheiros = await blocksOf("2"); // ALTO DE PINHEIROS, 25 blocks
const cursino = await blocksOf("27"); // CURSINO, 15 blocks
const [A, B, C, D, E] = pinheiros as [number, number, number, number, number];

const versions = new Map<number, number>();
/** A published questionnaire version about `service`. */
async function versionFor(service: number): Promise<number> {
  const known = versions.get(service);
  if (known) return known;
  const [v] = await db.query<{ id: number }>(
    `WITH q AS (INSERT INTO questionnaires (code, title, service_id) VALUES ($1, '{"pt-BR": "Zeladoria"}', $2)
                RETURNING id)
     INSERT INTO questionnaire_versions (questionnaire_id, version, state, definition, published_at)
     SELECT id, 1, 'published', '{}', now() FROM q RETURNING id`,
    [`h3-${service}`, service],
  );
  versions.set(service, Number(v!.id));
  return Number(v!.id);
}

/** One scored answer on a block, by an inspector or a citizen auditor, given `days` before `asOf`. */
async function answer(block: number, service: number, score: number, days: number, kind = "inspector") {
  const [r] = await db.query<{ id: number }>(
    `INSERT INTO responses (client_id, version_id, channel, respondent_kind, staff_user_id, citizen_id, block_id,
                            answered_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [
      await versionFor(service),
      kind === "inspector" ? "field" : "voice",
      kind,
      kind === "inspector" ? inspector.staffId : null,
      kind === "auditor" ? auditor!.id : null,
      block,
      ago(days),
    ],
  );
  await db.query(
    `INSERT INTO answers (response_id, question, value, block_id, service_id, score, respondent_kind, answered_at)
     VALUES ($1, 'limpeza', $2, $3, $4, $5, $6, $7)`,
    [r!.id, JSON.stringify(Math.round(score * 4) + 1), block, service, score, kind, ago(days)],
  );
  return Number(r!.id);
}

let serial = 0;
/** A demand of a block: open (late when its deadline passed) or closed, optionally rated `days` ago. */
async function demand(
  block: number,
  service: number,
  m: { status?: string; dueDays?: number; rating?: number; ratedDays?: number } = {},
) {
  serial++;
  const [d] = await db.query<{ id: number; protocol: string }>(
    `INSERT INTO demands (protocol, service_id, channel, status, identity_mode, block_id, opened_at, due_at,
                          description)
     VALUES ($1, $2, 'web', $3, 'anonymous', $4, $5, $6, 'h3') RETURNING id, protocol`,
    [
      `2026800${String(serial).padStart(4, "0")}`,
      service,
      m.status ?? "dispatched",
      block,
      ago(10),
      m.dueDays === undefined ? ago(-5) : ago(m.dueDays),
    ],
  );
  if (m.rating !== undefined) {
    await db.query(
      `INSERT INTO satisfaction_surveys (demand_id, round, channel, answered_at, rating, solved)
       VALUES ($1, 0, 'web', $2, $3, $4)`,
      [d!.id, ago(m.ratedDays ?? 0), m.rating, m.rating >= 3],
    );
  }
  return d!;
}

const full = (settings = DEFAULT_SCORE_SETTINGS) =>
  db.transaction((tx) => refreshBlockScores(tx, null, { asOf, settings }));
const scoreOf = async (block: number, service: number, sql: Sql = db) => {
  const [row] = await sql.query<{ score: number; evidence: number; components: Record<string, unknown> }>(
    "SELECT score, evidence, components FROM block_scores WHERE block_id = $1 AND service_id = $2",
    [block, service],
  );
  return row;
};
const snapshot = () =>
  db.query("SELECT block_id, service_id, score, evidence, components FROM block_scores ORDER BY 1, 2");
const get = (url: string, who?: { authorization: string }) =>
  app.inject({ method: "GET", url, headers: who ? { authorization: who.authorization } : {} });
const bboxOf = async (blocks: number[]) => {
  const [box] = await db.query<{ w: number; s: number; e: number; n: number }>(
    `SELECT ST_XMin(x) AS w, ST_YMin(x) AS s, ST_XMax(x) AS e, ST_YMax(x) AS n
       FROM (SELECT ST_Extent(geom)::geometry AS x FROM blocks WHERE id = ANY($1::bigint[])) e`,
    [blocks],
  );
  return [box!.w, box!.s, box!.e, box!.n].join(",");
};

describe("the score method", () => {
  it("weighs inspectors' answers by a half-life and renormalises over the components present", async () => {
    await answer(A, S1, 1, 0);
    await answer(A, S1, 0, 30); // one half-life old: counts half
    await full();
    let a = await scoreOf(A, S1);
    assert.equal(a?.score, 66.7); // (1 × 1 + 0 × 0.5) / 1.5
    assert.deepEqual(Object.keys(a!.components), ["field"]);
    await answer(A, S1, 0.5, 0, "auditor");
    await full();
    a = await scoreOf(A, S1);
    // (0.4 × 0.6667 + 0.3 × 0.5) / (0.4 + 0.3): the absent demands and satisfaction weigh nothing.
    assert.equal(a?.score, 59.5);
    assert.equal(a?.evidence, 3);
    assert.deepEqual(a?.components.auditor, { value: 0.5, weight: 0.3, evidence: 1 });
  });

  it("counts open demands (a late one twice) against demands_half, and decayed ratings", async () => {
    await demand(B, S1); // open, on time
    await demand(B, S1, { dueDays: 2 }); // open and late
    await demand(B, S1, { status: "closed", rating: 4 }); // closed: evidence, not open; rated 0.75 now
    await demand(B, S1, { status: "closed", rating: 2, ratedDays: 30 }); // rated 0.25 a half-life ago
    await full();
    const b = await scoreOf(B, S1);
    const parts = b!.components as Record<string, Record<string, number>>;
    assert.deepEqual(parts.demands, { value: 0.5, weight: 0.2, evidence: 4, open: 2, late: 1 }); // 3 / (3 + 2 + 1)
    assert.equal(parts.satisfaction?.value, 0.5833); // (0.75 + 0.25 × 0.5) / 1.5
    assert.equal(b?.score, 52.8); // (0.2 × 0.5 + 0.1 × 0.5833) / 0.3
    assert.equal(b?.evidence, 6);
  });

  it("writes no row without evidence, ignores evidence outside the window, and drops a row whose evidence went", async () => {
    await answer(C, S1, 1, 200); // older than the 180-day window
    const rejected = await answer(D, S1, 1, 1);
    await full();
    assert.equal(await scoreOf(C, S1), undefined);
    assert.ok(await scoreOf(D, S1));
    await db.query("UPDATE responses SET state = 'rejected' WHERE id = $1", [rejected]);
    const outcome = await full();
    assert.ok(outcome.removed >= 1);
    assert.equal(await scoreOf(D, S1), undefined);
  });

  it("gives the same numbers by incremental refresh as by full refresh", async () => {
    await answer(E, S2, 0.25, 3);
    await answer(E, S3, 0.75, 12, "auditor");
    await demand(E, S2, { dueDays: 1 });
    await full();
    const whole = await snapshot();
    await db.query("DELETE FROM block_scores");
    await db.transaction((tx) => refreshBlockScores(tx, [A, B], { asOf, settings: DEFAULT_SCORE_SETTINGS }));
    await db.transaction((tx) =>
      refreshBlockScores(tx, [C, D, E], { asOf, settings: DEFAULT_SCORE_SETTINGS }),
    );
    assert.deepEqual(await snapshot(), whole);
    // An incremental refresh leaves other blocks alone: it neither writes nor removes their rows.
    await db.query("DELETE FROM block_scores WHERE block_id = $1", [A]);
    await db.transaction((tx) => refreshBlockScores(tx, [B], { asOf }));
    assert.equal(await scoreOf(A, S1), undefined);
  });

  it("follows the settings: weights and half-life change the result", async () => {
    const changed = await app.inject({
      method: "PUT",
      url: "/api/v1/block-scores/settings",
      headers: { authorization: manager.authorization },
      payload: { ...DEFAULT_SCORE_SETTINGS, fieldWeight: 0, halfLifeDays: 10 },
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(changed.json().fieldWeight, 0);
    // The change queued a full refresh in its own transaction; the job runs it.
    assert.ok((await runOnce(ctx, [refreshBlockScoresJob])) >= 1);
    assert.equal((await scoreOf(A, S1))?.score, 50); // the auditor's 0.5 alone
    const [audit] = await db.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE entity_type = 'quality_score_settings'",
    );
    assert.equal(audit?.action, "quality_score_settings.updated");
    const zero = await app.inject({
      method: "PUT",
      url: "/api/v1/block-scores/settings",
      headers: { authorization: manager.authorization },
      payload: {
        ...DEFAULT_SCORE_SETTINGS,
        fieldWeight: 0,
        auditorWeight: 0,
        demandsWeight: 0,
        satisfactionWeight: 0,
      },
    });
    assert.equal(zero.statusCode, 400);
    assert.equal(zero.json().errors[0].code, "weights_all_zero");
    // A weight too small to be one (below what the column can even hold) is refused, never a 500.
    const tiny = await app.inject({
      method: "PUT",
      url: "/api/v1/block-scores/settings",
      headers: { authorization: manager.authorization },
      payload: { ...DEFAULT_SCORE_SETTINGS, fieldWeight: 3.4e-267, auditorWeight: 1.5e-18 },
    });
    assert.equal(tiny.statusCode, 400, tiny.body);
    assert.deepEqual(
      tiny.json().errors.map((e: { field: string }) => e.field),
      ["fieldWeight", "auditorWeight"],
    );
    await db.query("DELETE FROM quality_score_settings");
    await full();
  });
});

describe("stale blocks", () => {
  const staleRows = () =>
    db.query<{ payload: { blockIds: number[] } }>(
      "SELECT payload FROM outbox WHERE job = $1 AND state = 'pending'",
      [STALE_JOB],
    );

  it("leaves no work when the marking transaction rolls back", async () => {
    await assert.rejects(
      db.transaction(async (tx) => {
        await markBlocksStale(tx, [A]);
        throw new Error("sync failed");
      }),
      /sync failed/,
    );
    assert.equal((await staleRows()).length, 0);
  });

  it("coalesces many marks into one pending row, and the worker recomputes those blocks", async () => {
    await db.query("DELETE FROM block_scores");
    await db.transaction((tx) => markBlocksStale(tx, [B, A, A]));
    await db.transaction((tx) => markBlocksStale(tx, [E, B]));
    await markBlocksStale(db, []);
    const rows = await staleRows();
    assert.equal(rows.length, 1);
    assert.deepEqual(
      rows[0]!.payload.blockIds,
      [A, B, E].sort((x, y) => x - y),
    );
    assert.equal(await runOnce(ctx, [refreshStaleBlockScoresJob]), 1);
    assert.equal(await runOnce(ctx, [refreshStaleBlockScoresJob]), 0, "run once");
    assert.ok(await scoreOf(A, S1));
    assert.ok(await scoreOf(E, S2));
    assert.equal(await scoreOf(D, S1), undefined);
    // A row a worker holds is never merged into: the later mark gets a row of its own.
    await markBlocksStale(db, [A]);
    await db.query("UPDATE outbox SET state = 'running' WHERE job = $1 AND state = 'pending'", [STALE_JOB]);
    await markBlocksStale(db, [B]);
    assert.deepEqual(
      (await staleRows()).map((r) => r.payload.blockIds),
      [[B]],
    );
    await db.query("UPDATE outbox SET state = 'done' WHERE job = $1", [STALE_JOB]);
    await full();
  });

  it("gathers the marks of a burst into a row that waits its delay before a worker runs it", async () => {
    await markBlocksStale(db, [A], 60);
    await markBlocksStale(db, [B], 60);
    assert.deepEqual(
      (await staleRows()).map((r) => r.payload.blockIds),
      [[A, B].sort((x, y) => x - y)],
    );
    assert.equal(await runOnce(ctx, [refreshStaleBlockScoresJob]), 0, "not due yet");
    await db.query("UPDATE outbox SET run_at = now() WHERE job = $1 AND state = 'pending'", [STALE_JOB]);
    assert.equal(await runOnce(ctx, [refreshStaleBlockScoresJob]), 1);
    assert.deepEqual(await staleRows(), []);
  });
});

describe("routes", () => {
  it("serves the map layer of a box, per service, per group or over every service", async () => {
    const box = await bboxOf([A, B, E]);
    const all = await get(`/api/v1/block-scores?bbox=${box}`, manager);
    assert.equal(all.statusCode, 200, all.body);
    const layer = all.json();
    assert.equal(layer.type, "FeatureCollection");
    const e = layer.features.find((f: { id: number }) => f.id === E);
    assert.equal(e.geometry.type, "MultiPolygon");
    assert.equal(e.properties.services, 2);
    assert.equal(e.properties.service, null);
    assert.ok(e.properties.worst.score <= e.properties.score);
    assert.ok(["low", "medium", "high"].includes(e.properties.confidence));
    const one = (await get(`/api/v1/block-scores?bbox=${box}&service=${pair.b_code}`, manager)).json();
    assert.deepEqual(
      one.features.map((f: { id: number }) => f.id),
      [E],
    );
    assert.equal(one.features[0].properties.service, pair.b_code);
    const group = (await get(`/api/v1/block-scores?bbox=${box}&group=${pair.group_code}`, manager)).json();
    assert.equal(group.features.find((f: { id: number }) => f.id === E).properties.services, 1);
    assert.equal((await get(`/api/v1/block-scores?bbox=1,2,0,3`, manager)).statusCode, 400);
    assert.equal(
      (await get(`/api/v1/block-scores?bbox=${box}&service=nope`, manager)).json().code,
      "unknown_service",
    );
    assert.equal((await get(`/api/v1/block-scores?bbox=${box}`, agent)).statusCode, 403);
    await assert.rejects(readLayer(db, [-47, -24.1, -46.3, -23.3], null, 1), (e: AppError) => {
      return e.status === 422 && e.code === "bbox_too_large";
    });
  });

  it("shows a block's evidence one click away, naming inspectors and never a citizen auditor", async () => {
    const res = await get(`/api/v1/block-scores/blocks/${A}`, manager);
    assert.equal(res.statusCode, 200, res.body);
    assert.doesNotMatch(res.body, /Zuleica|Quixad/);
    const s1 = res.json().services.find((s: { service: { code: string } }) => s.service.code === pair.a_code);
    assert.equal(s1.answers.length, 3);
    const auditors = s1.answers.filter((a: { respondentKind: string }) => a.respondentKind === "auditor");
    assert.equal(auditors[0].inspector, null);
    const inspectors = s1.answers.filter((a: { respondentKind: string }) => a.respondentKind === "inspector");
    assert.equal(inspectors[0].inspector, "Test inspector");
    assert.ok(inspectors[0].responseId > 0);
    const b = (await get(`/api/v1/block-scores/blocks/${B}`, manager)).json().services[0];
    assert.equal(b.demands.length, 2);
    assert.equal(b.demands[0].late, true);
    assert.equal(b.ratings.length, 2);
    assert.equal(b.components.demands.late, 1);
    assert.equal((await get("/api/v1/block-scores/blocks/999999999", manager)).statusCode, 404);
  });

  it("reads the settings and queues a full refresh on demand", async () => {
    const settings = (await get("/api/v1/block-scores/settings", manager)).json();
    assert.equal(settings.halfLifeDays, 30);
    assert.equal(settings.updatedAt, null);
    const queued = await app.inject({
      method: "POST",
      url: "/api/v1/block-scores/refresh",
      headers: { authorization: manager.authorization },
    });
    assert.equal(queued.statusCode, 202);
    assert.equal(await runOnce(ctx, [refreshBlockScoresJob]), 1);
  });

  it("publishes a district's score only from its minimum of scored blocks, with no block in the answer", async () => {
    for (const block of pinheiros.slice(0, MIN_PUBLIC_BLOCKS)) await answer(block, S3, 0.5, 0);
    for (const block of cursino.slice(0, MIN_PUBLIC_BLOCKS - 1)) await answer(block, S3, 0.5, 0);
    await full();
    const res = await get(`/api/v1/public/quality/districts?service=${third!.code}`);
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers["cache-control"]), /public/);
    const items = res.json().items as { district: { code: string }; score: number | null; blocks: number }[];
    const byCode = (code: string) => items.find((i) => i.district.code === code)!;
    assert.equal(byCode("2").blocks, MIN_PUBLIC_BLOCKS);
    assert.ok(byCode("2").score !== null);
    assert.equal(byCode("27").blocks, MIN_PUBLIC_BLOCKS - 1);
    assert.equal(byCode("27").score, null);
    assert.doesNotMatch(res.body, /blockId|sector|Zuleica|inspector/);
    const unknown = await get("/api/v1/public/quality/districts?group=nope");
    assert.equal(unknown.json().code, "unknown_group");
  });
});

describe("tenancy", () => {
  it("keeps another tenant's scores invisible, and its refresh away from ours", async () => {
    const other = await createTenant(db, { slug: "h3-santos", name: "Santos" });
    const theirManager = await runAsTenant(other, () => staffHeaders(db, "manager"));
    const ours = await snapshot();
    const layer = await get(`/t/h3-santos/api/v1/block-scores?bbox=-47,-24.1,-46.3,-23.3`, theirManager);
    assert.equal(layer.statusCode, 200, layer.body);
    assert.deepEqual(layer.json().features, []);
    assert.equal((await get(`/t/h3-santos/api/v1/block-scores/blocks/${A}`, theirManager)).statusCode, 404);
    const districts = (await get("/t/h3-santos/api/v1/public/quality/districts")).json();
    assert.ok(districts.items.every((i: { score: number | null }) => i.score === null));
    await runAsTenant(other, () => db.transaction((tx) => refreshBlockScores(tx, null)));
    assert.deepEqual(await snapshot(), ours);
    assert.ok([401, 403].includes((await get(`/api/v1/block-scores/blocks/${A}`, theirManager)).statusCode));
  });
});
