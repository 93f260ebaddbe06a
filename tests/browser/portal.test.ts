/**
 * The citizen portal in Chromium on a phone-sized viewport: filing a demand with a photo and a map point and
 * following it by protocol; a draft that survives going offline and is sent once when back; axe-core on every
 * screen in each language. Screenshots of every screen go to .cache/screenshots/.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { after, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { iconPng } from "../../server/http/icons.ts";
import { JOBS } from "../../server/jobs/registry.ts";
import { runOnce } from "../../server/jobs/runner.ts";
import { staffHeaders } from "../helpers.ts";
import { seriousViolations, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const SHOTS = resolve(".cache/screenshots");
mkdirSync(SHOTS, { recursive: true });
after(() => console.log(`screenshots: ${SHOTS}`));
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}/portal-${name}.png`, fullPage: true });
}

async function pickedPoint(page: Page): Promise<[number, number]> {
  const text = await page.locator('[data-testid="point"]').innerText();
  const [lat, lon] = text.match(/-?\d+\.\d+/g)!.map(Number);
  return [lon!, lat!];
}

async function demandsDescribed(description: string): Promise<string[]> {
  const rows = await ctx.db.query<{ protocol: string }>(
    "SELECT protocol FROM demands WHERE description = $1",
    [description],
  );
  return rows.map((r) => r.protocol);
}

describe("a citizen on a phone", () => {
  it("finds a service by plain words, files a demand with a photo and a map point, and follows it", async () => {
    const context = await browser.newContext({ ...PHONE, locale: "pt-BR" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/`);
    assert.equal(await page.getAttribute("html", "lang"), "pt-BR");
    await page.locator("#q").fill("buraco na rua");
    const suggestion = page.locator("#suggestions [role=option]").first();
    await suggestion.waitFor();
    await shot(page, "home-pt-BR");
    await suggestion.click();
    await page.waitForURL(/\/solicitar\//);
    const description = `Buraco fundo na pista ${Date.now()}`;
    await page.locator("#description").fill(description);
    await page.locator("#attr-size").selectOption("large");
    // The map loads on demand; keyboard users pick its centre with Enter.
    await page.getByRole("button", { name: "Marcar no mapa" }).click();
    await page.locator(".map.leaflet-container path").first().waitFor();
    await page.locator(".map").focus();
    await page.keyboard.press("Enter");
    // The point is checked against the city's outline before it is kept.
    await page.getByText(/Local marcado: -23\.\d+, -46\.\d+/).waitFor();
    const centre = await page.locator('[data-testid="point"]').innerText();
    // A tap on a district (Sé, compact enough that its middle lies inside it) puts the point there.
    const [se] = await ctx.db.query<{ code: string }>("SELECT code FROM districts WHERE name = 'SE'");
    await page.locator(`.map path.district-${se!.code}`).click();
    await page.waitForFunction(
      (before) => document.querySelector('[data-testid="point"]')?.textContent !== before,
      centre,
    );
    const [placed] = await ctx.db.query<{ inside: boolean }>(
      "SELECT ST_Contains(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) AS inside FROM districts WHERE code = $3",
      [...(await pickedPoint(page)), se!.code],
    );
    assert.equal(placed!.inside, true);
    await page
      .locator("#photos")
      .setInputFiles({ name: "buraco.png", mimeType: "image/png", buffer: iconPng(64) });
    await page.locator("#name").fill("Maria da Silva");
    await page.locator("#email").fill("maria@example.org");
    await shot(page, "file-pt-BR");
    await page.getByRole("button", { name: "Enviar solicitação" }).click();
    await page.waitForURL(/\/demanda\/\d+/);
    const protocol = new URL(page.url()).pathname.split("/").pop()!;
    await page.locator(".notice").getByText(protocol).waitFor();
    assert.deepEqual(await demandsDescribed(description), [protocol]);
    // The device that filed it sees the full view: its description and its photo.
    await page.getByText(description).waitFor();
    // The photo itself, as a thumbnail with its alt text (decision 0030).
    await page.getByRole("img", { name: "Foto 1 de 1 enviada por você" }).waitFor();
    await shot(page, "created-pt-BR");
    const [row] = await ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM attachments a JOIN demands d ON d.id = a.demand_id WHERE d.protocol = $1",
      [protocol],
    );
    assert.equal(row!.n, 1);

    // Anyone follows it by protocol from the home screen, with the keyboard.
    const other = await browser.newContext({ ...PHONE, locale: "pt-BR" });
    const stranger = await other.newPage();
    await stranger.goto(`${baseUrl}/`);
    await stranger.locator("#protocolo").fill(protocol);
    await stranger.keyboard.press("Enter");
    await stranger.waitForURL(new RegExp(`/demanda/${protocol}`));
    await stranger.locator("[data-status]").waitFor();
    assert.equal(await stranger.getByText(description).count(), 0, "the public view has no description");
    assert.match(await stranger.locator("ol.timeline").innerText(), /Solicitação registrada/);
    await shot(stranger, "follow-pt-BR");
    await other.close();
    await context.close();
  });

  it("keeps the draft through going offline and sends it once when back online", async () => {
    const [service] = await ctx.db.query<{ code: string }>(
      `SELECT code FROM services WHERE active AND anonymous_allowed AND NOT location_required
        AND attributes = '[]'::jsonb ORDER BY code LIMIT 1`,
    );
    const context = await browser.newContext({ ...PHONE, locale: "pt-BR" });
    const page = await context.newPage();
    const url = `${baseUrl}/solicitar/${service!.code}`;
    await page.goto(url);
    // Once the service worker controls the page, the shell and the service's fields are cached.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
      timeout: 15_000,
    });
    await page.reload();
    const description = `Janela aberta para o vizinho ${Date.now()}`;
    await page.locator("#description").fill(description);
    await page.getByLabel("Anônimo (sem meus dados)").check();
    // The draft is written to IndexedDB just after each change; a reload in the same millisecond as the click
    // (which no person makes) could come before the write: wait until the kept draft has the choice.
    await page.waitForFunction(async (code) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open("responsiva-portal");
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const kept = await new Promise<{ identity?: string } | undefined>((resolve) => {
        const read = db.transaction("kv").objectStore("kv").get(`draft:${code}`);
        read.onsuccess = () => resolve(read.result);
        read.onerror = () => resolve(undefined);
      });
      db.close();
      return kept?.identity === "anonymous";
    }, service!.code);
    await context.setOffline(true);
    await page.reload();
    await page.locator("#description").waitFor();
    assert.equal(
      await page.locator("#description").inputValue(),
      description,
      "the draft survived the reload",
    );
    await page.getByRole("button", { name: "Enviar solicitação" }).click();
    await page.getByText("Sem internet: sua solicitação ficou guardada").waitFor();
    await shot(page, "offline-pt-BR");
    assert.deepEqual(await demandsDescribed(description), []);
    await context.setOffline(false);
    await page.waitForURL(/\/demanda\/\d+/, { timeout: 15_000 });
    const protocol = new URL(page.url()).pathname.split("/").pop()!;
    // Back online again (a second "online" event, a restart of the app): nothing is sent twice.
    await context.setOffline(true);
    await context.setOffline(false);
    await page.goto(`${baseUrl}/`);
    await page.locator("#q").waitFor();
    assert.deepEqual(await demandsDescribed(description), [protocol]);
    await context.close();
  });
});

describe("a citizen waiting for the answer", () => {
  it("sees the department's answer arrive live, rates it as not solved and reopens it", async () => {
    const [service] = await ctx.db.query<{ code: string }>(
      `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch
        ORDER BY code LIMIT 1`,
    );
    const context = await browser.newContext({ ...PHONE, locale: "pt-BR" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/solicitar/${service!.code}`);
    await page.locator("#description").fill("Lixo acumulado na esquina há uma semana");
    await page.getByRole("button", { name: "Marcar no mapa" }).click();
    const [se] = await ctx.db.query<{ code: string }>("SELECT code FROM districts WHERE name = 'SE'");
    await page.locator(`.map path.district-${se!.code}`).click();
    if (await page.locator("#name").count()) {
      await page.locator("#name").fill("João Souza");
      await page.locator("#email").fill("joao@example.org");
    }
    await page.getByRole("button", { name: "Enviar solicitação" }).click();
    await page.waitForURL(/\/demanda\/\d+/);
    const protocol = new URL(page.url()).pathname.split("/").pop()!;
    await page.locator("[data-status]").waitFor();

    // The department accepts and answers through the API while the page stays open.
    const drain = async () => {
      while ((await runOnce(ctx, JOBS)) > 0) {}
    };
    await drain();
    const [order] = await ctx.db.query<{ id: number; code: string }>(
      `SELECT w.id, dep.code FROM work_orders w JOIN demands d ON d.id = w.demand_id
        JOIN departments dep ON dep.id = w.department_id WHERE d.protocol = $1`,
      [protocol],
    );
    const staff = await staffHeaders(ctx.db, "department_staff", order!.code);
    const call = (path: string, body?: object) =>
      fetch(`${baseUrl}/api/v1/work-orders/${order!.id}/${path}`, {
        method: "POST",
        headers: { authorization: staff.authorization, "content-type": "application/json" },
        body: JSON.stringify(body ?? {}),
      });
    assert.equal((await call("accept")).status, 200);
    const answer =
      "A equipe de limpeza recolheu o lixo em 12/03 e incluiu a esquina na coleta de terça-feira.";
    const answered = await call("answer", { answer });
    assert.equal(answered.status, 200, await answered.text());
    await drain();
    await page.locator(".answer").getByText(answer).waitFor({ timeout: 15_000 });
    await page.locator('[data-status="closed"]').waitFor();
    await shot(page, "answered-pt-BR");

    await page.getByLabel("2 — Insatisfeito").check();
    await page.getByLabel("Não", { exact: true }).check();
    await page.getByRole("button", { name: "Enviar avaliação" }).click();
    await page.getByText("Obrigado pela avaliação.").waitFor();
    const [survey] = await ctx.db.query<{ rating: number; solved: boolean }>(
      `SELECT s.rating, s.solved FROM satisfaction_surveys s JOIN demands d ON d.id = s.demand_id
        WHERE d.protocol = $1`,
      [protocol],
    );
    assert.deepEqual({ ...survey }, { rating: 2, solved: false });

    // Not solved: the citizen reopens it, and it goes back to the department that answered.
    await page.locator("#reopen-reason").fill("O lixo voltou a acumular no mesmo lugar dois dias depois.");
    await page.getByRole("button", { name: "Reabrir a solicitação" }).click();
    await page.locator('[data-status="dispatched"]').waitFor();
    const [reopened] = await ctx.db.query<{ status: string; reopen_count: number; department: string }>(
      `SELECT d.status, d.reopen_count, dep.code AS department FROM demands d
         JOIN work_orders w ON w.demand_id = d.id AND w.state = 'dispatched'
         JOIN departments dep ON dep.id = w.department_id WHERE d.protocol = $1`,
      [protocol],
    );
    assert.deepEqual({ ...reopened }, { status: "dispatched", reopen_count: 1, department: order!.code });
    await context.close();
  });
});

describe("a citizen who signs in", () => {
  it("gets a code by e-mail and sees their requests and each one in full", async () => {
    const email = `cidada-${Date.now()}@example.org`;
    const filed: string[] = [];
    for (const description of ["Lixo acumulado na esquina", "Poste apagado na praça"]) {
      const res = await fetch(`${baseUrl}/api/v1/demands`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          service: "SP-2378F648",
          description,
          citizen: { name: "Rita", email },
          location: { lat: -23.5503, lon: -46.634 },
        }),
      });
      assert.equal(res.status, 201);
      filed.push(((await res.json()) as { protocol: string }).protocol);
    }
    // A new device: no secret kept, so only signing in shows the full view.
    const context = await browser.newContext({ ...PHONE, locale: "pt-BR" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/`);
    await page.getByRole("link", { name: "Minhas solicitações" }).click();
    await page.locator("#email").fill(email);
    await page.getByRole("button", { name: "Enviar código" }).click();
    await page.locator("#code").waitFor();
    await shot(page, "mine-code");
    // The code travels in the e-mail's outbox row (the API test reads it from the e-mail itself).
    const [row] = await ctx.db.query<{ code: string }>(
      `SELECT o.payload->>'code' AS code FROM outbox o
         JOIN citizen_sign_in_codes c ON c.id = (o.payload->>'codeId')::bigint
        WHERE o.job = 'send-sign-in-code' AND c.address = $1`,
      [email],
    );
    assert.ok(row, "a code was issued for the address");
    await page.locator("#code").fill(row.code);
    await page.getByRole("button", { name: "Entrar" }).click();
    await page.getByText(`Você entrou como ${email}.`).waitFor();
    const listed = await page.locator(".my-demands .protocol").allInnerTexts();
    assert.deepEqual(listed.sort(), [...filed].sort());
    await shot(page, "mine-list");
    await page.locator(".my-demands a").first().click();
    await page.waitForURL(/\/demanda\//);
    await page.getByText("Descrição").waitFor();
    await context.close();
  });

  it("gets a code by SMS on the mobile number they gave and sees their request", async () => {
    const national = `11 9${String(Date.now()).slice(-8)}`;
    const res = await fetch(`${baseUrl}/api/v1/demands`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        service: "SP-2378F648",
        description: "Calçada quebrada na frente da escola",
        citizen: { name: "Rui", phone: `(${national.slice(0, 2)}) ${national.slice(3)}` },
        location: { lat: -23.5503, lon: -46.634 },
      }),
    });
    assert.equal(res.status, 201);
    const { protocol } = (await res.json()) as { protocol: string };
    const context = await browser.newContext({ ...PHONE, locale: "pt-BR" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/minhas-solicitacoes`);
    await page.getByRole("radio", { name: "Celular" }).check();
    await page.getByRole("radio", { name: "SMS" }).check();
    await page.getByLabel("Número do celular").fill(`+55 ${national}`);
    assert.deepEqual(await seriousViolations(page), []);
    await page.getByRole("button", { name: "Enviar código" }).click();
    await page.locator("#code").waitFor();
    await page.getByText("Se este número estiver em alguma solicitação").waitFor();
    await shot(page, "mine-code-sms");
    const number = `55${national.replace(/\D/g, "")}`;
    // No SMS provider in this test: the code is read from the outbox row, as the phone's holder would read the SMS.
    const [row] = await ctx.db.query<{ code: string }>(
      `SELECT o.payload->>'code' AS code FROM outbox o
         JOIN citizen_sign_in_codes c ON c.id = (o.payload->>'codeId')::bigint
        WHERE o.job = 'send-sign-in-code' AND c.address = $1 AND c.channel = 'sms'`,
      [number],
    );
    assert.ok(row, "a code was issued for the number, by SMS");
    await page.locator("#code").fill(row.code);
    await page.getByRole("button", { name: "Entrar" }).click();
    await page.getByText(`Você entrou como +${number}.`).waitFor();
    assert.deepEqual(await page.locator(".my-demands .protocol").allInnerTexts(), [protocol]);
    await context.close();
  });
});

describe("every portal screen in each language", () => {
  it("has no serious or critical axe-core violation", async () => {
    const created = await fetch(`${baseUrl}/api/v1/demands`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        service: "SP-2378F648",
        description: "Buraco",
        citizen: { name: "Ana", email: "ana@example.org" },
        location: { lat: -23.5503, lon: -46.634 },
      }),
    });
    assert.equal(created.status, 201);
    const { protocol } = (await created.json()) as { protocol: string };
    const screens: [string, string, string][] = [
      ["home", "/", "#q"],
      ["file", "/solicitar/SP-2378F648", "#description"],
      ["follow", `/demanda/${protocol}`, "[data-status]"],
      ["lookup", "/demanda", "#protocolo"],
      ["nearby", "/perto", ".leaflet-container path"],
      ["mine", "/minhas-solicitacoes", "#email"],
    ];
    const problems: string[] = [];
    for (const lang of ["pt-BR", "en", "es"]) {
      const context = await browser.newContext({ ...PHONE, locale: lang });
      const page = await context.newPage();
      for (const [name, path, ready] of screens) {
        await page.goto(`${baseUrl}${path}?lang=${lang}`);
        await page.locator(ready).first().waitFor();
        assert.equal(await page.getAttribute("html", "lang"), lang);
        if (name === "file") await page.locator("#description").fill("x");
        for (const v of await seriousViolations(page)) problems.push(`${lang} ${name}: ${v}`);
        await shot(page, `${name}-${lang}-axe`);
      }
      await context.close();
    }
    assert.deepEqual(problems, []);
  });
});
