/**
 * A quality manager writes a questionnaire in the admin screens (issue 17), in pt-BR: a yes/no question and a
 * follow-up asked only after "Não"; the preview asks it as the tablet would (the follow-up appears only after "Não",
 * its limit is checked, the voice prompt reads the keypad); a name the server refuses is shown beside its field;
 * publishing (after confirming) leaves the version read-only; in a group questionnaire, publishing a scored question
 * without its service is refused beside that field; an XLSForm fixture is imported with its warnings and its draft
 * opened. axe-core on each screen, and on the list, the new form and the editor in each language.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { one } from "../../server/db/index.ts";
import { staffHeaders } from "../helpers.ts";
import { seriousViolations, shot, staffContext, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const db = ctx.db;
const { context } = await staffContext(browser, baseUrl, ctx, "admin", undefined, { locale: "pt-BR" });
const admin = await staffHeaders(db, "admin");
// A service of the catalogue and its group: what the questionnaire asks about.
const service = await one<{ code: string; group_code: string }>(
  db,
  `SELECT s.code, g.code AS group_code FROM services s JOIN service_groups g ON g.id = s.group_id
    WHERE s.active ORDER BY s.id LIMIT 1`,
);

/** Picks the service in a subject picker whose fields start with `id`. */
async function pickService(page: Page, id: string): Promise<void> {
  await page.locator(`#${id}-group`).selectOption(service.group_code);
  await page.locator(`#${id}-service option[value="${service.code}"]`).waitFor({ state: "attached" });
  await page.locator(`#${id}-service`).selectOption(service.code);
}

const definitionOf = async (code: string, version: number) =>
  (await one<{ definition: { questions: Record<string, unknown>[] }; state: string }>(
    db,
    `SELECT v.definition, v.state FROM questionnaire_versions v JOIN questionnaires q ON q.id = v.questionnaire_id
        WHERE q.code = $1 AND v.version = $2`,
    [code, version],
  )) as { definition: { questions: Record<string, unknown>[] }; state: string };

let editorPath = "";

