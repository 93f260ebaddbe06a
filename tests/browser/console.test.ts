/**
 * The agent console in Chromium on a desktop: signing in through the form; a call popped live, answered, and a
 * demand registered from its screen pop in a handful of keys; the triage queue (take next, reclassify, dispatch,
 * a demand filed meanwhile appearing live); counter intake with its printed receipt; axe-core on every screen in
 * each language. Screenshots go to .cache/screenshots/console-<screen>-<lang>.png.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { startFakeSmtp } from "../../channels/email/fake.ts";
import { one } from "../../server/db/index.ts";
import { JOBS } from "../../server/jobs/registry.ts";
import { runOnce } from "../../server/jobs/runner.ts";
import { closeChannelsOf } from "../../server/notifications/jobs.ts";
import { createStaffUser } from "../../server/staff/commands.ts";
import { generateSecret, webhookHeaders } from "../../server/webhooks/signature.ts";
import { staffHeaders } from "../helpers.ts";
import { seriousViolations, shot, staffContext, startBrowserTest } from "./browser.ts";

const SECRET = generateSecret();
// Messages to citizens go to a real SMTP server on loopback, which can refuse a mailbox for good.
const smtp = await startFakeSmtp();
const { baseUrl, browser, ctx } = await startBrowserTest({
  telephonyWebhookSecret: SECRET,
  smtpUrl: smtp.url,
});
after(() => closeChannelsOf(ctx.config));
after(() => smtp.close());
const db = ctx.db;
const LANGS = ["pt-BR", "en", "es"] as const;

// Praça da Sé, in the district of SÉ.
const SE = { lat: -23.5503, lon: -46.634 };

/** Runs every registered job until nothing is due (routing puts demands in the queue). */
async function drain(): Promise<void> {
  while ((await runOnce(ctx, JOBS)) > 0) {}
}

