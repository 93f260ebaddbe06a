/**
 * The inspectors' tablet without the network (issue 17, decision 0063), in Chromium with its offline emulation: the
 * inspector downloads the day, goes offline, answers the questionnaire on three blocks (a photo on the first, the
 * skip logic asking "why" after a "no"), files a new demand with a photo from a visit, reloads the page offline and
 * finds everything kept, comes back online, syncs, and sees the demand's protocol; the server holds each answer and
 * the demand once, however often the link comes and goes; a worker recomputes the blocks' scores and a supervisor
 * sees them on the command centre's quality layer; signing out while a demand waits warns first; under the day-end
 * surge the server keeps a batch for a worker (202) and the tablet reads its reply back.
 * Screenshots in .cache/screenshots/campo-*.png.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { STALE_JOB } from "../../server/block-scores/stale.ts";
import { one } from "../../server/db/index.ts";
import { cityToday } from "../../server/field/day.ts";
import { STORE_JOB } from "../../server/field/queue.ts";
import { JOBS } from "../../server/jobs/registry.ts";
import { drain } from "../factories.ts";
import { staffHeaders } from "../helpers.ts";
import { seriousViolations, shot, staffContext, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest({});
const db = ctx.db;

// A service that takes anonymous demands at a point, and a questionnaire about it (published).
const service = await one<{ id: number; code: string; name: string }>(
  db,
  `SELECT id, code, name->>'pt-BR' AS name FROM services
    WHERE active AND anonymous_allowed AND attributes = '[]'::jsonb ORDER BY code LIMIT 1`,
);
const DEFINITION = {
  questions: [
    {
      name: "clean",
      type: "yes_no",
      label: { "pt-BR": "A calçada está limpa?" },
      required: true,
      scoring: "yes_good",
    },
    {
      name: "why",
      type: "multiple_choice",
      label: { "pt-BR": "O que há na calçada?" },
      required: true,
      relevant: { question: "clean", op: "eq", value: false },
      choices: [
        { value: "lixo", label: { "pt-BR": "Lixo" } },
        { value: "entulho", label: { "pt-BR": "Entulho" } },
      ],
    },
    { name: "rating", type: "scale", label: { "pt-BR": "Nota geral" }, required: true, scoring: "scale" },
    { name: "photos", type: "photo", label: { "pt-BR": "Fotos" } },
  ],
};
const questionnaire = await one<{ id: number }>(
  db,
  `INSERT INTO questionnaires (code, title, service_id) VALUES ('calcadas', '{"pt-BR": "Calçadas"}', $1) RETURNING id`,
  [service.id],
);
await db.query(
  `INSERT INTO questionnaire_versions (questionnaire_id, version, state, definition, published_at)
   VALUES ($1, 1, 'published', $2::jsonb, now())`,
  [questionnaire.id, JSON.stringify(DEFINITION)],
);
// Three blocks of one district, near the city's centre: the command centre's map opens over them at the end.
const blocks = await db.query<{ id: number; lat: number; lng: number; district: string }>(
  `SELECT b.id, ST_Y(p) AS lat, ST_X(p) AS lng, d.code AS district
     FROM (SELECT id, ST_PointOnSurface(geom) AS p FROM blocks) b
     JOIN districts d ON ST_Intersects(d.geom, b.p)
    WHERE d.code = (SELECT d2.code FROM districts d2
                     ORDER BY d2.geom <-> ST_SetSRID(ST_Point(-46.634, -23.5503), 4326) LIMIT 1)
    ORDER BY b.p <-> ST_SetSRID(ST_Point(-46.634, -23.5503), 4326) LIMIT 3`,
);
assert.equal(blocks.length, 3);
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);
const photo = (name: string) => ({ name, mimeType: "image/png", buffer: PNG });

/** Plans today's route of three visits for the inspector, as a manager does. */
async function planDay(inspectorId: number): Promise<void> {
  const manager = await staffHeaders(db, "manager");
  const res = await fetch(`${baseUrl}/api/v1/inspection-routes`, {
    method: "POST",
    headers: { authorization: manager.authorization, "content-type": "application/json" },
    body: JSON.stringify({
      inspectorId,
      day: await cityToday(db),
      visits: blocks.map((b) => ({ blockId: b.id, questionnaireId: questionnaire.id })),
    }),
  });
  assert.equal(res.status, 201, await res.text());
}