describe("a questionnaire written, previewed and published", () => {
  it("creates one with a yes/no question and a follow-up asked only after 'Não'", async () => {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/admin?lang=pt-BR`);
    await page.getByRole("link", { name: "Questionários" }).first().click();
    await page.getByRole("heading", { level: 1, name: "Questionários" }).waitFor();
    await page.getByText("Nenhum questionário ainda.").waitFor();
    await page.getByRole("link", { name: "Novo questionário" }).click();
    await page.locator("#qn-code").fill("limpeza-calcada");
    await page.locator("#qn-title-pt-BR").fill("Limpeza da calçada");
    await page.locator("#qn-title-en").fill("Pavement cleaning");
    // Neither a service nor a group: the server's refusal is said beside the service's field.
    await page.getByRole("button", { name: "Criar questionário" }).click();
    await page.locator("#qn-subject-service-error").getByText("Escolha o serviço ou o grupo.").waitFor();
    await pickService(page, "qn-subject");
    await page.getByRole("button", { name: "Criar questionário" }).click();
    await page.getByRole("heading", { name: "Rascunho da versão 1" }).waitFor();
    editorPath = new URL(page.url()).pathname;

    // The first question: yes/no, scored "yes is good", in two languages.
    await page.getByRole("button", { name: "Editar pergunta 1" }).click();
    await page.locator("#q0-name").fill("limpa");
    await page.locator("#q0-label-pt-BR").fill("A calçada está limpa?");
    await page.locator("#q0-label-en").fill("Is the pavement clean?");
    await page.locator("#q0-scoring").selectOption("yes_good");
    // The follow-up: a text of at most 20 characters, shown only if the first is "Não".
    await page.locator("#q-new-type").selectOption("text");
    await page.getByRole("button", { name: "Adicionar pergunta" }).click();
    await page.locator("#q1-label-pt-BR").fill("Por que não?");
    await page.locator("#q1-name").fill("motivo");
    await page.locator("#q1-maxLength").fill("20");
    await page.locator("#q1-maxLength").press("Tab");
    await page.getByRole("button", { name: "Adicionar condição" }).click();
    assert.equal(await page.locator("#q1-relevant-0-question").inputValue(), "limpa");
    assert.equal(await page.locator("#q1-relevant-0-op").inputValue(), "eq");
    assert.equal(await page.locator("#q1-relevant-0-value").inputValue(), "false");
    await page.getByRole("button", { name: "Salvar rascunho" }).click();
    await page.getByText("Rascunho salvo.").waitFor();
    const saved = await definitionOf("limpeza-calcada", 1);
    assert.equal(saved.state, "draft");
    assert.deepEqual(saved.definition.questions[1], {
      name: "motivo",
      type: "text",
      label: { "pt-BR": "Por que não?" },
      constraint: { maxLength: 20 },
      relevant: { question: "limpa", op: "eq", value: false },
    });
    assert.equal(saved.definition.questions[0]?.scoring, "yes_good");

    // The preview asks it as the tablet would: the follow-up only after "Não", its limit checked as typed.
    const preview = page.getByTestId("preview");
    await preview.getByText("A calçada está limpa?").waitFor();
    assert.equal(await page.locator("#pv-motivo").count(), 0);
    await preview.getByLabel("Sim", { exact: true }).check();
    assert.equal(await page.locator("#pv-motivo").count(), 0);
    await preview.getByLabel("Não", { exact: true }).check();
    await page.locator("#pv-motivo").fill("A calçada tem muito entulho");
    await page.locator("#pv-motivo-error").getByText("Longo demais (máximo 20 caracteres).").waitFor();
    await page.locator("#pv-motivo").fill("Entulho");
    await preview.getByRole("button", { name: "Concluir" }).click();
    await preview.getByText("Tudo certo: 2 respostas seriam enviadas.").waitFor();
    // Back to "Sim": the follow-up goes, and its answer is not part of the response.
    await preview.getByLabel("Sim", { exact: true }).check();
    assert.equal(await page.locator("#pv-motivo").count(), 0);
    await preview.getByText("Tudo certo: 1 resposta seria enviada.").waitFor();
    // The call reads the keypad; in English the prompt is the English label.
    await page.locator("#pv-channel").selectOption("voice");
    await preview.getByText("Tecle 1: Sim").waitFor();
    await page.locator("#pv-lang").selectOption("en");
    await preview.getByText("Is the pavement clean?").waitFor();
    assert.deepEqual(await seriousViolations(page), [], "the editor with the preview");
    await shot(page, "admin-questionnaire-editor");

    // A name the server refuses is shown beside its field, with the keyboard on it.
    await page.locator("#q1-name").fill("Por Que");
    await page.getByRole("button", { name: "Salvar rascunho" }).click();
    await page
      .locator("#q1-name-error")
      .getByText("Use minúsculas, números e _, começando por letra.")
      .waitFor();
    assert.equal(await page.locator("#q1-name").getAttribute("aria-invalid"), "true");
    await page.waitForFunction(() => document.activeElement?.id === "q1-name");
    assert.deepEqual(await seriousViolations(page), [], "the editor with a refused field");
    await page.locator("#q1-name").fill("motivo");
    await page.getByRole("button", { name: "Salvar rascunho" }).click();
    await page.getByText("Rascunho salvo.").waitFor();
    await page.close();
  });

  it("publishes after confirming, and shows the published version read-only with its number and date", async () => {
    const page = await context.newPage();
    await page.goto(`${baseUrl}${editorPath}?lang=pt-BR`);
    await page.getByRole("heading", { name: "Rascunho da versão 1" }).waitFor();
    await page.getByRole("button", { name: "Publicar" }).click();
    await page.getByText(/A versão publicada não muda mais/).waitFor();
    await page.locator(".confirm button:focus").waitFor();
    await page.keyboard.press("Enter");
    await page
      .getByTestId("version-title")
      .getByText(/^Versão 1, publicada em /)
      .waitFor();
    await page.getByText("Somente leitura: uma versão publicada não muda mais.").waitFor();
    assert.equal(await page.getByRole("button", { name: "Salvar rascunho" }).count(), 0);
    assert.equal((await definitionOf("limpeza-calcada", 1)).state, "published");
    // The preview still asks the published version.
    await page.getByTestId("preview").getByLabel("Não", { exact: true }).check();
    await page.locator("#pv-motivo").waitFor();
    assert.deepEqual(await seriousViolations(page), [], "a published version");
    await shot(page, "admin-questionnaire-published");

    // The list says so.
    await page.goto(`${baseUrl}/admin/questionarios?lang=pt-BR`);
    const row = page.locator("tbody tr", { hasText: "Limpeza da calçada" });
    await row.getByText("Publicado", { exact: true }).waitFor();
    await row.getByText(/^Versão 1, de /).waitFor();
    await page.close();
  });
});

describe("a questionnaire about a service group", () => {
  it("says beside the field that a scored question needs its service, and publishes once it has one", async () => {
    const made = await fetch(`${baseUrl}/api/v1/questionnaires`, {
      method: "POST",
      headers: { authorization: admin.authorization, "content-type": "application/json" },
      body: JSON.stringify({
        code: "grupo-teste",
        title: { "pt-BR": "Grupo de teste" },
        serviceGroup: service.group_code,
        definition: {
          questions: [{ name: "bom", type: "yes_no", label: { "pt-BR": "Está bom?" }, scoring: "yes_good" }],
        },
      }),
    });
    assert.equal(made.status, 201);
    const { id } = (await made.json()) as { id: number };
    const page = await context.newPage();
    await page.goto(`${baseUrl}/admin/questionarios/${id}?lang=pt-BR`);
    await page.getByRole("heading", { name: "Rascunho da versão 1" }).waitFor();
    await page.getByRole("button", { name: "Publicar" }).click();
    await page.locator(".confirm button:focus").waitFor();
    await page.keyboard.press("Enter");
    // The question opens by itself, its service field says what is missing and has the keyboard.
    await page
      .locator("#q0-service-error")
      .getByText("Diga qual serviço do grupo esta pergunta pontuada mede.")
      .waitFor();
    await page.waitForFunction(() => document.activeElement?.id === "q0-service");
    await page.locator(`#q0-service option[value="${service.code}"]`).waitFor({ state: "attached" });
    await page.locator("#q0-service").selectOption(service.code);
    await page.getByRole("button", { name: "Publicar" }).click();
    await page.locator(".confirm button:focus").waitFor();
    await page.keyboard.press("Enter");
    await page
      .getByTestId("version-title")
      .getByText(/^Versão 1, publicada em /)
      .waitFor();
    const published = await definitionOf("grupo-teste", 1);
    assert.equal(published.state, "published");
    assert.equal(published.definition.questions[0]?.service, service.code);
    await page.close();
  });
});

