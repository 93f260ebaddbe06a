/**
 * Filing a demand on a phone, in pt-BR, en and es (issue 12): the "go to search" skip link lands in the search box;
 * arrow keys move through the service suggestions and Enter picks one, carrying the words typed into the form's
 * description; an empty description is named at its field, listed at the top and focused; Enter in the address field
 * searches (it does not send) and the results are a keyboard list that leaves the focus in the field; a PDF and a
 * 12 MB photo are refused before any upload; thumbnails with a remove button and a plural count; identified,
 * confidential and anonymous explained; the deadline before sending and the due date after. axe-core on each step.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import type { DeadlineUnit } from "../../domain/business-time.ts";
import { demandDeadlineOf } from "../../domain/deadline-text.ts";
import { iconPng } from "../../server/http/icons.ts";
import { flatten } from "../../server/i18n.ts";
import { seriousViolations, shot, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
const LANGS = ["pt-BR", "en", "es"] as const;

/** The `web.` texts of a language, as the screens read them ("portal.file.deadline" → "…"). */
function textsOf(lang: string): (key: string, params?: Record<string, string | number>) => string {
  const all = flatten(JSON.parse(readFileSync(`locales/${lang}.json`, "utf8")));
  return (key, params = {}) =>
    (all.get(`web.${key}`) ?? key).replace(/\{(\w+)\}/g, (w, n: string) => String(params[n] ?? w));
}

// A place-bound service taking anonymous demands (all three identities offered), with no extra fields, and a
// street of the demo city to look up.
// (In the demo catalogue those are complaints and reports: the ombudsman law's 30 days are told, not the service's.)
const [service] = await ctx.db.query<{
  code: string;
  demand_type: string;
  deadline_amount: number;
  deadline_unit: DeadlineUnit;
}>(
  `SELECT code, demand_type, deadline_amount, deadline_unit FROM services
    WHERE active AND attributes = '[]'::jsonb AND location_required AND anonymous_allowed
    ORDER BY code LIMIT 1`,
);
const spec = demandDeadlineOf({
  demandType: service!.demand_type,
  deadline: { amount: service!.deadline_amount, unit: service!.deadline_unit },
});
const [namedOnly] = await ctx.db.query<{ code: string }>(
  `SELECT code FROM services WHERE active AND NOT anonymous_allowed AND attributes = '[]'::jsonb ORDER BY code LIMIT 1`,
);
const [street] = await ctx.db.query<{ name: string }>(
  "SELECT name FROM streets WHERE name LIKE 'R %' AND length(normalized_name) > 6 ORDER BY id LIMIT 1",
);

const activeId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? "");

/** Counts the intake requests a page makes, to prove a refused file never left the phone. */
function countIntakes(page: Page): () => number {
  let n = 0;
  page.on("request", (r) => {
    if (r.method() === "POST" && new URL(r.url()).pathname === "/api/v1/demands") n++;
  });
  return () => n;
}

