/**
 * A citizen enrols as a citizen auditor in the portal, on a phone (issue 18): signed in with a proven mobile number,
 * an address of the fixture's streets, two windows (one first too short, refused with the server's words), voice,
 * consent; then pauses and resumes, changes a window, and leaves. Before signing in, and signed in by e-mail only,
 * the page says what is needed. In pt-BR, en and es; axe-core and screenshots.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import type { BrowserContext } from "playwright-core";
import { one } from "../../server/db/index.ts";
import { hashToken } from "../../server/http/auth.ts";
import { seriousViolations, shot, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const db = ctx.db;
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
// An address of the fixture's street layer a few metres from a fiscal block (server/auditors/auditors.test.ts).
const NEAR_A_BLOCK = "Avenida Atos Tomás Ferracciu, 239";

let serial = 0;
/** A citizen record, with a proven mobile number unless `phone` is false, and a phone context signed in as them. */
async function signedIn(
  locale: string,
  phone = true,
): Promise<{ context: BrowserContext; citizenId: number }> {
  const { id } = await one<{ id: number }>(
    db,
    "INSERT INTO citizens (name) VALUES ('Auditora') RETURNING id",
  );
  const digits = `55119${String(Date.now() % 1e4).padStart(4, "0")}${String(++serial).padStart(4, "0")}`;
  await db.query(
    `INSERT INTO citizen_contacts (citizen_id, channel, value, verified_at, verified_by)
     VALUES ($1, $2, $3, now(), $4)`,
    phone ? [id, "phone", digits, "sms_code"] : [id, "email", `auditora${serial}@example.org`, "email_code"],
  );
  const token = randomBytes(24).toString("base64url");
  await db.query(
    "INSERT INTO citizen_sessions (token_hash, citizen_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')",
    [hashToken(token), id],
  );
  const context = await browser.newContext({ ...PHONE, locale });
  await context.addCookies([
    { name: "responsiva_citizen", value: token, url: baseUrl, httpOnly: true, sameSite: "Lax" },
  ]);
  return { context, citizenId: Number(id) };
}

const enrolment = (citizenId: number) =>
  db.query<{ state: string; channel: string; windows: number; consent_channel: string; block_id: number }>(
    `SELECT a.state, a.channel, a.consent_channel, a.block_id,
            (SELECT count(*)::int FROM auditor_windows w WHERE w.auditor_id = a.id) AS windows
       FROM auditors a WHERE a.citizen_id = $1 ORDER BY a.id`,
    [citizenId],
  );

