/**
 * A city's admin sets its visual identity and its sign-in providers in Chromium (issue 16): the name, the colour
 * "verde" and a logo set on screen are what the portal's header shows on its next load; a gov.br provider saved with
 * its secret says "secret set" and never puts the secret in the page; the staff provider the install's environment
 * configures is shown read-only; axe-core on both screens in each language.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { maybeOne, one } from "../../server/db/index.ts";
import { TINY_PNG } from "../factories.ts";
import { staffHeaders } from "../helpers.ts";
import { seriousViolations, shot, staffContext, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const db = ctx.db;
// The staff provider comes from the install's environment (STAFF_OIDC_*); gov.br is left to the city's admin.
const ENV_SECRET = "segredo-do-ambiente-7f3a";
ctx.config.signIn = {
  city: {
    issuer: "http://127.0.0.1:9/realms/prefeitura",
    clientId: "equipe-ambiente",
    clientSecret: ENV_SECRET,
  },
};
const { context } = await staffContext(browser, baseUrl, ctx, "admin", undefined, {
  permissions: ["clipboard-read", "clipboard-write"],
});
const admin = await staffHeaders(db, "admin");
const GREEN = "rgb(27, 110, 58)";

/** Opens an admin section and waits for `ready` (an element only the loaded screen has). */
async function open(page: Page, slug: string, ready: string, lang = "pt-BR"): Promise<void> {
  await page.goto(`${baseUrl}/admin/${slug}?lang=${lang}`);
  await page.locator(ready).waitFor();
}

const background = (page: Page, selector: string) =>
  page.locator(selector).evaluate((el) => getComputedStyle(el).backgroundColor);

describe("the city's visual identity", () => {
  it("sets the name, the colour and the logo that the portal's header shows on its next load", async () => {
    const page = await context.newPage();
    await open(page, "identidade", "#brand-name");
    await page.locator("#brand-name").fill("Prefeitura de Vila Teste");
    await page.getByLabel("Verde", { exact: true }).check();
    // The preview follows the choice before anything is saved: white text on the colour.
    const preview = page.getByTestId("brand-preview");
    await preview.getByText("Prefeitura de Vila Teste").waitFor();
    assert.equal(await background(page, '[data-testid="brand-preview"]'), GREEN);
    assert.equal(await preview.evaluate((el) => getComputedStyle(el).color), "rgb(255, 255, 255)");
    await page.getByRole("button", { name: "Salvar nome e cor" }).click();
    await page.getByText(/Nome e cor salvos\. As telas mostram a mudança na próxima vez/).waitFor();

    // A file that is not a PNG or WebP is refused here, beside the field, with the keyboard on it.
    const logo = page.locator("#brand-logo");
    await logo.setInputFiles({
      name: "logo.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("não é imagem"),
    });
    await page.getByRole("button", { name: "Enviar logotipo" }).click();
    await page
      .locator("#brand-logo-error")
      .getByText("O arquivo precisa ser uma imagem PNG ou WebP.")
      .waitFor();
    await page.waitForFunction(() => document.activeElement?.id === "brand-logo");
    assert.equal(await logo.getAttribute("aria-invalid"), "true");
    // One that claims to be a PNG but is not is refused by the server, in its words.
    await logo.setInputFiles({
      name: "falso.png",
      mimeType: "image/png",
      buffer: Buffer.from("não é um PNG"),
    });
    await page.getByRole("button", { name: "Enviar logotipo" }).click();
    await page.getByRole("alert").getByText("O arquivo não é uma imagem PNG ou WebP").waitFor();
    // The real one.
    await logo.setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: TINY_PNG });
    await page.getByRole("button", { name: "Enviar logotipo" }).click();
    await page.getByText(/Logotipo salvo\./).waitFor();
    await page.getByTestId("current-logo").waitFor();
    assert.equal(await page.getByRole("alert").count(), 0);

    const brand = (await (await fetch(`${baseUrl}/api/v1/branding`)).json()) as {
      name: string;
      colour: string;
      logoUrl: string | null;
    };
    assert.equal(brand.name, "Prefeitura de Vila Teste");
    assert.equal(brand.colour, "verde");
    assert.ok(brand.logoUrl, "a logo address");
    assert.deepEqual(await seriousViolations(page), []);
    await shot(page, "admin-branding-saved");

    // The portal's home, loaded anew: the name, the logo and the green header.
    await page.goto(`${baseUrl}/?lang=pt-BR`);
    const header = page.locator("header.site-header");
    await header.locator("a.brand", { hasText: "Prefeitura de Vila Teste" }).waitFor();
    const img = header.locator("img.brand-logo");
    assert.equal(await img.getAttribute("src"), brand.logoUrl);
    await page.waitForFunction(() => {
      const el = document.querySelector<HTMLImageElement>("header.site-header img.brand-logo");
      return el?.complete && el.naturalWidth === 1;
    });
    assert.equal(await background(page, "header.site-header"), GREEN);
    await shot(page, "portal-branded");

    // Removed after confirming: the admin's screen says so and keeps the keyboard on the logo's heading.
    await open(page, "identidade", "#brand-name");
    assert.equal(await page.locator("#brand-name").inputValue(), "Prefeitura de Vila Teste");
    assert.equal(await page.getByLabel("Verde", { exact: true }).isChecked(), true);
    await page.getByRole("button", { name: "Remover logotipo" }).click();
    await page.locator(".confirm button:focus").waitFor();
    await page.keyboard.press("Enter");
    await page.getByText(/Logotipo removido\./).waitFor();
    await page.waitForFunction(() => document.activeElement?.id === "logo-title");
    assert.equal(await page.getByTestId("current-logo").count(), 0);
    assert.equal(await maybeOne(db, "SELECT 1 FROM tenant_logos"), undefined);
    await page.close();
  });
});