/** A supervisor opens the command centre's map over the blocks' district and finds them on the quality layer. */
async function seeScoresOnTheCentreMap(): Promise<void> {
  const all = (await (
    await fetch(`${baseUrl}/api/v1/districts.geojson`)
  ).json()) as GeoJSON.FeatureCollection;
  const oneDistrict = JSON.stringify({
    ...all,
    features: all.features.filter((f) => String(f.properties?.code) === blocks[0]!.district),
  });
  const { context } = await staffContext(browser, baseUrl, ctx, "supervisor", undefined, { locale: "pt-BR" });
  // The centre's map opens on the district nearest the city's middle: narrowed to the blocks' own.
  await context.route("**/api/v1/districts.geojson", (route) =>
    route.fulfill({ status: 200, contentType: "application/geo+json", body: oneDistrict }),
  );
  const page = await context.newPage();
  await page.goto(`${baseUrl}/centro?lang=pt-BR`);
  await page.locator(".centre-map.leaflet-container").first().waitFor();
  await page.getByRole("checkbox", { name: "Qualidade por quadra" }).check();
  for (const b of blocks) await page.locator(`.quality-layer path[data-area="${b.id}"]`).waitFor();
  assert.deepEqual(await seriousViolations(page), []);
  await shot(page, "campo-centre-scores-pt-BR");
  await context.close();
}