/** Files a demand through the public API; returns its protocol. */
async function fileDemand(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/demands`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ description: "Buraco na rua", location: SE, ...body }),
  });
  const json = (await res.json()) as { protocol: string };
  assert.equal(res.status, 201, JSON.stringify(json));
  return json.protocol;
}

let sequence = 0;
/** Posts a PBX call event signed with the configured secret, as a PBX would. */
async function pbx(event: Record<string, unknown>): Promise<{ call: { id: number } }> {
  const body = JSON.stringify(event);
  const res = await fetch(`${baseUrl}/api/v1/telephony/events`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...webhookHeaders([SECRET], `msg_${++sequence}`, Math.floor(Date.now() / 1000), body),
    },
    body,
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as { call: { id: number } };
}

/** An agent's browser page, signed in with a session cookie, on a console path in a language. */
async function agentPage(
  path = "/console",
  lang = "pt-BR",
): Promise<{ page: Page; context: BrowserContext; staffId: number }> {
  const { context, staffId } = await staffContext(browser, baseUrl, ctx, "agent", undefined, {
    locale: lang,
  });
  const page = await context.newPage();
  await page.goto(`${baseUrl}${path}${path.includes("?") ? "&" : "?"}lang=${lang}`);
  await page.locator("main h1").first().waitFor();
  return { page, context, staffId };
}

async function assertAccessible(page: Page, name: string): Promise<void> {
  await shot(page, name);
  assert.deepEqual(await seriousViolations(page), [], name);
}

const pothole = (
  await one<{ code: string }>(db, "SELECT code FROM services WHERE name->>'pt-BR' = 'Tapa-buraco'")
).code;

// Read before any test is declared: a top-level await between them could outlive a file whose tests all finished.
/** A service that always asks for triage, so its demands wait in the queue. */
const queued = (
  await one<{ code: string }>(
    db,
    `UPDATE services SET auto_dispatch = false
      WHERE code = (SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND anonymous_allowed
                     AND NOT location_required ORDER BY code LIMIT 1)
      RETURNING code`,
  )
).code;

describe("signing in", () => {
  it("walks the sign-in form: a wrong password shows the server's problem, the right one opens the queue", async () => {
    const email = "atendente.form@prefeitura.example";
    const password = "uma senha longa o bastante 42";
    const staffId = await createStaffUser(db, { email, name: "Ana Atendente", password, role: "agent" });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "pt-BR" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console`);
    await page.locator("#email").fill(email);
    await page.locator("#password").fill("not the password");
    await page.getByRole("button", { name: "Entrar" }).click();
    const problem = await fetch(`${baseUrl}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "accept-language": "pt-BR" },
      body: JSON.stringify({ email: "nobody@prefeitura.example", password: "whatever it is 123" }),
    }).then((r) => r.json() as Promise<{ title: string }>);
    await page.getByRole("alert").filter({ hasText: problem.title }).waitFor();
    await page.locator("#password").fill(password);
    await page.getByRole("button", { name: "Entrar" }).click();
    await page.getByRole("heading", { level: 1, name: "Fila de triagem" }).waitFor();
    const sessions = await db.query("SELECT 1 FROM staff_sessions WHERE user_id = $1", [staffId]);
    assert.ok(sessions.length >= 1, "a session was opened for the agent");
    // Signing out is in the header, readable on its blue (white text), and ends the session.
    const signOut = page.getByRole("button", { name: "Sair" });
    assert.equal(await signOut.evaluate((b) => getComputedStyle(b).color), "rgb(255, 255, 255)");
    await signOut.click();
    await page.locator("#email").waitFor();
    const left = await db.query("SELECT 1 FROM staff_sessions WHERE user_id = $1", [staffId]);
    assert.equal(left.length, 0, "the session is gone");
    await context.close();
  });
});

describe("phone intake", () => {
  it("pops a ringing call live, shows the caller's earlier demand, and registers a demand in under 15 keys", async () => {
    const earlier = await fileDemand({
      service: pothole,
      description: "Buraco antigo na calçada",
      citizen: { name: "Maria Souza", phone: "(11) 98765-4321" },
    });
    const { page, context, staffId } = await agentPage("/console");
    const { email } = await one<{ email: string }>(db, "SELECT email FROM staff_users WHERE id = $1", [
      staffId,
    ]);
    await page.locator(".live-live").waitFor();
    const { call } = await pbx({
      callId: `c-${Date.now()}`,
      event: "ringing",
      from: "011987654321",
      to: "156",
      agent: email,
    });
    await page.getByRole("alert").filter({ hasText: "+5511987654321" }).waitFor();
    // Answering is one shortcut (not counted below: it comes before the citizen speaks).
    await page.keyboard.press("Alt+A");
    const pop = page.getByTestId("screen-pop");
    await pop.getByText(earlier).waitFor();
    assert.match(await pop.innerText(), /Maria Souza/);
    await page.waitForFunction(() => document.activeElement?.id === "intake-description");
    await shot(page, "console-phone-call-pt-BR");

    // The agent types what the caller says, address included; every key after that is counted.
    const description = `Buraco enorme na Rua Augusta 1200, em frente à padaria (${Date.now()})`;
    await page.keyboard.type(description);
    let keys = 0;
    const press = async (combo: string) => {
      keys += combo.split("+").length;
      await page.keyboard.press(combo);
    };
    // The address said in the description fills the address field by itself.
    assert.equal(await page.locator("#intake-address").inputValue(), "Rua Augusta 1200");
    const first = page.getByTestId("intake-service-suggestions").locator("button").first();
    await first.filter({ hasText: pothole }).waitFor();
    await page.getByTestId("place").filter({ hasText: "AUGUSTA" }).waitFor();
    await press("Alt+1");
    await page.getByTestId("intake-service-chosen").filter({ hasText: pothole }).waitFor();
    // The pick leaves the cursor where it was (Alt+1 is not taken by the skip link's access key).
    assert.equal(await page.evaluate(() => document.activeElement?.id), "intake-description");
    assert.equal(new URL(page.url()).hash, "");
    await press("Control+Enter");
    const protocolEl = page.getByTestId("protocol");
    await protocolEl.waitFor();
    const protocol = (await protocolEl.innerText()).trim();
    assert.ok(keys < 15, `${keys} keys after the description`);
    assert.equal(keys, 4, "Alt+1, Ctrl+Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")), "protocol");
    assert.match(await page.getByTestId("read-back").innerText(), /^\d{4} \d{4} \d{4} \d$/);
    await shot(page, "console-phone-registered-pt-BR");

    const row = await one<{
      channel: string;
      citizen_id: number;
      service: string;
      address: string;
      lat: number;
    }>(
      db,
      `SELECT d.channel, d.citizen_id, s.code AS service, d.address, ST_Y(d.location) AS lat
         FROM demands d JOIN services s ON s.id = d.service_id WHERE d.protocol = $1`,
      [protocol],
    );
    const caller = await one<{ citizen_id: number }>(
      db,
      "SELECT citizen_id FROM demands WHERE protocol = $1",
      [earlier],
    );
    assert.equal(row.channel, "phone");
    // Caller ID is not proof (decision 0019): the demand goes onto a record of its own holding the number, and the
    // record the number matched is left as it was; the screen pop finds both by the number.
    assert.notEqual(row.citizen_id, caller.citizen_id, "not merged into the matched record");
    const holds = await db.query<{ value: string }>(
      "SELECT value FROM citizen_contacts WHERE citizen_id = $1 AND channel = 'phone'",
      [row.citizen_id],
    );
    assert.deepEqual(
      holds.map((c) => c.value),
      ["5511987654321"],
      "the caller's number is on the new record",
    );
    assert.equal(row.service, pothole);
    assert.match(row.address, /Rua Augusta 1200/);
    assert.ok(Math.abs(row.lat - -23.5546) < 0.01, "placed on Rua Augusta");
    const link = await db.query(
      "SELECT 1 FROM call_demands cd JOIN demands d ON d.id = cd.demand_id WHERE cd.call_id = $1 AND d.protocol = $2",
      [call.id, protocol],
    );
    assert.equal(link.length, 1, "the demand is linked to the call");
    await context.close();
  });
});

describe("phone intake of an unknown caller", () => {
  it("lists a call ringing for every agent, and registers the new caller by name with a service searched for", async () => {
    const { page, context } = await agentPage("/console/telefone");
    await page.locator(".live-live").waitFor();
    const { call } = await pbx({
      callId: `u-${Date.now()}`,
      event: "ringing",
      from: "(11) 3333-4444",
      to: "156",
    });
    await page.getByRole("button", { name: /^Atender/ }).click();
    await page.getByRole("heading", { level: 1, name: "Ligação: Número não cadastrado" }).waitFor();
    await page.waitForFunction(() => document.activeElement?.id === "intake-description");
    // Two more calls ring while this one is on screen: the pop shows there too. The one rung first by the PBX
    // is told second, so the pop changes to it only if it answers the longest waiting, not the newest.
    const ringingPop = page.locator(".ringing");
    const waiting = [`w1-${Date.now()}`, `w2-${Date.now()}`];
    for (const [i, id] of waiting.entries()) {
      await pbx({
        callId: id,
        event: "ringing",
        from: `(11) 3333-555${i}`,
        to: "156",
        at: new Date(Date.now() - (i + 1) * 60_000).toISOString(),
      });
      await ringingPop.filter({ hasText: `+55113333555${i}` }).waitFor();
    }
    for (const id of waiting)
      await pbx({ callId: id, event: "ended", from: "", to: "156", reason: "canceled" });
    await ringingPop.waitFor({ state: "detached" });
    await page.locator("#intake-description").focus();
    await page.keyboard.type("A lâmpada do poste está queimada");
    await page.keyboard.press("Tab");
    await page.keyboard.type("Rua Augusta 1200");
    await page.keyboard.press("Alt+S");
    await page.keyboard.type("lâmpada");
    await page
      .getByRole("button", { name: /Reparo de lâmpada/ })
      .last()
      .click();
    await page.locator("#intake-name").fill("Carlos Novo");
    await page.keyboard.press("Control+Enter");
    const protocol = (await page.getByTestId("protocol").innerText()).trim();
    const row = await one<{ name: string; contact: string; service: string; channel: string }>(
      db,
      `SELECT c.name, cc.value AS contact, s.code AS service, d.channel
         FROM demands d JOIN citizens c ON c.id = d.citizen_id JOIN services s ON s.id = d.service_id
         JOIN citizen_contacts cc ON cc.citizen_id = c.id AND cc.channel = 'phone'
        WHERE d.protocol = $1`,
      [protocol],
    );
    const lamp = await one<{ code: string }>(
      db,
      "SELECT code FROM services WHERE name->>'pt-BR' = 'Reparo de lâmpada'",
    );
    assert.deepEqual(row, {
      name: "Carlos Novo",
      contact: "551133334444",
      service: lamp.code,
      channel: "phone",
    });
    const link = await db.query("SELECT 1 FROM call_demands WHERE call_id = $1", [call.id]);
    assert.equal(link.length, 1);
    await context.close();
  });
});

describe("the triage queue", () => {
  it("takes the most urgent item, reclassifies and dispatches it, and shows a demand filed meanwhile live", async () => {
    for (const [i, text] of ["Lâmpada queimada no poste da esquina", "Poste apagado há dias"].entries())
      await fileDemand({
        service: queued,
        description: text,
        identity: "anonymous",
        location: { lat: SE.lat - i * 0.01, lon: SE.lon },
      });
    await drain();
    const { page, context, staffId } = await agentPage("/console");
    const head = await one<{ protocol: string }>(
      db,
      `SELECT d.protocol FROM triage_queue q JOIN demands d ON d.id = q.demand_id
        WHERE q.claimed_until IS NULL OR q.claimed_until < now() ORDER BY q.queue_key, q.demand_id LIMIT 1`,
    );
    await page.locator(`tr[data-protocol="${head.protocol}"]`).waitFor();
    await page.locator(".live-live").waitFor();
    await assertAccessible(page, "console-queue-pt-BR");

    // Filed by the API while the agent looks at the queue: it appears without a reload.
    const meanwhile = await fileDemand({
      service: queued,
      description: "Outra lâmpada apagada",
      identity: "anonymous",
      location: { lat: SE.lat - 0.02, lon: SE.lon },
    });
    await drain();
    await page.locator(`tr[data-protocol="${meanwhile}"]`).waitFor();

    await page.keyboard.press("Alt+N");
    await page.waitForURL(new RegExp(`/console/demanda/${head.protocol}`));
    await page.getByTestId("hold").filter({ hasText: "Com você" }).waitFor();
    const claim = await one<{ claimed_by: number }>(
      db,
      "SELECT q.claimed_by FROM triage_queue q JOIN demands d ON d.id = q.demand_id WHERE d.protocol = $1",
      [head.protocol],
    );
    assert.equal(claim.claimed_by, staffId);
    await assertAccessible(page, "console-demand-pt-BR");

    await page.locator("#reclassify-search").fill("lâmpada");
    await page.getByRole("button", { name: /Reparo de lâmpada/ }).click();
    await page.getByRole("button", { name: "Reclassificar", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Reclassificada" }).waitFor();
    const lamp = await one<{ code: string }>(
      db,
      "SELECT code FROM services WHERE name->>'pt-BR' = 'Reparo de lâmpada'",
    );
    const department = await one<{ code: string; name: string }>(
      db,
      "SELECT code, name FROM departments WHERE active AND code <> 'CENTRAL156' ORDER BY code LIMIT 1",
    );
    await page.locator("#dispatch-department").selectOption(department.code);
    await page.getByRole("button", { name: "Encaminhar", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Encaminhada" }).waitFor();
    // The forms are gone with the demand out of triage: the focus is on the heading, not lost to the page.
    assert.equal(await page.evaluate(() => document.activeElement?.id), "demand-title");
    const after = await one<{ service: string; status: string; department: string; queued: boolean }>(
      db,
      `SELECT s.code AS service, d.status, dep.code AS department,
              EXISTS (SELECT 1 FROM triage_queue q WHERE q.demand_id = d.id) AS queued
         FROM demands d JOIN services s ON s.id = d.service_id
         JOIN work_orders w ON w.demand_id = d.id JOIN departments dep ON dep.id = w.department_id
        WHERE d.protocol = $1`,
      [head.protocol],
    );
    assert.deepEqual(after, {
      service: lamp.code,
      status: "dispatched",
      department: department.code,
      queued: false,
    });
    await context.close();
  });

  it("gives an item back, merges a duplicate into the demand it repeats, and cancels one with a reason", async () => {
    const spot = { lat: SE.lat + 0.01, lon: SE.lon + 0.01 };
    const original = await fileDemand({
      service: queued,
      description: "Poste caído na praça",
      identity: "anonymous",
      location: spot,
    });
    const repeat = await fileDemand({
      service: queued,
      description: "Poste caído na praça de novo",
      identity: "anonymous",
      location: spot,
    });
    await drain();
    const { page, context, staffId } = await agentPage("/console");
    await page.locator(`tr[data-protocol="${repeat}"]`).waitFor();
    // A double click takes one demand, not two.
    let takes = 0;
    page.on("request", (r) => {
      if (r.method() === "POST" && r.url().endsWith("/api/v1/triage/next")) takes++;
    });
    await page.getByRole("button", { name: /^Pegar a próxima/ }).dblclick();
    await page.waitForURL(/\/console\/demanda\/\d+/);
    const taken = new URL(page.url()).pathname.split("/").pop()!;
    await page.getByTestId("hold").filter({ hasText: "Com você" }).waitFor();
    assert.equal(takes, 1, "one take for a double click");
    const held = await db.query("SELECT 1 FROM triage_queue WHERE claimed_by = $1", [staffId]);
    assert.equal(held.length, 1, "one demand held");
    await page.keyboard.press("Alt+L");
    await page.getByRole("heading", { level: 1, name: "Fila de triagem" }).waitFor();
    const released = await one<{ claimed_by: number | null }>(
      db,
      "SELECT q.claimed_by FROM triage_queue q JOIN demands d ON d.id = q.demand_id WHERE d.protocol = $1",
      [taken],
    );
    assert.equal(released.claimed_by, null, "given back to the queue");

    await page.goto(`${baseUrl}/console/demanda/${repeat}?lang=pt-BR`);
    await page.getByTestId("duplicates").getByText(original).waitFor();
    await page.locator("#merge-into").fill(original);
    await page.getByRole("button", { name: "Unir a uma repetida" }).click();
    await page.getByRole("status").filter({ hasText: original }).waitFor();
    const merged = await one<{ status: string; into: string }>(
      db,
      `SELECT d.status, s.protocol AS into FROM demands d JOIN demands s ON s.id = d.merged_into_id
        WHERE d.protocol = $1`,
      [repeat],
    );
    assert.deepEqual(merged, { status: "merged", into: original });

    await page.goto(`${baseUrl}/console/demanda/${original}?lang=pt-BR`);
    await page.getByTestId("status").waitFor();
    await page.locator("#cancel-reason").fill("Fora da competência do município");
    await page.getByRole("button", { name: "Cancelar demanda" }).click();
    await page.getByRole("status").filter({ hasText: "Demanda cancelada" }).waitFor();
    const cancelled = await one<{ status: string; reason: string; actor: number }>(
      db,
      `SELECT d.status, e.data->>'reason' AS reason, e.actor_id::int AS actor
         FROM demands d JOIN demand_events e ON e.demand_id = d.id AND e.type = 'demand.cancelled'
        WHERE d.protocol = $1`,
      [original],
    );
    assert.deepEqual(cancelled, {
      status: "cancelled",
      reason: "Fora da competência do município",
      actor: staffId,
    });
    await context.close();
  });
});

describe("counter intake", () => {
  it("registers an in-person demand and prints a receipt holding its protocol", async () => {
    const { page, context } = await agentPage("/console/balcao");
    await page.locator("#intake-description").fill("Buraco grande na rua, perigoso para motos");
    await page.locator("#intake-address").fill("Rua Augusta 1200");
    await page.locator("#intake-service-search").fill("tapa-buraco");
    await page.getByRole("button", { name: `Tapa-buraco ${pothole}`, exact: true }).click();
    await page.locator("#intake-name").fill("José Balcão");
    await page.locator("#intake-document").fill("123.456.789-09");
    await page.locator("#intake-email").fill("jose@example.org");
    await page.getByTestId("place").filter({ hasText: "AUGUSTA" }).waitFor();
    await assertAccessible(page, "console-counter-pt-BR");
    await page.getByRole("button", { name: /^Registrar/ }).click();
    const protocol = (await page.getByTestId("protocol").innerText()).trim();
    const row = await one<{ channel: string; name: string }>(
      db,
      "SELECT d.channel, c.name FROM demands d JOIN citizens c ON c.id = d.citizen_id WHERE d.protocol = $1",
      [protocol],
    );
    assert.deepEqual(row, { channel: "counter", name: "José Balcão" });
    // Alt+P opens the printable receipt in a window of its own.
    const [receipt] = await Promise.all([context.waitForEvent("page"), page.keyboard.press("Alt+P")]);
    assert.match(new URL(receipt.url()).pathname, new RegExp(`/api/v1/demands/${protocol}/receipt`));
    await receipt.waitForLoadState();
    await receipt.locator("body").getByText(/\d/).first().waitFor();
    const text = (await receipt.locator("body").innerText()).replace(/\s/g, "");
    assert.ok(text.includes(protocol), "the receipt names the protocol");
    await shot(receipt, "console-receipt-pt-BR");
    await receipt.close();
    await assertAccessible(page, "console-counter-registered-pt-BR");
    await context.close();
  });
});

describe("undelivered messages", () => {
  it("lets a supervisor send a message again and record an answer delivered by phone, closing the demand", async () => {
    const address = `sem-caixa-${Date.now()}@example.org`;
    smtp.refuseRecipient(address, 550);
    const protocol = await fileDemand({
      service: pothole,
      description: "Buraco enorme na esquina da padaria",
      // Away from the other tests' demands, so it is no one's duplicate and goes straight to the department.
      location: { lat: -23.6, lon: -46.68 },
      citizen: { name: "Zé Sem Caixa", email: address },
    });
    await drain();
    // The department answers; the answer cannot reach the mailbox either.
    const order = await one<{ id: number; code: string }>(
      db,
      `SELECT w.id, dep.code FROM work_orders w JOIN demands d ON d.id = w.demand_id
         JOIN departments dep ON dep.id = w.department_id WHERE d.protocol = $1`,
      [protocol],
    );
    const staff = await staffHeaders(db, "department_staff", order.code);
    for (const [action, body] of [
      ["accept", {}],
      [
        "answer",
        { answer: "A equipe tapou o buraco com asfalto em 14/03 e sinalizou a esquina durante a cura." },
      ],
    ] as const) {
      const res = await fetch(`${baseUrl}/api/v1/work-orders/${order.id}/${action}`, {
        method: "POST",
        headers: { authorization: staff.authorization, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 200, await res.text());
    }
    await drain();
    const dead = await db.query<{ id: number; template: string }>(
      `SELECT o.id, o.payload->>'template' AS template FROM outbox o
        WHERE o.job = 'send-message' AND o.state = 'dead' AND (o.payload->>'demandId')::bigint =
              (SELECT id FROM demands WHERE protocol = $1) ORDER BY o.id`,
      [protocol],
    );
    // Every message to that mailbox failed for good: the receipt, the dispatch notice and the answer.
    assert.deepEqual(
      dead.map((d) => d.template),
      ["demand.received", "demand.dispatched", "demand.answered"],
    );

    const { context } = await staffContext(browser, baseUrl, ctx, "supervisor", undefined, {
      locale: "pt-BR",
    });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console/entregas?lang=pt-BR`);
    const rows = page.locator("tbody tr", { hasText: protocol });
    await rows.nth(2).waitFor();
    await assertAccessible(page, "console-deliveries-pt-BR");
    // The mailbox is fixed: the receipt goes again.
    smtp.recover();
    await rows
      .filter({ hasText: "Protocolo registrado" })
      .getByRole("button", { name: /Reenviar/ })
      .click();
    await page.getByText(`Mensagem do protocolo ${protocol} de volta à fila de envio.`).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), "deliveries-title");
    const retried = await one<{ state: string }>(db, "SELECT state FROM outbox WHERE id = $1", [dead[0]!.id]);
    assert.equal(retried.state, "pending");
    // The answer was read to the citizen on the phone.
    const answerRow = rows.filter({ hasText: "Resposta do órgão" });
    await answerRow.getByLabel("Entregue por").selectOption("phone");
    await answerRow.getByLabel("Observação interna").fill("Cidadão atendeu às 10h e confirmou o reparo.");
    await answerRow.getByRole("button", { name: "Registrar entrega" }).click();
    await page.getByText(`Entrega registrada; o protocolo ${protocol} foi encerrado.`).waitFor();
    const closed = await one<{ status: string }>(db, "SELECT status FROM demands WHERE protocol = $1", [
      protocol,
    ]);
    assert.equal(closed.status, "closed");
    await context.close();
  });
});

