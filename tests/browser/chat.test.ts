/**
 * The portal's chat in Chromium, with the worker's conversation steps run by the test: a citizen opens the chat
 * (loaded on demand), writes the problem, picks the service, shares the phone's location, skips the photo, gives an
 * e-mail, confirms and reads the protocol; another asks for a person, an agent takes the conversation in the
 * console's inbox and answers, and the answer appears in the chat. No serious axe-core violation. Screenshots go to
 * .cache/screenshots/chat-*.png.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { handleInbound, sendReply } from "../../server/conversations/jobs.ts";
import { one } from "../../server/db/index.ts";
import { drain, SE } from "../factories.ts";
import { seriousViolations, shot, staffContext, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const STEPS = [handleInbound, sendReply];

/** Runs the steps the messages sent so far queued, until the chat shows a line matching `expected`. */
async function until(page: Page, expected: RegExp): Promise<void> {
  const lines = page.getByTestId("chat-lines");
  for (let i = 0; i < 50; i++) {
    await drain(ctx, STEPS);
    if (expected.test(await lines.innerText())) return;
    await page.waitForTimeout(200);
  }
  assert.fail(`the chat never showed ${expected}: ${await lines.innerText()}`);
}

async function openChat() {
  const context = await browser.newContext({
    locale: "pt-BR",
    geolocation: { latitude: SE.lat, longitude: SE.lon },
    permissions: ["geolocation"],
  });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/`);
  await page.getByRole("button", { name: "Conversar com a Central 156" }).click();
  await page.getByLabel("Sua mensagem").waitFor();
  return { context, page };
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByLabel("Sua mensagem").fill(text);
  await page.getByRole("button", { name: "Enviar", exact: true }).click();
}

describe("the portal's chat", () => {
  it("takes a citizen from a first message to a protocol", async () => {
    const { context, page } = await openChat();
    await say(page, "tem um buraco enorme no asfalto da minha rua");
    await until(page, /Qual destes serviços|Entendi que é sobre/);
    await page.locator(".chat-choices button").first().click();
    await until(page, /Onde fica/);
    await shot(page, "chat-place");
    assert.deepEqual(await seriousViolations(page), []);
    await page.getByRole("button", { name: "Enviar minha localização" }).click();
    for (let i = 0; i < 6; i++) {
      const text = await page.getByTestId("chat-lines").innerText();
      if (/Posso registrar\?\s*$/.test(text)) break;
      if (/PULAR\.?\s*$/.test(text)) await page.getByRole("button", { name: "Pular" }).click();
      else if (/e-mail ou telefone\?\s*$/.test(text)) await say(page, "maria.browser@example.org");
      else if (/\(SIM ou NÃO\)\s*$/.test(text)) await page.getByRole("button", { name: "Não" }).click();
      await drain(ctx, STEPS);
      await page.waitForTimeout(2200);
    }
    await until(page, /Posso registrar/);
    await page.getByRole("button", { name: "Registrar" }).click();
    await until(page, /Seu protocolo é \d{13}/);
    const protocol = /Seu protocolo é (\d{13})/.exec(await page.getByTestId("chat-lines").innerText())![1]!;
    const demand = await one<{ channel: string }>(ctx.db, "SELECT channel FROM demands WHERE protocol = $1", [
      protocol,
    ]);
    assert.equal(demand.channel, "chat");
    await shot(page, "chat-filed");
    await context.close();
  });

  it("hands a chat over to an agent, whose answer appears in it", async () => {
    const { context, page } = await openChat();
    await say(page, "quero falar com um atendente");
    await until(page, /vou passar você para um atendente/);
    const agent = await staffContext(browser, baseUrl, ctx, "agent", undefined, { locale: "pt-BR" });
    const console = await agent.context.newPage();
    await console.goto(`${baseUrl}/console/conversas`);
    const item = console.getByTestId("waiting-conversation").filter({ hasText: "Chat" }).first();
    await item.getByRole("button", { name: "Assumir" }).click();
    await console
      .getByLabel("Resposta ao cidadão")
      .fill("Olá! Sou a Ana, da Central 156. Como posso ajudar?");
    await console.getByRole("button", { name: "Enviar" }).click();
    await until(page, /Sou a Ana, da Central 156/);
    await shot(page, "chat-agent");
    await agent.context.close();
    await context.close();
  });
});
