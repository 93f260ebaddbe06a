/**
 * The citizen's page on a phone, in pt-BR, en and es (decision 0030): the link of the e-mail opened on another
 * device (a fresh browser context) shows the full view with the photos, and rates and reopens; /acompanhar with the
 * protocol and the receipt's access code does the same after a wrong code is refused. axe-core and screenshots.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { startFakeSmtp } from "../../channels/email/fake.ts";
import { iconPng } from "../../server/http/icons.ts";
import { JOBS } from "../../server/jobs/registry.ts";
import { runOnce } from "../../server/jobs/runner.ts";
import { closeChannelsOf } from "../../server/notifications/jobs.ts";
import { staffHeaders } from "../helpers.ts";
import { seriousViolations, shot, startBrowserTest } from "./browser.ts";

const fake = await startFakeSmtp();
after(() => fake.close());
const PUBLIC_URL = "https://156.cidade.example";
const { baseUrl, browser, ctx } = await startBrowserTest({ smtpUrl: fake.url, publicUrl: PUBLIC_URL });
after(() => closeChannelsOf(ctx.config));
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

const [service] = await ctx.db.query<{ code: string }>(
  `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch
    ORDER BY code LIMIT 1`,
);
const drain = async () => {
  while ((await runOnce(ctx, JOBS)) > 0) {}
};

/** The texts each language shows, as a citizen reads them. */
const TEXTS = {
  "pt-BR": {
    star: "2 — Insatisfeito",
    no: "Não",
    rate: "Enviar avaliação",
    thanks: "Obrigado pela avaliação.",
    reopen: "Reabrir a solicitação",
    reopened: "Solicitação reaberta",
    code: "Código de acesso",
    confirm: "Confirmar",
    proved: "Pronto: esta é a sua solicitação.",
    wrong: "Código de acesso errado",
    own: "Foto 1 de 1 enviada por você",
    evidence: "Foto 1 de 1 do serviço realizado",
  },
  en: {
    star: "2 — Unsatisfied",
    no: "No",
    rate: "Send rating",
    thanks: "Thank you for your rating.",
    reopen: "Reopen the request",
    reopened: "Request reopened",
    code: "Access code",
    confirm: "Confirm",
    proved: "Done: this is your request.",
    wrong: "Wrong access code",
    own: "Photo 1 of 1 sent by you",
    evidence: "Photo 1 of 1 of the work done",
  },
  es: {
    star: "2 — Insatisfecho",
    no: "No",
    rate: "Enviar evaluación",
    thanks: "Gracias por su evaluación.",
    reopen: "Reabrir la solicitud",
    reopened: "Solicitud reabierta",
    code: "Código de acceso",
    confirm: "Confirmar",
    proved: "Listo: esta es su solicitud.",
    wrong: "Código de acceso incorrecto",
    own: "Foto 1 de 1 enviada por usted",
    evidence: "Foto 1 de 1 del servicio realizado",
  },
} as const;
type Lang = keyof typeof TEXTS;

let serial = 0;
/**
 * Files an identified demand with a photo in `lang`, has the department answer it with an evidence photo, and
 * delivers the answer (the demand closes, the survey goes out). Returns its protocol, secret and e-mail address.
 */
