/**
 * The command centre's quality screens (issue 17) in Chromium: a manager plans an inspector's route from the
 * planner's suggestions on /centro/fiscalizacao; the inspector's answer arrives through the tablet's sync API; a
 * supervisor then sees the block on the "Qualidade por quadra" layer, opens its evidence from the keyboard (the
 * answer with the inspector's name, the open demand by protocol), and finds the answer on /centro/respostas; the
 * transparency portal shows the districts' quality without a session. No serious axe-core violation (the layer in
 * pt-BR, en and es). The districts' outlines are narrowed to the one district of the demo demand, so the maps open
 * over it (a map centres on the district nearest the city's middle). Screenshots in .cache/screenshots/:
 * quality-centre-<lang>.png, quality-planning.png, quality-responses.png, quality-voice-review.png,
 * quality-transparency.png. A supervisor also writes down a citizen auditor's spoken answer from the queue.
 */
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { BrowserContext } from "playwright-core";
import { AUDITOR_CONSENT_VERSION } from "../../domain/auditors.ts";
import { recordingKey } from "../../server/auditors/recordings.ts";
import { refreshBlockScores } from "../../server/block-scores/refresh.ts";
import { one } from "../../server/db/index.ts";
import { attachmentStoreOf } from "../../server/storage/store.ts";
import { demandBody, findPlainService } from "../factories.ts";
import { staffHeaders } from "../helpers.ts";
import { seriousViolations, shot, staffContext, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const LANGS = ["pt-BR", "en", "es"] as const;
const SE = { lat: -23.5503, lon: -46.634 };
const texts = (lang: string) =>
  JSON.parse(readFileSync(`locales/${lang}.json`, "utf8")).web.centre as {
    quality: {
      toggle: string;
      responses: { title: string };
      voice: { transcript: string; save: string; saved: string; empty: string };
    };
    planning: { title: string; suggest: string; add_all: string; save: string };
  };

// An open demand inside a block in the centre of the city (a point on a street lies in no block): the planner's
// reason to look there, and the score's demands component.
const inside = await one<{ lat: number; lon: number }>(
  ctx.db,
  `SELECT ST_Y(p) AS lat, ST_X(p) AS lon FROM (
     SELECT ST_PointOnSurface(geom) AS p FROM blocks ORDER BY geom <-> ST_SetSRID(ST_Point($1, $2), 4326) LIMIT 1) b`,
  [SE.lon, SE.lat],
);
const serviceCode = await findPlainService(ctx.db);
const filed = await fetch(`${baseUrl}/api/v1/demands`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(demandBody(serviceCode, { at: inside })),
});
assert.equal(filed.status, 201, await filed.clone().text());
const { protocol } = (await filed.json()) as { protocol: string };
const demand = await one<{ block_id: number; district_code: string; service_id: number }>(
  ctx.db,
  "SELECT block_id, district_code, service_id FROM demands WHERE protocol = $1",
  [protocol],
);
assert.ok(demand.block_id, "the demand lies in a fiscal block");

// A published questionnaire about the demand's service (the questionnaire engineer's API is tested on its own).
const questionnaire = await one<{ id: number }>(
  ctx.db,
  `INSERT INTO questionnaires (code, title, service_id)
   VALUES ('zeladoria', '{"pt-BR": "Zeladoria da quadra", "en": "Block upkeep", "es": "Cuidado de la manzana"}', $1)
   RETURNING id`,
  [demand.service_id],
);
const version = await one<{ id: number }>(
  ctx.db,
  `INSERT INTO questionnaire_versions (questionnaire_id, version, state, definition, published_at)
   VALUES ($1, 1, 'published', $2::jsonb, now()) RETURNING id`,
  [
    questionnaire.id,
    JSON.stringify({
      questions: [
        {
          name: "clean",
          type: "yes_no",
          label: { "pt-BR": "A quadra está limpa?" },
          required: true,
          scoring: "yes_good",
        },
      ],
    }),
  ],
);
const inspector = await staffHeaders(ctx.db, "inspector");
const [inspectorRow] = await ctx.db.query<{ name: string }>("SELECT name FROM staff_users WHERE id = $1", [
  inspector.staffId,
]);

// The districts as the maps read them, narrowed to the demand's district (see the header).
const allDistricts = (await (
  await fetch(`${baseUrl}/api/v1/districts.geojson`)
).json()) as GeoJSON.FeatureCollection;
const oneDistrict = JSON.stringify({
  ...allDistricts,
  features: allDistricts.features.filter((f) => String(f.properties?.code) === demand.district_code),
});
async function narrowed(context: BrowserContext): Promise<void> {
  await context.route("**/api/v1/districts.geojson", (route) =>
    route.fulfill({ status: 200, contentType: "application/geo+json", body: oneDistrict }),
  );
}

/**
 * A citizen auditor's call that ended with a text question answered by voice: the response stored, the recording
 * fetched into the store and waiting for a person (what server/auditors/voice-answers.test.ts drives call by call).
 */