describe("the city's sign-in providers", () => {
  it("saves gov.br with its secret, says a secret is set and never shows it", async () => {
    const views = (await (
      await fetch(`${baseUrl}/api/v1/sign-in-providers`, { headers: { authorization: admin.authorization } })
    ).json()) as Record<"govbr" | "city", { redirectUri: string; postLogoutRedirectUri?: string }>;
    const page = await context.newPage();
    await open(page, "acesso", "#govbr-issuer");
    const govbr = page.getByTestId("provider-govbr");
    await page.getByTestId("govbr-state").getByText("desligado", { exact: true }).waitFor();
    // The addresses to register at gov.br, each with a copy button.
    assert.equal(await page.locator("#govbr-redirect").inputValue(), views.govbr.redirectUri);
    assert.equal(await page.locator("#govbr-logout").inputValue(), views.govbr.postLogoutRedirectUri);
    await govbr.getByRole("button", { name: "Copiar URI de redirecionamento (redirect URI)" }).click();
    await govbr.getByText("Copiado para a área de transferência.").waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), views.govbr.redirectUri);
    assert.equal(await page.locator("#govbr-confidence").inputValue(), "https://api.acesso.gov.br");

    const secret = "s3gredo-do-cliente-gov-br-9d2c";
    await page.locator("#govbr-issuer").fill("http://127.0.0.1:9/govbr");
    await page.locator("#govbr-client").fill("responsiva-vila-teste");
    await page.locator("#govbr-secret").fill(secret);
    await govbr.getByRole("button", { name: "Salvar gov.br" }).click();
    await govbr.getByText("Configuração do gov.br salva.", { exact: false }).waitFor();
    await govbr.getByTestId("govbr-secret-state").getByText("segredo definido").waitFor();
    await govbr
      .getByText(/Há um segredo definido, que nunca é mostrado\. Deixe vazio para mantê-lo/)
      .waitFor();
    assert.equal(await page.locator("#govbr-secret").inputValue(), "");
    assert.equal(await page.locator("#govbr-secret").getAttribute("type"), "password");
    assert.ok(!(await page.content()).includes(secret), "the secret is not in the page");
    const stored = await one<{
      issuer: string;
      client_id: string;
      client_secret: string;
      confidence_api: string;
    }>(
      db,
      "SELECT issuer, client_id, client_secret, confidence_api FROM sign_in_providers WHERE provider = 'govbr'",
    );
    assert.deepEqual(
      { ...stored },
      {
        issuer: "http://127.0.0.1:9/govbr",
        client_id: "responsiva-vila-teste",
        client_secret: secret,
        confidence_api: "https://api.acesso.gov.br",
      },
    );

    // Loaded again: the issuer and client id, never the secret; a change without a secret keeps it.
    await open(page, "acesso", "#govbr-issuer");
    assert.equal(await page.locator("#govbr-client").inputValue(), "responsiva-vila-teste");
    assert.equal(await page.locator("#govbr-secret").inputValue(), "");
    assert.ok(!(await page.content()).includes(secret), "the secret is not in the page after a reload");
    await page.locator("#govbr-confidence").fill("https://api.staging.acesso.gov.br");
    await govbr.getByRole("button", { name: "Salvar gov.br" }).click();
    await govbr.getByText("Configuração do gov.br salva.", { exact: false }).waitFor();
    const kept = await one<{ client_secret: string; confidence_api: string }>(
      db,
      "SELECT client_secret, confidence_api FROM sign_in_providers WHERE provider = 'govbr'",
    );
    assert.deepEqual(
      { ...kept },
      { client_secret: secret, confidence_api: "https://api.staging.acesso.gov.br" },
    );

    // The staff provider is the environment's: shown read-only, its secret neither shown nor asked for.
    const city = page.getByTestId("provider-city");
    await city
      .getByText(/configurado pelo ambiente da instalação/)
      .first()
      .waitFor();
    await city.getByText(/variáveis de ambiente da instalação \(STAFF_OIDC_…\)/).waitFor();
    assert.equal(await page.locator("#city-redirect").inputValue(), views.city.redirectUri);
    assert.equal(await page.locator("#city-issuer").inputValue(), "http://127.0.0.1:9/realms/prefeitura");
    assert.equal(await page.locator("#city-issuer").getAttribute("readonly"), "");
    assert.equal(await page.locator("#city-secret").count(), 0);
    assert.equal(await city.getByRole("button", { name: /Salvar|Desligar/ }).count(), 0);
    assert.ok(!(await page.content()).includes(ENV_SECRET), "the environment's secret is not in the page");
    assert.deepEqual(await seriousViolations(page), []);
    await shot(page, "admin-sign-in-saved");

    // Turned off after confirming: the provider's row is gone and the keyboard is on its heading.
    await govbr.getByRole("button", { name: "Desligar gov.br" }).click();
    await govbr.getByText(/Desligar o gov\.br\? O botão de entrada some/).waitFor();
    await govbr.locator(".confirm button:focus").waitFor();
    await page.keyboard.press("Enter");
    await govbr.getByText(/Entrada pelo gov\.br desligada/).waitFor();
    await page.waitForFunction(() => document.activeElement?.id === "govbr-title");
    await page.getByTestId("govbr-state").getByText("desligado", { exact: true }).waitFor();
    assert.equal(await maybeOne(db, "SELECT 1 FROM sign_in_providers WHERE provider = 'govbr'"), undefined);
    await page.close();
  });
});