describe("a manager in the console", () => {
  it("starts on the undelivered messages and is offered only the screens its permissions open", async () => {
    const { context } = await staffContext(browser, baseUrl, ctx, "manager", undefined, { locale: "pt-BR" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console?lang=pt-BR`);
    await page.getByRole("heading", { level: 1, name: "Mensagens não entregues" }).waitFor();
    const menu = await page.locator("#menu a.menu-link:not(.other-app)").allInnerTexts();
    // It reads demands and the work queues, and does not take calls or triage.
    assert.deepEqual(menu, ["Buscar", "Não entregues", "Filas de trabalho"]);
    await context.close();
  });
});

describe("accessibility", () => {
  it("has no serious or critical axe violation on any console screen in pt-BR, en and es", async () => {
    const protocol = await fileDemand({
      service: pothole,
      description: "Buraco para a revisão de acessibilidade",
      citizen: { name: "Rita Lima", phone: "(11) 91234-5678" },
    });
    for (const lang of LANGS) {
      const anonymous = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: lang });
      const signIn = await anonymous.newPage();
      await signIn.goto(`${baseUrl}/console?lang=${lang}`);
      await signIn.locator("#email").waitFor();
      await assertAccessible(signIn, `console-sign-in-${lang}`);
      await anonymous.close();
      const { page, context, staffId } = await agentPage("/console", lang);
      await page.locator("table.data, main p").first().waitFor();
      await assertAccessible(page, `console-queue-${lang}`);
      await page.goto(`${baseUrl}/console/demanda/${protocol}?lang=${lang}`);
      await page.getByTestId("status").waitFor();
      await assertAccessible(page, `console-demand-${lang}`);
      await page.goto(`${baseUrl}/console/telefone?lang=${lang}`);
      await page.locator("main h1").waitFor();
      await assertAccessible(page, `console-phone-${lang}`);
      const { email } = await one<{ email: string }>(db, "SELECT email FROM staff_users WHERE id = $1", [
        staffId,
      ]);
      const { call } = await pbx({
        callId: `a11y-${lang}-${Date.now()}`,
        event: "answered",
        from: "011912345678",
        to: "156",
        agent: email,
      });
      await page.goto(`${baseUrl}/console/telefone?chamada=${call.id}&lang=${lang}`);
      await page.getByTestId("screen-pop").getByText(protocol).waitFor();
      await assertAccessible(page, `console-phone-call-${lang}`);
      await page.goto(`${baseUrl}/console/balcao?lang=${lang}`);
      await page.locator("#intake-description").waitFor();
      await assertAccessible(page, `console-counter-${lang}`);
      await page.locator("#intake-description").fill("Buraco na rua");
      await page.locator("#intake-address").fill("Rua Augusta 1200");
      await page.locator("#intake-name").fill("Rita Lima");
      await page.getByTestId("intake-service-suggestions").getByRole("button").first().click();
      await page.getByTestId("place").filter({ hasText: "AUGUSTA" }).waitFor();
      await page.keyboard.press("Control+Enter");
      await page.getByTestId("protocol").waitFor();
      await assertAccessible(page, `console-counter-registered-${lang}`);
      await context.close();
      // The supervisors' screen of undelivered messages (empty or not, it must read well).
      const supervisor = await staffContext(browser, baseUrl, ctx, "supervisor", undefined, { locale: lang });
      const deliveries = await supervisor.context.newPage();
      await deliveries.goto(`${baseUrl}/console/entregas?lang=${lang}`);
      await deliveries.locator("main table.data, main h1 ~ p").first().waitFor();
      await assertAccessible(deliveries, `console-deliveries-${lang}`);
      await supervisor.context.close();
    }
  });
});