async function spokenAnswerWaiting(): Promise<number> {
  const enrolled = await fetch(`${baseUrl}/api/v1/auditors`, {
    method: "POST",
    headers: {
      authorization: (await staffHeaders(ctx.db, "agent")).authorization,
      "content-type": "application/json",
    },
    body: JSON.stringify({
      consent: true,
      consentTextVersion: AUDITOR_CONSENT_VERSION,
      name: "Auditora",
      phone: "+5511987650156",
      point: { lat: inside.lat, lon: inside.lon },
      windows: [{ weekday: 1, starts: "09:00", ends: "12:00" }],
    }),
  });
  assert.equal(enrolled.status, 201, await enrolled.clone().text());
  const auditor = await one<{ id: number; citizenId: number }>(
    ctx.db,
    'SELECT id, citizen_id AS "citizenId" FROM auditors WHERE id = $1',
    [((await enrolled.json()) as { id: number }).id],
  );
  const spoken = await one<{ id: number }>(
    ctx.db,
    `WITH q AS (INSERT INTO questionnaires (code, title, service_id)
                VALUES ('auditor-voz', '{"pt-BR": "Auditoria por voz"}', $2) RETURNING id)
     INSERT INTO questionnaire_versions (questionnaire_id, version, state, definition, published_at)
     SELECT id, 1, 'published', $1::jsonb, now() FROM q RETURNING id`,
    [
      JSON.stringify({
        questions: [
          {
            name: "comentario",
            type: "text",
            required: true,
            label: { "pt-BR": "Conte o que viu na sua quadra." },
          },
        ],
      }),
      demand.service_id,
    ],
  );
  const response = await one<{ id: number }>(
    ctx.db,
    `INSERT INTO responses (client_id, version_id, channel, respondent_kind, citizen_id, block_id, answered_at)
     VALUES ($1, $2, 'voice', 'auditor', $3, $4, now()) RETURNING id`,
    [randomUUID(), spoken.id, auditor.citizenId, demand.block_id],
  );
  const call = await one<{ id: number }>(
    ctx.db,
    `INSERT INTO auditor_calls (auditor_id, version_id, due_at, until_at, state, response_id, ended_at, recorded)
     VALUES ($1, $2, now(), now() + interval '1 hour', 'completed', $3, now(), '{comentario}') RETURNING id`,
    [auditor.id, spoken.id, response.id],
  );
  const audio = Buffer.concat([Buffer.from("RIFF"), Buffer.alloc(4000, 0x7f)]);
  const sha256 = createHash("sha256").update(audio).digest("hex");
  await attachmentStoreOf(ctx.config).put(recordingKey(sha256), audio, "audio/wav", sha256);
  await ctx.db.query(
    `INSERT INTO call_recordings (auditor_call_id, citizen_id, provider_recording_id, provider_call_id, duration_seconds,
                                  state, sha256, media_type, size_bytes, stored_at, question, review_state, expires_at)
     VALUES ($1, $2, $3, $4, 4, 'stored', $5, 'audio/wav', $6, now(), 'comentario', 'pending', now() + interval '90 days')`,
    [call.id, auditor.citizenId, `RE${"a".repeat(32)}`, `CA${"b".repeat(32)}`, sha256, audio.length],
  );
  return Number(call.id);
}