describe("the inspectors' tablet without the network", () => {
  it("works the day offline, keeps everything through a reload and syncs each item once", async () => {
    const first = blocks[0]!;
    const { context, staffId } = await staffContext(browser, baseUrl, ctx, "inspector", undefined, {
      locale: "pt-BR",
      viewport: { width: 800, height: 1280 },
      geolocation: { latitude: first.lat, longitude: first.lng, accuracy: 10 },
      permissions: ["geolocation"],
    });
    await planDay(staffId);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/campo?lang=pt-BR`);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
      timeout: 15_000,
    });
    await page.reload();
    await page.getByRole("button", { name: "Baixar o dia" }).click();
    await page.getByTestId("downloaded-at").waitFor();
    await page.locator(".campo-map .leaflet-interactive").first().waitFor();
    await shot(page, "campo-day-pt-BR");
    assert.deepEqual(await seriousViolations(page), []);

    await context.setOffline(true);
    for (const [i, answer] of ["no", "yes", "yes"].entries()) {
      await page.getByRole("link", { name: "Responder" }).first().click();
      await page.getByRole("heading", { name: "Calçadas" }).waitFor();
      if (i === 0) {
        // Finishing with nothing answered lists what is missing, each linked to its question.
        await page.getByRole("button", { name: "Concluir visita" }).click();
        await page.getByTestId("answer-problems").waitFor();
        assert.match(await page.getByTestId("answer-problems").innerText(), /A calçada está limpa\?/);
      }
      await page.getByLabel(answer === "no" ? "Não" : "Sim", { exact: true }).check();
      // The skip logic: "why" is asked only after a "no".
      assert.equal(await page.getByLabel("Lixo").count(), answer === "no" ? 1 : 0);
      if (answer === "no") await page.getByLabel("Entulho").check();
      await page.getByLabel("4 · Bom").check();
      if (i === 0) {
        await page.setInputFiles("#q-photos", [photo("calcada.png")]);
        await page.locator(".thumb").first().waitFor();
        assert.deepEqual(await seriousViolations(page), []);
        await shot(page, "campo-answer-pt-BR");
        // A new demand from this visit, with a photo, at the block's centre or the GPS.
        await page.getByRole("link", { name: "Nova demanda" }).last().click();
        await page.locator("#demand-service").fill(service.name.split(" ")[0]!);
        await page.locator(".options button").first().click();
        await page.locator("#demand-description").fill("Entulho bloqueando a calçada");
        await page.setInputFiles("#demand-photos", [photo("entulho.png")]);
        await page.locator(".thumb").first().waitFor();
        await page.getByRole("button", { name: "Guardar demanda" }).click();
        await page.getByRole("heading", { name: "Calçadas" }).waitFor();
      }
      await page.getByRole("button", { name: "Concluir visita" }).click();
      await page.getByRole("heading", { name: "Roteiro do dia" }).waitFor();
    }

    // A reload offline: the tablet opens from its copy, with the three answers and the demand waiting.
    await page.reload();
    await page.getByTestId("downloaded-at").waitFor();
    assert.equal(await page.getByText("Respondida, esperando sincronização").count(), 3);
    assert.match(await page.getByTestId("waiting-link").innerText(), /4/);
    await shot(page, "campo-offline-pt-BR");
    assert.equal(
      (
        await one<{ n: number }>(db, "SELECT count(*)::int AS n FROM responses WHERE staff_user_id = $1", [
          staffId,
        ])
      ).n,
      0,
      "nothing reached the server",
    );

    // Back online: synced, once; the demand shows its protocol.
    await context.setOffline(false);
    await page.getByRole("link", { name: /A sincronizar/ }).click();
    await page.getByTestId("demand-protocol").waitFor({ timeout: 30_000 });
    const protocol = (await page.getByTestId("demand-protocol").innerText()).trim();
    await page.getByText("Sincronizado").nth(3).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await shot(page, "campo-synced-pt-BR");
    const made = await db.query<{ protocol: string; channel: string }>(
      "SELECT protocol, channel FROM demands WHERE description = 'Entulho bloqueando a calçada'",
    );
    assert.deepEqual(made, [{ protocol, channel: "field" }]);
    const stored = await db.query<{ block_id: number; answers: number }>(
      `SELECT r.block_id, (SELECT count(*)::int FROM answers a WHERE a.response_id = r.id) AS answers
         FROM responses r WHERE r.staff_user_id = $1 ORDER BY r.block_id`,
      [staffId],
    );
    assert.deepEqual(
      stored.map((r) => r.block_id),
      blocks.map((b) => b.id).sort((a, b) => a - b),
    );
    const done = await one<{ n: number }>(
      db,
      `SELECT count(*)::int AS n FROM inspection_visits v JOIN inspection_routes r ON r.id = v.route_id
        WHERE r.inspector_id = $1 AND v.state = 'done'`,
      [staffId],
    );
    assert.equal(done.n, 3);

    // A worker recomputes the synced blocks' scores (the sync marked them stale), and the command centre's
    // quality layer shows the three blocks.
    await drain(
      ctx,
      JOBS.filter((job) => job.name === STALE_JOB),
    );
    const scored = await db.query<{ block_id: number }>(
      "SELECT DISTINCT block_id FROM block_scores WHERE block_id = ANY($1::bigint[])",
      [blocks.map((b) => b.id)],
    );
    assert.equal(scored.length, 3, "each synced block has its score");
    await seeScoresOnTheCentreMap();

    // The link comes and goes, the tablet opens again and syncs: nothing arrives twice.
    await context.setOffline(true);
    await context.setOffline(false);
    await page.reload();
    await page.getByRole("button", { name: "Sincronizar agora" }).click();
    await page
      .getByTestId("sync-status")
      .getByText(/sincroniza/)
      .waitFor();
    const again = await one<{ n: number }>(
      db,
      "SELECT count(*)::int AS n FROM responses WHERE staff_user_id = $1",
      [staffId],
    );
    assert.equal(again.n, 3);

    // Signing out while something waits warns first, and staying keeps the session and what waits.
    await context.setOffline(true);
    await page.getByRole("link", { name: "Nova demanda" }).click();
    await page.locator("#demand-service").fill(service.name.split(" ")[0]!);
    await page.locator(".options button").first().click();
    await page.locator("#demand-description").fill("Poste apagado");
    await page.locator("#demand-block").selectOption(String(first.id));
    await page.getByRole("button", { name: "Guardar demanda" }).click();
    await page.getByTestId("kept-demand").nth(1).waitFor();
    await page.getByRole("button", { name: "Sair" }).click();
    await page.getByText("1 item ainda espera sincronização.").waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await page.getByRole("button", { name: "Continuar conectado" }).click();
    assert.match(await page.getByTestId("waiting-link").innerText(), /1/);

    // The day-end surge: the server keeps the batch for a worker (202), the tablet reads its reply back later.
    await page.getByTestId("waiting-link").click();
    const config = ctx.config as { fieldSyncAtOnce: number };
    const atOnce = config.fieldSyncAtOnce;
    config.fieldSyncAtOnce = 0;
    try {
      await context.setOffline(false);
      const queued = async () =>
        (await db.query("SELECT 1 FROM field_syncs WHERE staff_user_id = $1 AND state = 'queued'", [staffId]))
          .length;
      for (let i = 0; i < 100 && (await queued()) === 0; i++) await page.waitForTimeout(100);
      assert.equal(await queued(), 1, "the batch was kept for a worker");
      await drain(
        ctx,
        JOBS.filter((job) => job.name === STORE_JOB),
      );
      await page.getByTestId("sync-status").getByText("1 item sincronizado").waitFor({ timeout: 30_000 });
    } finally {
      config.fieldSyncAtOnce = atOnce;
    }
    const lamp = await db.query<{ channel: string }>(
      "SELECT channel FROM demands WHERE description = 'Poste apagado'",
    );
    assert.deepEqual(lamp, [{ channel: "field" }]);
    await shot(page, "campo-surge-synced-pt-BR");
    await context.close();
  });
});