describe("filing a demand on a phone", () => {
  for (const lang of LANGS) {
    it(`finds the service by keyboard and carries the words typed (${lang})`, async () => {
      const context = await browser.newContext({ ...PHONE, locale: lang });
      const page = await context.newPage();
      await page.goto(`${baseUrl}/?lang=${lang}`);
      // The "go to search" skip link (access key 3) puts the focus in the search box itself.
      await page.locator('.skip-links a[href="#search"]').focus();
      await page.keyboard.press("Enter");
      assert.equal(await activeId(page), "q");
      const words = "buraco na rua";
      await page.keyboard.type(words);
      const options = page.locator("#suggestions [role=option]");
      await options.nth(1).waitFor();
      const q = page.locator("#q");
      assert.equal(await q.getAttribute("role"), "combobox");
      assert.equal(await q.getAttribute("aria-expanded"), "true");
      await page.keyboard.press("ArrowDown");
      assert.equal(await q.getAttribute("aria-activedescendant"), "suggestions-0");
      await page.keyboard.press("ArrowDown");
      assert.equal(await q.getAttribute("aria-activedescendant"), "suggestions-1");
      assert.equal(await options.nth(1).getAttribute("aria-selected"), "true");
      await page.keyboard.press("ArrowUp");
      await page.keyboard.press("ArrowDown");
      assert.equal(await activeId(page), "q", "the focus stays in the search box");
      assert.deepEqual(await seriousViolations(page), []);
      await shot(page, `filing-suggestions-${lang}`);
      // Escape closes the list; typing opens it again; Enter picks the active suggestion.
      await page.keyboard.press("Escape");
      assert.equal(await options.count(), 0);
      assert.equal(await q.getAttribute("aria-expanded"), "false");
      await page.keyboard.type(" ");
      await options.nth(1).waitFor();
      await page.keyboard.press("ArrowDown");
      await page.keyboard.press("ArrowDown");
      await page.keyboard.press("Enter");
      await page.waitForURL(/\/solicitar\//);
      await page.locator("#description").waitFor();
      await page.waitForFunction(() => (document.querySelector("#description") as HTMLTextAreaElement).value);
      assert.equal(await page.locator("#description").inputValue(), words);
      await context.close();
    });

    it(`names each problem at its field, checks photos before upload and tells the deadline (${lang})`, async () => {
      const t = textsOf(lang);
      const context = await browser.newContext({ ...PHONE, locale: lang });
      const page = await context.newPage();
      const intakes = countIntakes(page);
      await page.goto(`${baseUrl}/solicitar/${service!.code}?lang=${lang}`);
      await page.locator("#description").waitFor();

      // The deadline, before sending.
      const form = new Intl.PluralRules(lang).select(spec.amount) === "one" ? "one" : "other";
      const deadline = t(`ui.deadline.${spec.unit}_${form}`, { count: spec.amount });
      assert.equal(await page.getByTestId("deadline").innerText(), t("portal.file.deadline", { deadline }));

      // Sent empty: every problem at its field, listed at the top, and the focus in the first field.
      await page.getByRole("button", { name: t("portal.file.submit") }).click();
      await page.locator(".error-summary").waitFor();
      assert.equal(await activeId(page), "description");
      assert.equal(await page.locator("#description").getAttribute("aria-invalid"), "true");
      assert.match(
        String(await page.locator("#description").getAttribute("aria-describedby")),
        /description-error/,
      );
      assert.equal(
        await page.locator("#description-error").innerText(),
        t("portal.file.errors.description_required"),
      );
      assert.equal(
        await page.locator("#address-error").innerText(),
        t("portal.file.errors.location_required"),
      );
      assert.equal(await page.locator("#name-error").innerText(), t("portal.file.errors.contact_required"));
      const summary = await page.locator(".error-summary").innerText();
      assert.ok(summary.includes(t("portal.file.errors.summary_other", { count: 3 })), summary);
      assert.ok(summary.indexOf(t("portal.file.description")) < summary.indexOf(t("portal.file.address")));
      assert.deepEqual(await seriousViolations(page), []);
      await shot(page, `filing-errors-${lang}`);
      // The summary's link to a field puts the focus in it.
      await page.locator('.error-summary a[href="#address"]').click();
      assert.equal(await activeId(page), "address");

      // Enter in the address field searches; it does not send the form. Arrows move through the results, Enter
      // picks one, and the focus stays in the field.
      await page.locator("#address").fill(street!.name);
      await page.keyboard.press("Enter");
      const results = page.locator("#address-results [role=option]");
      await results.first().waitFor();
      assert.equal(intakes(), 0, "nothing was sent");
      assert.match(page.url(), /\/solicitar\//);
      await page.keyboard.press("ArrowDown");
      await page.waitForFunction(
        () =>
          document.getElementById("address")?.getAttribute("aria-activedescendant") === "address-results-0",
      );
      // The option's own text (the street and number), before its district and subprefeitura.
      const picked = await results.first().evaluate((li) => li.firstChild?.textContent?.trim() ?? "");
      await page.keyboard.press("Enter");
      await page.locator("#address-results").waitFor({ state: "detached" });
      assert.equal(await activeId(page), "address");
      assert.ok((await page.locator("#address").inputValue()).startsWith(picked));
      await page
        .getByTestId("point")
        .filter({ hasText: /-23\.\d+/ })
        .waitFor();

      // A PDF and a 12 MB photo are refused on the phone, each named; nothing is uploaded.
      const big = Buffer.alloc(12 * 1024 * 1024);
      big.set([0xff, 0xd8, 0xff, 0xe0]);
      await page.locator("#photos").setInputFiles([
        { name: "laudo.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n%%EOF\n") },
        { name: "grande.jpg", mimeType: "image/jpeg", buffer: big },
      ]);
      const refusals = page.locator("#photos-error p");
      await refusals.nth(1).waitFor();
      assert.equal(
        await refusals.nth(0).innerText(),
        t("portal.file.errors.photo_type", { name: "laudo.pdf" }),
      );
      const mb = (n: number) => new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(n);
      assert.equal(
        await refusals.nth(1).innerText(),
        t("portal.file.errors.photo_size", { name: "grande.jpg", size: mb(12), max: mb(10) }),
      );
      assert.equal(await page.locator("#photos").getAttribute("aria-invalid"), "true");
      assert.equal(await page.locator(".thumbs img").count(), 0);
      assert.equal(intakes(), 0, "no refused file was uploaded");

      // Two photos: two thumbnails and a plural count; one removed: one thumbnail and the singular.
      await page.locator("#photos").setInputFiles([
        { name: "buraco.png", mimeType: "image/png", buffer: iconPng(64) },
        { name: "rua.png", mimeType: "image/png", buffer: iconPng(192) },
      ]);
      await page.locator(".thumbs img").nth(1).waitFor();
      await page.getByText(t("portal.file.photos_count_other", { count: 2 })).waitFor();
      assert.equal(await refusals.count(), 0);
      await page.getByRole("button", { name: t("portal.file.photo_remove", { n: 1 }) }).click();
      await page.getByText(t("portal.file.photos_count_one", { count: 1 })).waitFor();
      assert.equal(await page.locator(".thumbs img").count(), 1);
      assert.equal(
        await page.locator(".thumbs img").getAttribute("alt"),
        t("portal.file.photo_alt", { n: 1, name: "rua.png" }),
      );
      assert.match(String(await page.locator(".thumbs img").getAttribute("src")), /^blob:/);

      // Identified, confidential and anonymous, each explained in one sentence.
      for (const choice of ["identified", "confidential", "anonymous"]) {
        const radio = page.locator(`#identity-${choice}`);
        assert.equal(await radio.getAttribute("aria-describedby"), `identity-${choice}-hint`);
        assert.equal(
          await page.locator(`#identity-${choice}-hint`).innerText(),
          t(`portal.file.${choice}_hint`),
        );
      }
      await page.getByLabel(t("portal.file.confidential")).check();
      await page.locator("#description").fill("Buraco fundo na pista, perto do ponto de ônibus");
      await page.locator("#name").fill("Lúcia Sigilo");
      await page.locator("#email").fill(`lucia-${lang}@example.org`);
      assert.deepEqual(await seriousViolations(page), []);
      await shot(page, `filing-ready-${lang}`);

      // Sent: the confirmation says the deadline and the date it is due.
      await page.getByRole("button", { name: t("portal.file.submit") }).click();
      await page.waitForURL(/\/demanda\/\d+/);
      const protocol = new URL(page.url()).pathname.split("/").pop()!;
      const due = page.getByTestId("due-date");
      await due.waitFor();
      const [row] = await ctx.db.query<{ identity_mode: string; photos: number }>(
        `SELECT identity_mode, (SELECT count(*)::int FROM attachments a WHERE a.demand_id = d.id) AS photos
           FROM demands d WHERE protocol = $1`,
        [protocol],
      );
      assert.deepEqual(row, { identity_mode: "confidential", photos: 1 });
      const text = await due.innerText();
      assert.ok(
        text.startsWith(t("portal.file.due", { deadline, date: "" }).replace(/\.?$/, "").trim()),
        text,
      );
      assert.match(text, /20\d\d/, "the date has its year");
      assert.deepEqual(await seriousViolations(page), []);
      await shot(page, `filing-confirmation-${lang}`);
      await context.close();
    });
  }

  it("offers confidentiality but not anonymity where the service asks to know who asks", async () => {
    const t = textsOf("pt-BR");
    const context = await browser.newContext({ ...PHONE, locale: "pt-BR" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/solicitar/${namedOnly!.code}`);
    await page.locator("#identity-confidential").waitFor();
    assert.equal(await page.locator("#identity-anonymous").count(), 0);
    await page.getByText(t("portal.file.no_anonymous")).waitFor();
    await context.close();
  });
});