describe("the command centre's quality screens", () => {
  it("plans an inspector's route from the suggestions", async () => {
    const { context } = await staffContext(browser, baseUrl, ctx, "manager", undefined, { locale: "pt-BR" });
    await narrowed(context);
    const page = await context.newPage();
    const t = texts("pt-BR").planning;
    await page.goto(`${baseUrl}/centro/fiscalizacao`);
    await page.getByRole("heading", { level: 1, name: t.title }).waitFor();
    await page.locator('select[name="district"]').selectOption(demand.district_code);
    await page.getByRole("button", { name: t.suggest }).click();
    await page.locator(`.planning-suggestions li[data-block="${demand.block_id}"]`).waitFor();
    await page.getByRole("button", { name: t.add_all }).click();
    await page.locator(`.planning-visits li[data-block="${demand.block_id}"]`).waitFor();
    await page.locator('select[name="questionnaire-all"]').selectOption(String(questionnaire.id));
    await page.locator('select[name="inspector"]').selectOption(String(inspector.staffId));
    assert.deepEqual(await seriousViolations(page), []);
    await page.getByRole("button", { name: t.save }).click();
    await page.locator(`article[data-route] tr[data-state="pending"]`).first().waitFor();
    await shot(page, "quality-planning");
    await context.close();
  });

  it("shows the block's score on the map and its evidence one key away, in three languages", async () => {
    // The inspector answers at the planned visit from the tablet (its sync API), and the scores are refreshed.
    const routes = (await (
      await fetch(`${baseUrl}/api/v1/inspection-routes?day=${new Date().toISOString().slice(0, 10)}`, {
        headers: { authorization: (await staffHeaders(ctx.db, "manager")).authorization },
      })
    ).json()) as { items: Array<{ revision: number; visits: Array<{ id: number; block: { id: number } }> }> };
    const route = routes.items.find((r) => r.visits.some((v) => v.block.id === demand.block_id));
    const visit = route?.visits.find((v) => v.block.id === demand.block_id);
    const now = new Date().toISOString();
    const sync = await fetch(`${baseUrl}/api/v1/field/sync`, {
      method: "POST",
      headers: { authorization: inspector.authorization, "content-type": "application/json" },
      body: JSON.stringify({
        batchId: randomUUID(),
        deviceId: "tablet-1",
        responses: [
          {
            clientId: randomUUID(),
            versionId: version.id,
            ...(visit ? { visitId: visit.id, routeRevision: route!.revision } : {}),
            blockId: demand.block_id,
            location: { lat: inside.lat, lng: inside.lon },
            answeredAt: now,
            answers: { clean: false },
          },
        ],
        demands: [],
        visits: [],
      }),
    });
    assert.equal(sync.status, 200, await sync.text());
    await ctx.db.transaction((tx) => refreshBlockScores(tx, null));

    for (const lang of LANGS) {
      const { context } = await staffContext(browser, baseUrl, ctx, "supervisor", undefined, {
        locale: lang,
      });
      await narrowed(context);
      const page = await context.newPage();
      await page.goto(`${baseUrl}/centro?lang=${lang}`);
      await page.locator(".centre-map.leaflet-container").first().waitFor();
      await page.getByRole("checkbox", { name: texts(lang).quality.toggle }).check();
      const area = page.locator(`.quality-layer path[data-area="${demand.block_id}"]`);
      await area.waitFor();
      assert.notEqual(await page.locator(".quality-layer .map-total").getAttribute("data-blocks"), "0");
      await area.focus();
      await page.keyboard.press("Enter");
      const evidence = page.locator(`.quality-evidence[data-block="${demand.block_id}"]`);
      await evidence.locator(`[data-protocol="${protocol}"]`).waitFor();
      await evidence.getByText(inspectorRow!.name).first().waitFor();
      assert.deepEqual(await seriousViolations(page), [], lang);
      await shot(page, `quality-centre-${lang}`);
      await context.close();
    }
  });

  it("lists the answer in the table of answers and opens it", async () => {
    const { context } = await staffContext(browser, baseUrl, ctx, "supervisor", undefined, {
      locale: "pt-BR",
    });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/centro/respostas`);
    await page.getByRole("heading", { level: 1, name: texts("pt-BR").quality.responses.title }).waitFor();
    const row = page.locator("tr[data-response]").first();
    await row.waitFor();
    assert.equal(await row.getAttribute("data-state"), "accepted");
    assert.deepEqual(await seriousViolations(page), []);
    await row.locator("a").click();
    await page.locator(".response-facts").waitFor();
    await page.getByText(inspectorRow!.name).first().waitFor();
    await shot(page, "quality-responses");
    await context.close();
  });

  it("writes down a spoken answer of a citizen auditor from the queue on the same screen", async () => {
    const callId = await spokenAnswerWaiting();
    const { context } = await staffContext(browser, baseUrl, ctx, "supervisor", undefined, {
      locale: "pt-BR",
    });
    const page = await context.newPage();
    const t = texts("pt-BR").quality.voice;
    await page.goto(`${baseUrl}/centro/respostas`);
    const item = page.locator(".voice-answer").first();
    await item.getByText("Conte o que viu na sua quadra.").waitFor();
    // The audio is served to the page's session (audited); the player needs no more than its source.
    const src = await item.locator("audio").getAttribute("src");
    const heard = await page.evaluate(async (url) => (await fetch(url!)).status, src);
    assert.equal(heard, 200);
    assert.deepEqual(await seriousViolations(page), []);
    await item.getByLabel(t.transcript).fill("Tem lixo acumulado na esquina.");
    await shot(page, "quality-voice-review");
    await item.getByRole("button", { name: t.save }).click();
    await page.getByRole("status").filter({ hasText: t.saved }).waitFor();
    await page.getByText(t.empty).waitFor();
    const stored = await one<{ value: unknown }>(
      ctx.db,
      `SELECT x.value FROM answers x JOIN auditor_calls c ON c.response_id = x.response_id
        WHERE c.id = $1 AND x.question = 'comentario'`,
      [callId],
    );
    assert.equal(stored.value, "Tem lixo acumulado na esquina.");
    await context.close();
  });

  it("shows the quality per district on the transparency portal, without a session", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "pt-BR" });
    await narrowed(context);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/transparencia`);
    const section = page.locator("section[aria-labelledby='transparency-quality']");
    await section.scrollIntoViewIfNeeded();
    // One scored block is too few for a public score: the district is listed (among all), without one.
    await section.getByRole("button", { name: /Mostrar todos/ }).click();
    const row = section.locator(`tr[data-code="${demand.district_code}"]`);
    await row.waitFor();
    assert.equal(await row.locator("td").first().getAttribute("data-value"), "");
    await section.locator(`path[data-area="${demand.district_code}"]`).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await shot(page, "quality-transparency");
    await context.close();
  });
});
