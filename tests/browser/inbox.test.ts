/**
 * The console's inbox (/console/conversas) in Chromium: a citizen on Telegram asks the assistant for a person; an
 * agent finds the conversation waiting, takes it, reads the history, answers (once with a file), and registers the
 * demand from the form the conversation pre-filled; pt-BR, with no serious axe-core violation. Screenshots go to
 * .cache/screenshots/inbox-*.png.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { acceptInbound } from "../../server/conversations/inbound.ts";
import { handleInbound } from "../../server/conversations/jobs.ts";
import { one } from "../../server/db/index.ts";
import { drain, TINY_PNG } from "../factories.ts";
import { seriousViolations, shot, staffContext, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const db = ctx.db;
const FROM = "880011";
let serial = 0;

async function say(text: string): Promise<void> {
  await acceptInbound(db, [
    {
      channel: "telegram",
      providerMessageId: `browser-${++serial}`,
      from: FROM,
      profileName: "Joana Teste",
      sentAt: new Date().toISOString(),
      content: { kind: "text", text },
    },
  ]);
  await drain(ctx, [handleInbound]);
}

describe("the console's inbox", () => {
  it("lets an agent take a conversation handed over, answer it and register its demand", async () => {
    await say("boa tarde, tem um poste com a lâmpada apagada há uma semana na minha rua");
    await say("quero falar com um atendente");
    await db.query("INSERT INTO answer_templates (title, body, locale) VALUES ($1, $2, 'pt-BR')", [
      "Pedido de endereço",
      "Olá, {nome}. Pode me dizer o endereço com o número, ou um ponto de referência?",
    ]);
    const { context } = await staffContext(browser, baseUrl, ctx, "agent", undefined, { locale: "pt-BR" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console/conversas`);
    await page.getByRole("heading", { level: 1, name: "Conversas" }).waitFor();
    const item = page.getByTestId("waiting-conversation").filter({ hasText: "Joana Teste" });
    await item.waitFor();
    assert.match(await item.innerText(), /Telegram/);
    await shot(page, "inbox-waiting");
    assert.deepEqual(await seriousViolations(page), []);

    await item.getByRole("button", { name: "Assumir" }).click();
    await page.getByRole("heading", { level: 1, name: /Conversa com Joana Teste/ }).waitFor();
    const history = page.getByTestId("conversation-history");
    await history.getByText("quero falar com um atendente").waitFor();
    assert.match(await history.innerText(), /lâmpada apagada/);

    // An answer template fills the reply box, its placeholder selected for the agent to type over.
    await page.getByLabel("Modelo de resposta").selectOption({ label: "Pedido de endereço (pt-BR)" });
    await page.getByRole("button", { name: "Usar o modelo" }).click();
    const replyBox = page.getByLabel("Resposta ao cidadão");
    assert.match(await replyBox.inputValue(), /endereço com o número/);
    // The placeholder is selected on the next frame: wait for it, so the fill below replaces the whole text.
    await page.waitForFunction(
      (area) => {
        const box = area as HTMLTextAreaElement;
        return box.value.slice(box.selectionStart, box.selectionEnd) === "{nome}";
      },
      await replyBox.elementHandle(),
    );
    await replyBox.fill("Olá Joana, vou registrar para você agora mesmo.");
    await page.getByRole("button", { name: "Enviar" }).click();
    await history.getByText("Olá Joana, vou registrar para você agora mesmo.").waitFor();
    const reply = await one<{ author: string; text: string }>(
      db,
      `SELECT r.author, r.body->>'text' AS text FROM conversation_replies r
         JOIN conversations c ON c.id = r.conversation_id WHERE c.address = $1 ORDER BY r.id DESC LIMIT 1`,
      [FROM],
    );
    assert.deepEqual(reply, { author: "agent", text: "Olá Joana, vou registrar para você agora mesmo." });

    // A reply with a file: sent with the text, listed with it in the history as a link that opens the file.
    await page
      .getByLabel("Anexos")
      .setInputFiles({ name: "mapa-do-local.png", mimeType: "image/png", buffer: TINY_PNG });
    await page.getByLabel("Resposta ao cidadão").fill("Segue o mapa do local.");
    await page.getByRole("button", { name: "Enviar" }).click();
    const link = history.getByRole("link", { name: "mapa-do-local.png" });
    await link.waitFor();
    const file = await page.request.get(new URL((await link.getAttribute("href"))!, baseUrl).href);
    assert.equal(file.status(), 200);
    assert.ok((await file.body()).equals(TINY_PNG));

    await page.getByRole("button", { name: "Registrar demanda" }).click();
    const description = page.locator("#intake-description");
    await description.waitFor();
    assert.match(
      await description.inputValue(),
      /lâmpada apagada/,
      "the form starts from what the citizen wrote",
    );
    await shot(page, "inbox-conversation");
    assert.deepEqual(await seriousViolations(page), []);
    await context.close();
  });
});