async function closedDemand(lang: Lang) {
  serial++;
  const email = `cidada-${serial}-${lang.toLowerCase()}@example.org`;
  const form = new FormData();
  form.append(
    "demand",
    JSON.stringify({
      service: service!.code,
      description: `Buraco fundo na calçada ${serial}`,
      location: { lat: -23.5503 - serial * 0.004, lon: -46.634 },
      identity: "identified",
      citizen: { name: "Zuleica Quixadá", email, locale: lang },
    }),
  );
  form.append("photos", new Blob([new Uint8Array(iconPng(192))], { type: "image/png" }), "buraco.png");
  const created = await fetch(`${baseUrl}/api/v1/demands`, { method: "POST", body: form });
  assert.equal(created.status, 201, await created.clone().text());
  const { protocol, secret } = (await created.json()) as { protocol: string; secret: string };
  await drain();
  const [order] = await ctx.db.query<{ id: number; code: string }>(
    `SELECT w.id, dep.code FROM work_orders w JOIN demands d ON d.id = w.demand_id
      JOIN departments dep ON dep.id = w.department_id WHERE d.protocol = $1`,
    [protocol],
  );
  const { authorization } = await staffHeaders(ctx.db, "department_staff", order!.code);
  const files = new FormData();
  files.append("files", new Blob([new Uint8Array(iconPng(512))], { type: "image/png" }), "depois.png");
  const uploaded = await fetch(`${baseUrl}/api/v1/work-orders/${order!.id}/attachments`, {
    method: "POST",
    headers: { authorization },
    body: files,
  });
  assert.equal(uploaded.status, 201, await uploaded.clone().text());
  const [photo] = ((await uploaded.json()) as { attachments: { id: number }[] }).attachments;
  const answered = await fetch(`${baseUrl}/api/v1/work-orders/${order!.id}/answer`, {
    method: "POST",
    headers: { authorization, "content-type": "application/json" },
    body: JSON.stringify({
      answer: "A equipe de conservação tapou o buraco com asfalto frio em 12/03 e sinalizou o local.",
      evidence: [photo!.id],
    }),
  });
  assert.equal(answered.status, 200, await answered.text());
  await drain();
  return { protocol, secret, email };
}

/** The link of the last e-mail sent to `email`, pointed at the test server. */
async function lastLink(email: string): Promise<string> {
  const mails = await Promise.all(
    fake.received.filter((m) => m.to.includes(email)).map((m) => fake.parse(m)),
  );
  const links = mails.flatMap((m) => [...(m.text ?? "").matchAll(/https:\/\/156\.cidade\.example\/\S+/g)]);
  const link = links
    .map((l) => l[0])
    .filter((l) => l.includes("/acompanhar"))
    .at(-1);
  if (!link?.includes("#chave=")) throw new Error(`the e-mail's link carries no proof: ${link}`);
  return link.replace(PUBLIC_URL, baseUrl);
}

/** Waits for both photo thumbnails and checks their alt texts. */
async function seesPhotos(page: import("playwright-core").Page, lang: Lang) {
  await page.locator(".photos img").nth(1).waitFor();
  const alts = await page
    .locator(".photos img")
    .evaluateAll((imgs) => imgs.map((i) => i.getAttribute("alt")));
  assert.equal(alts[0], TEXTS[lang].own);
  assert.ok(alts[1]?.startsWith(TEXTS[lang].evidence), alts[1] ?? "");
  // Every thumbnail really loaded (an object URL of the file read with the proof).
  const loaded = await page
    .locator(".photos img")
    .evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
  assert.deepEqual(loaded, [192, 512]);
}

