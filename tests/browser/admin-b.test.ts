/**
 * The administration's users, calendar, IVR, message templates, API keys and webhooks sections, walked in Chromium by an
 * administrator. Every change is asserted on the database or the API, not only on the page.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { simpleParser } from "mailparser";
import type { Page } from "playwright-core";
import wavefile from "wavefile";
import { one } from "../../server/db/index.ts";
import { runOnce } from "../../server/jobs/runner.ts";
import { sendMessage } from "../../server/notifications/jobs.ts";
import { fanOutWebhooks } from "../../server/webhooks/fan-out.ts";
import { deliverWebhookJob } from "../../server/webhooks/jobs.ts";
import { seriousViolations, shot, staffContext, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const { db } = ctx;
const { context } = await staffContext(browser, baseUrl, ctx, "admin");
after(() => context.close());
const page = await context.newPage();

// A receiver for the webhook: answers 200 to every delivery and counts them.
const received: string[] = [];
const receiver = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => {
    body += c;
  });
  req.on("end", () => {
    received.push(body);
    res.writeHead(200).end("ok");
  });
});
await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
after(() => new Promise<void>((r) => receiver.close(() => r())));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required ORDER BY code LIMIT 1`,
  )
).code;

/** Files a demand through the public API with an e-mail contact; returns its id. */
async function fileDemand(email: string): Promise<number> {
  const res = await page.request.post(`${baseUrl}/api/v1/demands`, {
    data: {
      service,
      description: "Buraco na calçada",
      location: { lat: -23.5503, lon: -46.634 },
      citizen: { name: "Maria", email, locale: "pt-BR" },
    },
  });
  assert.equal(res.status(), 201, await res.text());
  const { protocol } = (await res.json()) as { protocol: string };
  return (await one<{ id: number }>(db, "SELECT id FROM demands WHERE protocol = $1", [protocol])).id;
}

/** Answers an inline confirmation with Enter, once its "confirm" button has the focus. */
async function confirm(p: Page) {
  await p.locator(".confirm button:focus").waitFor();
  await p.keyboard.press("Enter");
}

/** Opens an admin section in a language and waits for its heading. */
async function open(p: Page, slug: string, lang = "pt-BR") {
  await p.goto(`${baseUrl}/admin/${slug}?lang=${lang}`);
  await p.locator("main h1").waitFor();
}