describe("a citizen auditor's page in the portal", () => {
  it("enrols by address with two windows, pauses, resumes, changes a window and leaves", async () => {
    const { context, citizenId } = await signedIn("pt-BR");
    const page = await context.newPage();
    await page.goto(`${baseUrl}/auditor-cidadao`);
    await page.getByRole("heading", { level: 1, name: "Cidadão auditor" }).waitFor();
    await page.getByRole("heading", { name: "Inscrever-se" }).waitFor();
    await page.getByLabel("Endereço", { exact: true }).fill(NEAR_A_BLOCK);

    // The first window: Tuesday, made too short; a second window added on Wednesday.
    const first = page.getByRole("group", { name: "Horário 1" });
    await first.getByLabel("Dia", { exact: true }).selectOption({ label: "Terça-feira" });
    await first.getByLabel("Das", { exact: true }).fill("18:00");
    await first.getByLabel("Até", { exact: true }).fill("18:30");
    await page.getByRole("button", { name: "Adicionar um horário" }).click();
    const second = page.getByRole("group", { name: "Horário 2" });
    await second.getByLabel("Dia", { exact: true }).selectOption({ label: "Quarta-feira" });
    await second.getByLabel("Das", { exact: true }).fill("09:00");
    await second.getByLabel("Até", { exact: true }).fill("11:00");
    await page.getByLabel("Quantas vezes por semana, no máximo").selectOption({ label: "Até 3 por semana" });
    assert.deepEqual(await seriousViolations(page), []);
    await shot(page, "auditor-form-pt-BR");

    // Without the consent box: the server's words, nothing saved.
    await page.getByRole("button", { name: "Inscrever-me" }).click();
    await page.getByRole("alert").getByText("Consentimento necessário").waitFor();
    assert.equal((await enrolment(citizenId)).length, 0);

    await page.getByLabel("Li e concordo em ser cidadão auditor").check();
    await page.getByRole("button", { name: "Inscrever-me" }).click();
    // The window of half an hour is refused, named by the server.
    const alert = page.getByRole("alert");
    await alert.getByText("Horário curto demais").waitFor();
    assert.equal((await enrolment(citizenId)).length, 0);
    await first.getByLabel("Até", { exact: true }).fill("20:00");
    await page.getByRole("button", { name: "Inscrever-me" }).click();

    await page.getByRole("heading", { name: "Sua inscrição" }).waitFor();
    await page.getByText("Ativa: você recebe as ligações").waitFor();
    await page.getByText("Terça-feira, das 18:00 às 20:00").waitFor();
    await page.getByText("Quarta-feira, das 09:00 às 11:00").waitFor();
    await page.getByText(/^Quadra \S+ do setor \S+$/).waitFor();
    const [enrolled] = await enrolment(citizenId);
    assert.deepEqual(
      { state: enrolled!.state, channel: enrolled!.channel, via: enrolled!.consent_channel },
      { state: "active", channel: "voice", via: "portal" },
    );
    assert.ok(enrolled!.block_id, "placed on a block");
    assert.deepEqual(await seriousViolations(page), []);
    await shot(page, "auditor-enrolled-pt-BR");

    await page.getByRole("button", { name: "Pausar as ligações" }).click();
    await page.getByText("Pausada: nenhuma ligação até você retomar").waitFor();
    assert.equal((await enrolment(citizenId))[0]!.state, "paused");
    await page.getByRole("button", { name: "Retomar as ligações" }).click();
    await page.getByText("Ativa: você recebe as ligações").waitFor();
    assert.equal((await enrolment(citizenId))[0]!.state, "active");

    // A change: the second window removed, WhatsApp instead of a call.
    await page.getByRole("button", { name: "Alterar" }).click();
    await page.getByRole("heading", { name: "Alterar a inscrição" }).waitFor();
    await page.getByRole("button", { name: "Remover o horário 2" }).click();
    await page.getByLabel("WhatsApp").check();
    await page.getByLabel("Li e concordo em ser cidadão auditor").check();
    await page.getByRole("button", { name: "Salvar as alterações" }).click();
    await page.getByText("Alterações salvas.").waitFor();
    await page.getByText("Quarta-feira, das 09:00 às 11:00").waitFor({ state: "detached" });
    const [changed] = await enrolment(citizenId);
    assert.equal(changed!.channel, "whatsapp");
    assert.equal(changed!.windows, 1);

    // Leaving asks once more, then no call is made from now on.
    await page.getByRole("button", { name: "Sair do programa" }).click();
    await page.getByRole("button", { name: "Confirmar a saída" }).click();
    await page.getByText(/^Você saiu do programa de cidadãos auditores/).waitFor();
    assert.equal((await enrolment(citizenId))[0]!.state, "revoked");
    await shot(page, "auditor-left-pt-BR");
    await context.close();
  });

  it("says what is needed before signing in, and to a citizen signed in by e-mail only", async () => {
    const anonymous = await browser.newContext({ ...PHONE, locale: "en" });
    const page = await anonymous.newPage();
    await page.goto(`${baseUrl}/auditor-cidadao?lang=en`);
    await page.getByRole("heading", { level: 1, name: "Citizen auditor" }).waitFor();
    await page
      .getByRole("link", { name: "Sign in with the code sent to your mobile phone to take part" })
      .waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await shot(page, "auditor-signed-out-en");
    await anonymous.close();

    const { context } = await signedIn("es", false);
    const byMail = await context.newPage();
    await byMail.goto(`${baseUrl}/auditor-cidadao?lang=es`);
    await byMail
      .getByText(/^Para ser ciudadano auditor, entre con el código enviado por SMS o WhatsApp/)
      .waitFor();
    assert.equal(await byMail.getByRole("button", { name: "Inscribirme" }).count(), 0);
    await context.close();
  });

  it("shows the form in Spanish, by a point on the map", async () => {
    const { context } = await signedIn("es");
    const page = await context.newPage();
    await page.goto(`${baseUrl}/auditor-cidadao?lang=es`);
    await page.getByRole("heading", { name: "Inscribirse" }).waitFor();
    await page.getByLabel("Por un punto en el mapa").check();
    await page.locator(".map path.district").first().waitFor();
    // A tap at the map's centre, scrolled into view first: the chat's floating button must not take it.
    const box = (await page.locator(".map").boundingBox())!;
    await page.locator(".map").click({ position: { x: box.width / 2, y: box.height / 2 } });
    await page.getByText(/^Punto elegido: /).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await shot(page, "auditor-form-es");
    await context.close();
  });
});