describe("an XLSForm imported", () => {
  it("imports a fixture as a draft, shows its warnings and opens it", async () => {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/admin/questionarios?lang=pt-BR`);
    await page.getByRole("link", { name: "Importar do XLSForm" }).click();
    await page.getByRole("heading", { level: 1, name: "Importar do XLSForm" }).waitFor();
    // Without a file, the field says so.
    await page.getByRole("button", { name: "Importar", exact: true }).click();
    await page.locator("#qi-file-error").getByText("Escolha o arquivo .xlsx.").waitFor();
    await page.locator("#qi-file").setInputFiles(resolve("tests/fixtures/xlsform/limpeza-rua.xlsx"));
    await pickService(page, "qi-subject");
    await page.getByRole("button", { name: "Importar", exact: true }).click();
    await page.getByRole("heading", { name: "Limpeza de rua: rascunho da versão 1" }).waitFor();
    const warnings = page.getByTestId("import-warnings");
    await warnings.getByText(/nota \(sem resposta\) ignorada: fim/).waitFor();
    assert.ok((await warnings.locator("li").count()) >= 2);
    assert.deepEqual(await seriousViolations(page), [], "the import's result");
    await shot(page, "admin-questionnaire-imported");

    await page.getByRole("link", { name: "Abrir o rascunho da versão 1" }).click();
    await page.getByRole("heading", { name: "Rascunho da versão 1" }).waitFor();
    await page.getByRole("heading", { level: 3, name: /A rua está limpa\?/ }).waitFor();
    // The preview asks the imported skip logic: "Por que não está limpa?" only after "Não".
    const preview = page.getByTestId("preview");
    assert.equal(await page.locator("#pv-motivos-lixo").count(), 0);
    await preview.getByLabel("Não", { exact: true }).check();
    await page.locator("#pv-motivos-lixo").waitFor();
    const imported = await one<{ source: string; state: string }>(
      db,
      `SELECT v.source, v.state FROM questionnaire_versions v JOIN questionnaires q ON q.id = v.questionnaire_id
        WHERE q.code = 'limpeza_rua'`,
    );
    assert.deepEqual({ ...imported }, { source: "xlsform", state: "draft" });
    // Its multiple choice, opened: the choices' table, the limit on how many, the skip logic as clauses.
    await page.getByRole("button", { name: "Editar pergunta 2" }).click();
    assert.equal(await page.locator("#q1-choices-0-value").inputValue(), "lixo");
    assert.equal(await page.locator("#q1-max").inputValue(), "2");
    assert.equal(await page.locator("#q1-relevant-0-question").inputValue(), "limpa");
    assert.equal(await page.locator("#q1-relevant-0-value").inputValue(), "false");
    assert.deepEqual(await seriousViolations(page), [], "an imported draft's choice question");
    await shot(page, "admin-questionnaire-choices");
    // A condition the rows cannot show (an "or" with a "not") is said in words.
    await page.getByRole("button", { name: "Editar pergunta 5" }).click();
    await page
      .getByText(/^Condição importada: nota é no máximo 2 ou não \(limpa é igual a Sim\)\.$/)
      .waitFor();
    assert.deepEqual(await seriousViolations(page), [], "an imported draft");
    await page.close();
  });
});

describe("the questionnaire screens in each language", () => {
  for (const lang of ["pt-BR", "en", "es"]) {
    it(`has no serious axe violations in ${lang}`, async () => {
      const page = await context.newPage();
      await page.goto(`${baseUrl}/admin/questionarios?lang=${lang}`);
      await page.locator("main table.data tbody tr").first().waitFor();
      assert.equal(await page.getAttribute("html", "lang"), lang);
      assert.deepEqual(await seriousViolations(page), [], `the list in ${lang}`);
      await shot(page, `admin-questionnaires-${lang}`);
      await page.goto(`${baseUrl}/admin/questionarios/novo?lang=${lang}`);
      await page.locator("#qn-code").waitFor();
      assert.deepEqual(await seriousViolations(page), [], `the new questionnaire in ${lang}`);
      await page.goto(`${baseUrl}${editorPath}?lang=${lang}`);
      await page.getByTestId("version-title").waitFor();
      assert.deepEqual(await seriousViolations(page), [], `the editor in ${lang}`);
      await page.close();
    });
  }
});