for (const lang of ["pt-BR", "en", "es"] as const) {
  const text = TEXTS[lang];
  describe(`the citizen's page in ${lang} on a phone`, () => {
    it("opens from the e-mail's link on another device with the photos, and rates and reopens", async () => {
      const demand = await closedDemand(lang);
      const link = await lastLink(demand.email);
      const context = await browser.newContext({ ...PHONE, locale: lang });
      const page = await context.newPage();
      await page.goto(link);
      await page.waitForURL(new RegExp(`/demanda/${demand.protocol}\\?lang=${lang}$`));
      assert.equal(await page.getAttribute("html", "lang"), lang);
      await seesPhotos(page, lang);
      assert.equal(new URL(page.url()).hash, "", "the proof left the address bar");
      assert.deepEqual(await seriousViolations(page), []);
      await shot(page, `citizen-page-link-${lang}`);
      // The enlarged photo, then back.
      await page.locator(".photos .thumb").first().click();
      await page.locator(".photo-large img").waitFor();
      await shot(page, `citizen-page-photo-${lang}`);

      await page.getByLabel(text.star).check();
      await page.getByLabel(text.no, { exact: true }).check();
      await page.getByRole("button", { name: text.rate }).click();
      await page.getByText(text.thanks).waitFor();
      await page.locator("#reopen-reason").fill("O buraco voltou a abrir dois dias depois do reparo.");
      await page.getByRole("button", { name: text.reopen }).click();
      await page.locator('[data-status="dispatched"]').waitFor();
      await page.getByText(text.reopened).waitFor();
      await shot(page, `citizen-page-reopened-${lang}`);
      const [row] = await ctx.db.query<{ status: string; rating: number; solved: boolean }>(
        `SELECT d.status, s.rating, s.solved FROM demands d JOIN satisfaction_surveys s ON s.demand_id = d.id
          WHERE d.protocol = $1`,
        [demand.protocol],
      );
      assert.deepEqual({ ...row }, { status: "dispatched", rating: 2, solved: false });
      await context.close();
    });

    it("opens from /acompanhar with the protocol, refuses a wrong access code and takes the right one", async () => {
      const demand = await closedDemand(lang);
      const context = await browser.newContext({ ...PHONE, locale: lang });
      const page = await context.newPage();
      await page.goto(`${baseUrl}/acompanhar?protocolo=${demand.protocol}&lang=${lang}`);
      await page.locator(`[data-status="closed"]`).waitFor();
      // The public view: no photos, no rating, and the way to prove the demand is one's own.
      assert.equal(await page.locator(".photos").count(), 0);
      assert.equal(await page.getByRole("button", { name: text.rate }).count(), 0);
      assert.deepEqual(await seriousViolations(page), []);
      await shot(page, `citizen-page-public-${lang}`);
      await page.getByLabel(text.code).fill("nao-e-este");
      await page.getByRole("button", { name: text.confirm }).click();
      assert.match(await page.getByRole("alert").innerText(), new RegExp(text.wrong));
      assert.equal(await page.getByRole("button", { name: text.rate }).count(), 0);
      await page.getByLabel(text.code).fill(demand.secret);
      await page.keyboard.press("Enter");
      await page.getByText(text.proved).waitFor();
      await seesPhotos(page, lang);
      assert.deepEqual(await seriousViolations(page), []);
      await shot(page, `citizen-page-code-${lang}`);
      await page.getByLabel(text.star).check();
      await page.getByLabel(text.no, { exact: true }).check();
      await page.getByRole("button", { name: text.rate }).click();
      await page.getByText(text.thanks).waitFor();
      // The code is kept on this device: the page opens in full again.
      await page.reload();
      await page.locator("#reopen-reason").waitFor();
      await context.close();
    });

    it("has the portal's look on the server-rendered pages too: the charter and the consent link's page", async () => {
      const context = await browser.newContext({ ...PHONE, locale: lang });
      const page = await context.newPage();
      await page.goto(`${baseUrl}/demanda?lang=${lang}`);
      const portalHeader = await page
        .locator("header.site-header")
        .evaluate((h) => getComputedStyle(h).backgroundColor);
      for (const [name, path] of [
        ["charter", "/carta-de-servicos"],
        ["consent", "/consentimento/retirar?token=expired"],
      ] as const) {
        await page.goto(`${baseUrl}${path}${path.includes("?") ? "&" : "?"}lang=${lang}`);
        assert.equal(await page.getAttribute("html", "lang"), lang);
        const header = page.locator("header.site-header");
        assert.equal(await header.evaluate((h) => getComputedStyle(h).backgroundColor), portalHeader, name);
        assert.equal(await page.locator("nav.lang li").count(), 3);
        assert.equal(
          await page.locator("#menu a.menu-link").count(),
          5,
          "the portal's menu, transparency included",
        );
        // The charter's axe walk is tests/browser/charter.test.ts's (1,400 articles: slow here on a phone).
        if (name === "consent") assert.deepEqual(await seriousViolations(page), [], name);
        await page.screenshot({ path: `.cache/screenshots/citizen-page-${name}-${lang}.png` });
      }
      await context.close();
    });
  });
}