describe("the city's messaging providers", () => {
  it("saves the e-mail relay as the city's account, its secret field left empty and kept, in each language", async () => {
    // No relay from the install's environment: the default tenant's e-mail is the admin's to set.
    ctx.config.smtpUrl = undefined;
    const page = await context.newPage();
    await open(page, "mensageria", "#msg-email-mailFrom");
    const email = page.getByTestId("messaging-email");
    await page.getByTestId("email-state").getByText("não configurado", { exact: true }).waitFor();
    // Each provider with a webhook shows its address to register, with a copy button.
    assert.match(await page.locator("#msg-whatsapp-webhook").inputValue(), /\/webhooks\/whatsapp$/);
    await email.getByText(/smtp:\/\/ ou smtps:\/\/ com usuário e senha/).waitFor();

    await page.locator("#msg-email-mailFrom").fill("Prefeitura <156@prefeitura.example>");
    await page.locator("#msg-email-smtpUrl").fill("smtp://127.0.0.1:2525");
    await email.getByRole("button", { name: "Salvar e-mail" }).click();
    await email.getByText("Configuração de e-mail salva.", { exact: false }).waitFor();
    await page.getByTestId("email-state").getByText("conta da prefeitura", { exact: true }).waitFor();
    await page.getByTestId("email-secret-state").getByText("segredos definidos").waitFor();
    await page.getByTestId("email-server").getByText("servidor smtp://127.0.0.1:2525").waitFor();
    // The relay is kept, never shown back: its field is empty, a password, and says a blank keeps it.
    const smtp = page.locator("#msg-email-smtpUrl");
    assert.equal(await smtp.inputValue(), "");
    assert.equal(await smtp.getAttribute("type"), "password");
    await email.getByText(/deixe em branco para manter/).waitFor();
    assert.equal(
      await page.locator("#msg-email-mailFrom").inputValue(),
      "Prefeitura <156@prefeitura.example>",
    );
    const stored = await one<{ settings: { mailFrom: string }; secrets: { smtpUrl: string } }>(
      db,
      "SELECT settings, secrets FROM messaging_providers WHERE provider = 'email'",
    );
    assert.equal(stored.settings.mailFrom, "Prefeitura <156@prefeitura.example>");
    assert.equal(stored.secrets.smtpUrl, "smtp://127.0.0.1:2525");
    assert.equal(await email.getByRole("button", { name: "Remover e-mail" }).count(), 1);
    assert.deepEqual(await seriousViolations(page), [], "messaging in pt-BR");
    await shot(page, "admin-messaging-saved");

    for (const lang of ["en", "es"]) {
      await open(page, "mensageria", "#msg-email-mailFrom", lang);
      assert.equal(await page.getAttribute("html", "lang"), lang);
      assert.deepEqual(await seriousViolations(page), [], `messaging in ${lang}`);
    }
    await page.close();
  });
});

describe("the two screens in each language", () => {
  for (const lang of ["pt-BR", "en", "es"]) {
    it(`has no serious axe violations in ${lang}`, async () => {
      const page = await context.newPage();
      for (const [slug, name, ready] of [
        ["identidade", "branding", "#brand-name"],
        ["acesso", "sign-in", "#govbr-issuer"],
      ] as const) {
        await open(page, slug, ready, lang);
        assert.equal(await page.getAttribute("html", "lang"), lang);
        await shot(page, `admin-${name}-${lang}`);
        assert.deepEqual(await seriousViolations(page), [], `${name} in ${lang}`);
      }
      await page.close();
    });
  }
});