describe("administration: users, calendar, IVR, messages, API keys, webhooks", () => {
  it("creates a department user (showing the server's problem first), then disables them", async () => {
    const department = (await one<{ code: string }>(db, "SELECT code FROM departments ORDER BY code LIMIT 1"))
      .code;
    await open(page, "usuarios");
    await page.locator("table.roles tbody tr").first().waitFor();
    assert.equal(
      await page.locator("table.roles th[scope=row]", { hasText: "Editar modelos de mensagem" }).count(),
      1,
    );
    await page.fill("#new-user-name", "Joana Teste");
    await page.fill("#new-user-email", "joana.teste@example.org");
    await page.fill("#new-user-password", "uma senha bem longa");
    await page.selectOption("#new-user-role", "department_staff");
    await page.locator("#new-user-password").press("Enter");
    const alert = page.locator("section[aria-labelledby=new-user-title] [role=alert]");
    await alert.waitFor();
    assert.match(await alert.innerText(), /Órgão obrigatório/);
    assert.equal(
      (await db.query("SELECT 1 FROM staff_users WHERE email = 'joana.teste@example.org'")).length,
      0,
    );
    await page.selectOption("#new-user-department", department);
    await page.locator("#new-user-password").press("Enter");
    await page.getByText("Usuário Joana Teste criado.").waitFor();
    const user = await one<{ id: number; role: string; code: string; active: boolean }>(
      db,
      `SELECT u.id, u.role, d.code, u.active FROM staff_users u JOIN departments d ON d.id = u.department_id
        WHERE u.email = 'joana.teste@example.org'`,
    );
    assert.deepEqual([user.role, user.code, user.active], ["department_staff", department, true]);
    // Keyboard: open the editor, ask to disable, confirm with Enter (the focus lands on "confirm").
    await page.getByRole("button", { name: "Editar Joana Teste" }).press("Enter");
    await page.locator("#edit-user-title").waitFor();
    // A password reset from the editor changes the stored hash.
    const before = await one<{ password_hash: string }>(
      db,
      "SELECT password_hash FROM staff_users WHERE id = $1",
      [user.id],
    );
    await page.fill("#edit-user-password", "outra senha bem longa");
    await page.locator("#edit-user-password").press("Enter");
    await page.locator("section[aria-labelledby=edit-user-title]").getByText("Alterações salvas.").waitFor();
    const reset = await one<{ password_hash: string }>(
      db,
      "SELECT password_hash FROM staff_users WHERE id = $1",
      [user.id],
    );
    assert.notEqual(reset.password_hash, before.password_hash);
    assert.equal(
      await page.inputValue("#edit-user-password"),
      "",
      "the new password is not kept on the page",
    );
    await page
      .locator("section[aria-labelledby=edit-user-title]")
      .getByRole("button", { name: "Desativar" })
      .press("Enter");
    await confirm(page);
    await page.getByText("Joana Teste foi desativado.").waitFor();
    const after = await one<{ active: boolean }>(db, "SELECT active FROM staff_users WHERE id = $1", [
      user.id,
    ]);
    assert.equal(after.active, false);
    // "Disable" is gone (now "Enable"): the keyboard waits on the editor's heading; "Close" returns it to the row.
    await page.waitForFunction(() => document.activeElement?.id === "edit-user-title");
    await page.getByRole("button", { name: "Fechar", exact: true }).click();
    await page.getByRole("button", { name: "Editar Joana Teste" }).and(page.locator(":focus")).waitFor();
  });

  it("adds a municipal holiday for next year and changes the opening hours", async () => {
    const next = new Date().getFullYear() + 1;
    await open(page, "calendario");
    await page.selectOption("#calendar-year", String(next));
    await page.getByRole("heading", { name: `Feriados de ${next}` }).waitFor();
    await page.selectOption("#holiday-scope", "municipal");
    await page.fill("#holiday-name-pt", "Dia do Teste");
    await page.fill("#holiday-name-en", "Test Day");
    await page.check("#holiday-rule-date");
    await page.fill("#holiday-date", `${next}-08-13`);
    await page.getByRole("button", { name: "Adicionar feriado" }).click();
    await page.getByText("Feriado Dia do Teste adicionado.").waitFor();
    const res = await page.request.get(`${baseUrl}/api/v1/calendar/holidays?year=${next}&lang=en`);
    const holidays = (await res.json()) as { date: string; scope: string; name: string }[];
    assert.ok(
      holidays.some((h) => h.date === `${next}-08-13` && h.scope === "municipal" && h.name === "Test Day"),
    );
    const municipal = page.locator("table", { has: page.locator("caption", { hasText: "Municipais" }) });
    await municipal.getByText("Dia do Teste").waitFor();

    await page.fill("#hours-sat", "08:00-12:00");
    await page.getByRole("button", { name: "Salvar configurações" }).click();
    await page
      .locator("section[aria-labelledby=calendar-settings-title]")
      .getByText("Alterações salvas.")
      .waitFor();
    const settings = await (await page.request.get(`${baseUrl}/api/v1/calendar/settings`)).json();
    assert.deepEqual(settings.hours.sat, [["08:00", "12:00"]]);
  });

  it("switches the 156 line's IVR on with a message of the city's on key 3", async () => {
    await open(page, "ura");
    await page.locator("#ivr-enabled").check();
    await page.selectOption("#ivr-agent-hours", "always");
    await page.getByRole("button", { name: "Adicionar opção" }).click();
    await page.selectOption("#ivr-action-4", "message");
    await page.fill("#ivr-label-4-pt-BR", "Para ouvir o horário das praças de atendimento,");
    await page.fill("#ivr-message-4-pt-BR", "As praças abrem de segunda a sexta, das 8 às 17 horas.");
    // A text in English alone is refused by the server, which names it; then the Portuguese is given.
    await page.fill("#ivr-text-greeting-en", "Hello, this is 156.");
    await page.getByRole("button", { name: "Salvar o menu" }).click();
    await page.locator("[role=alert]").first().waitFor();
    await page.fill("#ivr-text-greeting-pt-BR", "Prefeitura de São Paulo, Central 156.");
    await page.getByRole("button", { name: "Salvar o menu" }).click();
    await page.getByText("Alterações salvas.").waitFor();
    const menu = await (await page.request.get(`${baseUrl}/api/v1/ivr/menu`)).json();
    assert.equal(menu.enabled, true);
    assert.equal(menu.agentHours, "always");
    assert.deepEqual(menu.options.at(-1), {
      key: "3",
      action: "message",
      label: { "pt-BR": "Para ouvir o horário das praças de atendimento," },
      message: { "pt-BR": "As praças abrem de segunda a sexta, das 8 às 17 horas." },
    });
    assert.equal(menu.texts.greeting["pt-BR"], "Prefeitura de São Paulo, Central 156.");
    await shot(page, "admin-ivr-pt-BR");
  });

  it("records the city's own voice for the new greeting, plays it, and goes back to synthesis", async () => {
    await open(page, "ura");
    await page.getByRole("heading", { name: "Gravações das mensagens" }).waitFor();
    // The greeting saved just before: its recording belongs to that exact text.
    const text = "Prefeitura de São Paulo, Central 156.";
    const file = new wavefile.WaveFile();
    file.fromScratch(
      1,
      8000,
      "16",
      Array.from({ length: 16000 }, (_, i) => Math.round(3000 * Math.sin(i / 3))),
    );
    await page
      .getByLabel(`Enviar uma gravação (WAV) de: ${text}`)
      .setInputFiles({ name: "saudacao.wav", mimeType: "audio/wav", buffer: Buffer.from(file.toBuffer()) });
    await page.getByText("Gravação salva.").waitFor();
    await page.getByText("Gravação de 2 s").waitFor();
    const src = await page.getByLabel(`Ouvir a gravação de: ${text}`).getAttribute("src");
    const audio = await page.request.get(`${baseUrl}${src}`);
    assert.equal(audio.status(), 200);
    assert.equal(audio.headers()["content-type"], "audio/wav");
    assert.deepEqual(await seriousViolations(page), []);
    await shot(page, "admin-ivr-prompts-pt-BR");
    await page.getByRole("button", { name: "Voltar à voz sintetizada" }).click();
    await page.getByText("Gravação removida: o texto volta a ser dito por voz sintetizada.").waitFor();
    const left = await db.query("SELECT 1 FROM voice_prompts");
    assert.equal(left.length, 0);
  });

  it("edits the pt-BR e-mail text of demand.received, and the next receipt is sent with it", async () => {
    await open(page, "mensagens");
    await page.locator("#override-body").waitFor();
    assert.equal(await page.inputValue("#pick-template"), "demand.received");
    assert.equal(await page.inputValue("#pick-channel"), "email");
    await page.fill("#override-subject", "Pedido {protocol} recebido pela Central");
    await page.fill("#override-body", "Seu pedido sobre {service} tem o número {protocol}. Obrigado!");
    await page
      .locator("#preview-text", { hasText: "Seu pedido sobre Buraco na rua tem o número 20260001234." })
      .waitFor();
    // An unknown placeholder is refused with the server's words, naming the allowed ones.
    await page.fill("#override-body", "Olá {cidadao}, pedido {protocol}.");
    await page.getByRole("button", { name: "Salvar texto" }).click();
    await page.locator("#override-body-error", { hasText: "{cidadao}" }).waitFor();
    await page.fill("#override-body", "Seu pedido sobre {service} tem o número {protocol}. Obrigado!");
    await page.getByRole("button", { name: "Salvar texto" }).click();
    await page.getByText("Texto salvo: as próximas mensagens já o usam.").waitFor();
    const row = await one<{ subject: string; updated_by: number }>(
      db,
      "SELECT subject, updated_by FROM message_templates WHERE template = 'demand.received' AND channel = 'email' AND locale = 'pt-BR'",
    );
    assert.equal(row.subject, "Pedido {protocol} recebido pela Central");

    const demandId = await fileDemand("receipt.override@example.org");
    while ((await runOnce(ctx, [sendMessage])) > 0) {}
    const message = await one<{ key: string; state: string; channel: string }>(
      db,
      "SELECT key::text AS key, state, channel FROM messages WHERE demand_id = $1 AND template = 'demand.received'",
      [demandId],
    );
    assert.equal(message.state, "sent");
    assert.equal(message.channel, "email");
    const mail = await simpleParser(await readFile(join(ctx.config.dataDir, "mail", `${message.key}.eml`)));
    const { protocol } = await one<{ protocol: string }>(db, "SELECT protocol FROM demands WHERE id = $1", [
      demandId,
    ]);
    assert.equal(mail.subject, `Pedido ${protocol} recebido pela Central`);
    assert.match(mail.text ?? "", new RegExp(`tem o número ${protocol}\\. Obrigado!`));

    // Back to the default: the override row is gone and the editor shows the default text again.
    await page.getByRole("button", { name: "Voltar ao padrão" }).click();
    await confirm(page);
    await page.getByText("Texto personalizado removido: vale o padrão.").waitFor();
    assert.equal((await db.query("SELECT 1 FROM message_templates")).length, 0);
    await page.waitForFunction(() => document.activeElement?.id === "override-title");
    await page.waitForFunction(
      () =>
        (document.getElementById("override-subject") as HTMLInputElement).value ===
        "Recebemos sua solicitação {protocol}",
    );
  });

  it("creates an API key shown once, which works until it is revoked", async () => {
    await open(page, "chaves-api");
    await page.fill("#key-name", "App de Teste");
    await page.fill("#key-limit", "120");
    await page.getByRole("button", { name: "Criar chave" }).click();
    const key = await page.locator("#issued-key").inputValue();
    assert.match(key, /^rsv_/);
    const ok = await page.request.get(`${baseUrl}/open311/v2/services.json?api_key=${key}`);
    assert.equal(ok.status(), 200);
    await page.getByRole("button", { name: "Já guardei, fechar" }).click();
    assert.equal(await page.locator("#issued-key").count(), 0, "the key is gone from the page");
    const row = page.locator("tr", { has: page.locator("th", { hasText: "App de Teste" }) });
    await row.getByRole("button", { name: "Revogar" }).press("Enter");
    await confirm(page);
    await page.getByText("Chave de App de Teste revogada.").waitFor();
    await page.waitForFunction(() => document.activeElement?.id === "clients-title");
    const refused = await page.request.get(`${baseUrl}/open311/v2/services.json?api_key=${key}`);
    assert.equal(refused.status(), 403);
    const stored = await one<{ revoked: boolean; limit: number }>(
      db,
      "SELECT revoked_at IS NOT NULL AS revoked, rate_limit_per_minute AS limit FROM api_clients WHERE name = 'App de Teste'",
    );
    assert.deepEqual(stored, { revoked: true, limit: 120 });
  });

  it("creates a webhook, shows its delivery log after an event, redelivers and rotates its secret", async () => {
    await open(page, "webhooks");
    await page.fill("#hook-url", receiverUrl);
    await page.fill("#hook-types", "demand.*");
    await page.fill("#hook-description", "Receptor de teste");
    await page.getByRole("button", { name: "Criar webhook" }).click();
    const secret = await page.locator("#hook-secret").inputValue();
    const hook = await one<{ id: number; secret: string }>(
      db,
      "SELECT id, secret FROM webhook_subscriptions WHERE url = $1",
      [receiverUrl],
    );
    assert.equal(hook.secret, secret);
    await page.getByRole("link", { name: "Abrir a assinatura criada" }).click();
    await page.locator("main h1", { hasText: receiverUrl }).waitFor();

    await fileDemand("webhook.event@example.org");
    await fanOutWebhooks(db);
    const deliver = deliverWebhookJob({ timeoutMs: 2000 });
    while ((await runOnce(ctx, [deliver])) > 0) {}
    assert.ok(received.length > 0, "the receiver got a delivery");
    await page.getByRole("button", { name: "Atualizar" }).click();
    const first = page.locator("table tbody tr").first();
    await first.getByText("Entregue").waitFor();
    await first.getByRole("link").click();
    await page.getByRole("heading", { name: "Corpo enviado" }).waitFor();
    assert.match(await page.locator("pre").innerText(), /"type": "demand\./);
    // The request that caused the event, shown so an admin can find it in the logs.
    const deliveryId = Number(new URL(page.url()).pathname.split("/").pop());
    const caused = await one<{ request_id: string | null }>(
      db,
      "SELECT request_id FROM webhook_deliveries WHERE id = $1",
      [deliveryId],
    );
    assert.ok(caused.request_id, "the filing request caused the event");
    assert.equal(await page.locator("#delivery-request-id code").innerText(), caused.request_id);
    await page.getByRole("button", { name: "Enviar de novo" }).click();
    await page.getByText("Entrega colocada na fila de novo.").waitFor();
    await page.locator("#delivery-state", { hasText: "Pendente" }).waitFor();

    await page.getByRole("link", { name: "Voltar ao registro de entregas" }).click();
    // An edit not yet saved survives a secret rotation.
    await page.fill("#hook-description", "Receptor editado");
    await page.getByRole("button", { name: "Trocar segredo" }).click();
    await confirm(page);
    const rotated = await page.locator("#hook-secret").inputValue();
    assert.equal(await page.inputValue("#hook-description"), "Receptor editado");
    assert.notEqual(rotated, secret);
    const stored = await one<{ secret: string; previous_secret: string }>(
      db,
      "SELECT secret, previous_secret FROM webhook_subscriptions WHERE id = $1",
      [hook.id],
    );
    assert.deepEqual([stored.secret, stored.previous_secret], [rotated, secret]);
    // Saving reloads the subscription; the "saved" message stays on screen after the reload.
    const reloaded = page.waitForResponse(
      (r) => r.request().method() === "GET" && r.url().endsWith(`/api/v1/webhooks/${hook.id}`),
    );
    await page.getByRole("button", { name: "Salvar", exact: true }).click();
    await reloaded;
    await page.locator("main h1", { hasText: receiverUrl }).waitFor();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.locator("section[aria-labelledby=hook-form-title]").getByText("Alterações salvas.").waitFor();
    const saved = await one<{ description: string }>(
      db,
      "SELECT description FROM webhook_subscriptions WHERE id = $1",
      [hook.id],
    );
    assert.equal(saved.description, "Receptor editado");

    // Another subscription, deleted from its page after confirming.
    const other = await page.request.post(`${baseUrl}/api/v1/webhooks`, {
      data: { url: `${receiverUrl}/outro`, eventTypes: ["demand.closed"] },
    });
    assert.equal(other.status(), 201, await other.text());
    const { id } = (await other.json()) as { id: number };
    await open(page, `webhooks/${id}`);
    await page.getByRole("button", { name: "Excluir" }).click();
    await confirm(page);
    await page.getByRole("heading", { name: "Webhooks", level: 1 }).waitFor();
    assert.equal((await db.query("SELECT 1 FROM webhook_subscriptions WHERE id = $1", [id])).length, 0);
  });

  it("passes axe on every section in pt-BR, en and es", async () => {
    const sections = [
      ["usuarios", "users", "table.roles tbody tr"],
      ["calendario", "calendar", "#calendar-tz"],
      ["ura", "ivr", "#ivr-agent-hours"],
      ["mensagens", "messages", "#preview-text"],
      ["chaves-api", "api-keys", "table tbody tr"],
      ["webhooks", "webhooks", "table tbody tr"],
    ] as const;
    const failures: string[] = [];
    for (const lang of ["pt-BR", "en", "es"]) {
      for (const [slug, name, ready] of sections) {
        await open(page, slug, lang);
        await page.locator(ready).first().waitFor();
        assert.equal(await page.getAttribute("html", "lang"), lang);
        failures.push(...(await seriousViolations(page)).map((v) => `${name} ${lang}: ${v}`));
        await shot(page, `admin-${name}-${lang}`);
      }
    }
    const hook = await one<{ id: number }>(db, "SELECT id FROM webhook_subscriptions ORDER BY id LIMIT 1");
    await open(page, `webhooks/${hook.id}`);
    await page.locator("table tbody tr").first().waitFor();
    failures.push(...(await seriousViolations(page)).map((v) => `webhook page: ${v}`));
    await shot(page, "admin-webhook-pt-BR");
    assert.deepEqual(failures, []);
  });
});
