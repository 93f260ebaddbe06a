/**
 * Sign-in through local OpenID providers in Chromium (decision 0057): a citizen clicks "Entrar com gov.br", signs in
 * on the local gov.br's pages (CPF, password, the consent to share data), lands signed in on "Minhas solicitações" and
 * confirms the request filed earlier with their CPF; one who cancels reads why, politely; a staff member signs in to
 * the console through the city's provider. axe-core on the portal's screens; screenshots in .cache/screenshots/.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { CALLBACK_PATHS, GOVBR_POST_LOGOUT_PATH } from "../../server/access/oidc.ts";
import { demandBody, findPlainService } from "../factories.ts";
import { startLocalProvider } from "../govbr-provider.ts";
import { seriousViolations, shot, startBrowserTest } from "./browser.ts";

const CPF = "52998224725";
const { baseUrl, browser, ctx } = await startBrowserTest();
const govbr = await startLocalProvider({
  flavour: "govbr",
  redirectUris: [`${baseUrl}${CALLBACK_PATHS.govbr}`],
  postLogoutRedirectUris: [`${baseUrl}${GOVBR_POST_LOGOUT_PATH}`],
  accounts: {
    [CPF]: {
      claims: { name: "Maria Quitéria de Jesus", email: "maria.navegador@example.org", email_verified: true },
      levels: ["1", "2"],
    },
  },
});
after(() => govbr.close());
const city = await startLocalProvider({
  flavour: "city",
  redirectUris: [`${baseUrl}${CALLBACK_PATHS.city}`],
  accounts: {
    "agente@prefeitura.example": { claims: { email: "agente@prefeitura.example", email_verified: true } },
  },
});
after(() => city.close());
// The redirect URIs derive from PUBLIC_URL: the app's own address on loopback, known once it listens.
ctx.config.publicUrl = baseUrl;
ctx.config.signIn = {
  govbr: {
    issuer: govbr.issuer,
    clientId: govbr.clientId,
    clientSecret: govbr.clientSecret,
    confidenceApi: govbr.confidenceApi,
  },
  city: { issuer: city.issuer, clientId: city.clientId, clientSecret: city.clientSecret },
};
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

describe("gov.br sign-in in a browser", () => {
  it("signs in on gov.br's pages, lands on “Minhas solicitações” and confirms the request filed with the CPF", async () => {
    // A request filed earlier, by e-mail, with the citizen's CPF.
    const filed = await fetch(`${baseUrl}/api/v1/demands`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(
        demandBody(await findPlainService(ctx.db), {
          email: "maria.antiga@example.org",
          document: "529.982.247-25",
        }),
      ),
    });
    assert.equal(filed.status, 201);
    const { protocol } = (await filed.json()) as { protocol: string };

    const context = await browser.newContext({ ...PHONE, locale: "pt-BR" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/minhas-solicitacoes`);
    const button = page.getByRole("link", { name: "Entrar com gov.br" });
    await button.waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await shot(page, "govbr-1-portal");
    await button.click();

    await page.waitForURL((url) => url.origin === govbr.issuer);
    await page.getByLabel("Número do CPF").fill("529.982.247-25");
    await page.getByLabel("Senha").fill("uma senha qualquer");
    await shot(page, "govbr-2-login");
    await page.getByRole("button", { name: "Continuar" }).click();
    await page.getByRole("heading", { name: "Autorização de uso de dados pessoais" }).waitFor();
    await shot(page, "govbr-3-consent");
    await page.getByRole("button", { name: "Autorizar" }).click();

    await page.waitForURL(`${baseUrl}/minhas-solicitacoes?lang=pt-BR`);
    await page.getByText("Você entrou com gov.br (conta nível prata).").waitFor();
    await page.getByText("Você entrou como maria.navegador@example.org.").waitFor();
    const offer = page.getByRole("heading", { name: "1 solicitação registrada com o seu CPF" });
    await offer.waitFor();
    // Not linked before the citizen confirms.
    assert.equal(await page.getByText(protocol).count(), 0);
    assert.deepEqual(await seriousViolations(page), []);
    await shot(page, "govbr-4-signed-in");
    await page.getByRole("button", { name: "Sim, é minha: mostrar aqui" }).click();
    await page.getByText("1 solicitação foi adicionada à sua lista.").waitFor();
    await page.locator(".my-demands .protocol", { hasText: protocol }).waitFor();
    assert.equal(await offer.count(), 0);
    await shot(page, "govbr-5-linked");
    // "Sair" ends the gov.br session too: through gov.br's logout, back to "my requests" signed out.
    await page.getByRole("button", { name: "Sair" }).click();
    await page.waitForURL(`${baseUrl}${GOVBR_POST_LOGOUT_PATH}`);
    await page.getByRole("link", { name: "Entrar com gov.br" }).waitFor();
    assert.deepEqual(govbr.logouts, [`${baseUrl}${GOVBR_POST_LOGOUT_PATH}`]);
    await context.close();
  });

  it("lands on “Minhas solicitações” with a polite message when the citizen cancels at gov.br", async () => {
    const context = await browser.newContext({ ...PHONE, locale: "en" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/minhas-solicitacoes?lang=en`);
    await page.getByRole("link", { name: "Sign in with gov.br" }).click();
    await page.waitForURL((url) => url.origin === govbr.issuer);
    await page.getByRole("button", { name: "Cancelar" }).click();
    const alert = page.getByRole("alert");
    await alert.getByText("Could not sign in with gov.br").waitFor();
    await alert
      .getByText("The sign-in was cancelled at gov.br. Nothing was changed.", { exact: false })
      .waitFor();
    // The reason is read once and taken out of the address bar.
    assert.equal(new URL(page.url()).searchParams.get("sign_in_error"), null);
    assert.deepEqual(await seriousViolations(page), []);
    await shot(page, "govbr-6-cancelled-en");
    await context.close();
  });
});

describe("staff sign-in through the city's provider in a browser", () => {
  it("shows “Entrar com o provedor da prefeitura” and signs an existing account in to the console", async () => {
    await ctx.db.query(
      `INSERT INTO staff_users (email, name, password_hash, role) VALUES ('agente@prefeitura.example', 'Ana Agente', 'not-a-hash', 'agent')`,
    );
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "pt-BR" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console`);
    const link = page.getByRole("link", { name: "Entrar com o provedor da prefeitura" });
    await link.waitFor();
    await shot(page, "staff-oidc-1-sign-in");
    await link.click();
    await page.waitForURL((url) => url.origin === city.issuer);
    await page.getByLabel("E-mail").fill("agente@prefeitura.example");
    await page.getByLabel("Senha").fill("senha");
    await page.getByRole("button", { name: "Continuar" }).click();
    await page.getByRole("button", { name: "Autorizar" }).click();
    await page.waitForURL(`${baseUrl}/console?lang=pt-BR`);
    await page.getByText("Ana Agente", { exact: false }).first().waitFor();
    await shot(page, "staff-oidc-2-console");
    await context.close();
  });
});
