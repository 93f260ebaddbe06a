/**
 * The platform operator's cities section in Chromium: signed in as the operator, a city is made from the empty
 * template, shown as being prepared until its job has run, then active without reloading the page, then suspended
 * with a reason; every step asserted on the database too, axe-core in each language. A city's administrator is not
 * offered the section.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { provisionTenantJob } from "../../server/platform/jobs.ts";
import { runAcrossTenants } from "../../server/tenants/current.ts";
import { drain } from "../factories.ts";
import { seriousViolations, shot, staffContext, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const { db } = ctx;
const { context } = await staffContext(browser, baseUrl, ctx, "platform_operator");
after(() => context.close());
const page = await context.newPage();

/** The tenant's row as the database has it. */
async function stored(slug: string) {
  const [row] = await runAcrossTenants(() =>
    db.query<{ status: string; suspended_reason: string | null; hosts: string[] }>(
      `SELECT t.status, t.suspended_reason,
              coalesce((SELECT array_agg(host ORDER BY host) FROM tenant_hosts h WHERE h.tenant_id = t.id), '{}') AS hosts
         FROM tenants t WHERE slug = $1`,
      [slug],
    ),
  );
  return row;
}

/** Opens the cities section in `lang` and waits for its table. */
async function open(target: Page, lang = "pt-BR"): Promise<void> {
  await target.goto(`${baseUrl}/admin/cidades?lang=${lang}`);
  await target.locator("main h1").waitFor();
  await target.locator("tr[data-tenant='default']").waitFor();
}

describe("the platform operator's cities", () => {
  it("makes a city from the empty template, sees it prepared and active, and suspends it", async () => {
    await open(page);
    assert.equal(await page.locator("main h1").textContent(), "Cidades da plataforma");
    await page.locator("#tenant-name").fill("Cidade de Teste");
    await page.locator("#tenant-slug").fill("teste-navegador");
    assert.equal(await page.locator("#tenant-template").inputValue(), "empty");
    await page.locator("#tenant-hosts").fill("teste.example, 156.teste.example");
    await page.getByRole("button", { name: "Criar cidade" }).click();
    await page.getByText("Cidade de Teste criada: em preparação.").waitFor();
    const row = page.locator("tr[data-tenant='teste-navegador']");
    await row.getByText("Em preparação…").waitFor();
    assert.equal((await stored("teste-navegador"))?.status, "provisioning");
    await shot(page, "platform-provisioning");

    // The worker's part: the page reads the list again by itself and says the city is ready.
    await drain(ctx, [provisionTenantJob]);
    await row.getByText("Ativa", { exact: true }).waitFor();
    await page.getByText("Cidade de Teste está pronta e ativa.").waitFor();
    assert.deepEqual(await stored("teste-navegador"), {
      status: "active",
      suspended_reason: null,
      hosts: ["teste.example", "156.teste.example"].sort(),
    });

    await row.getByRole("button", { name: "Gerenciar Cidade de Teste" }).click();
    await page.locator("#manage-tenant-title:focus").waitFor();
    await page.locator("#suspend-reason").fill("Contrato encerrado");
    await page.getByRole("button", { name: "Suspender" }).click();
    await page.getByText("Cidade de Teste suspensa.").waitFor();
    await row.getByText("Motivo: Contrato encerrado").waitFor();
    assert.deepEqual(
      { ...(await stored("teste-navegador")), hosts: undefined },
      { status: "suspended", suspended_reason: "Contrato encerrado", hosts: undefined },
    );
    // Suspended, the city answers nobody.
    const closed = await fetch(`${baseUrl}/t/teste-navegador/api/v1/services`);
    assert.equal(closed.status, 503);
    await page.getByRole("button", { name: "Retomar atendimento" }).waitFor();
    await shot(page, "platform-suspended");
  });

  it("refuses the home tenant's suspension on the screen and a taken slug beside its field", async () => {
    await open(page);
    await page
      .locator("tr[data-tenant='default']")
      .getByRole("button", { name: /Gerenciar/ })
      .click();
    await page.getByText("A sede da plataforma não pode ser suspensa.").waitFor();
    await page.locator("#tenant-name").fill("Outra");
    await page.locator("#tenant-slug").fill("teste-navegador");
    await page.getByRole("button", { name: "Criar cidade" }).click();
    await page.getByRole("alert").first().waitFor();
    await page.locator("#tenant-slug[aria-invalid='true']").waitFor();
    assert.match((await page.locator("#tenant-slug-error").textContent()) ?? "", /teste-navegador/);
  });

  it("has no serious accessibility violations in any language", async () => {
    for (const [lang, title] of [
      ["pt-BR", "Cidades da plataforma"],
      ["en", "Platform cities"],
      ["es", "Ciudades de la plataforma"],
    ] as const) {
      await open(page, lang);
      assert.equal(await page.locator("main h1").textContent(), title);
      await page.locator("tr[data-tenant='default']").getByRole("button").click();
      await page.locator("#manage-tenant-title").waitFor();
      await page.locator("#tenant-template").selectOption("subprefeitura");
      await page.locator("#tenant-subprefeitura").waitFor();
      assert.deepEqual(await seriousViolations(page), [], lang);
    }
    await shot(page, "platform-es");
  });

  it("is not offered to a city's administrator", async () => {
    const admin = await staffContext(browser, baseUrl, ctx, "admin");
    const other = await admin.context.newPage();
    await other.goto(`${baseUrl}/admin/cidades?lang=pt-BR`);
    await other.locator("main h1").waitFor();
    assert.notEqual(await other.locator("main h1").textContent(), "Cidades da plataforma");
    assert.equal(await other.getByRole("link", { name: "Cidades da plataforma" }).count(), 0);
    await admin.context.close();
  });
});
