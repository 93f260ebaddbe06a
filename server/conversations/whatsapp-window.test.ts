/**
 * WhatsApp's 24-hour window against a fake Graph API that enforces it as Meta does (free text to someone silent for
 * a day is taken, then fails with 131047) and knows the city's approved templates: inside the window messages go as
 * text, outside it as the template WHATSAPP_TEMPLATES names, with its parameters; a message with no template goes on
 * the citizen's next channel; an agent's late answer goes as the conversation template.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { startFakeWhatsApp } from "../../channels/whatsapp/fake.ts";
import { ANSWER, answerByDepartment, drain, fileDemand, takenByAgent } from "../../tests/factories.ts";
import { testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { enqueue } from "../jobs/enqueue.ts";
import { closeChannelsOf } from "../notifications/jobs.ts";
import { parseWhatsAppTemplates } from "../notifications/whatsapp-window.ts";

const ACCOUNT = {
  appSecret: "meta-app-secret-window",
  phoneNumberId: "1097316837",
  token: "EAAG-window-token",
};
const fake = await startFakeWhatsApp({
  ...ACCOUNT,
  enforceWindow: true,
  templates: { resposta_156: 2, conversa_156: 1 },
});
after(() => fake.close());
const parsed = parseWhatsAppTemplates(
  "demand.answered=resposta_156:protocol,answer; conversation.reply=conversa_156:text",
);
assert.ok("templates" in parsed);
const { app, ctx } = await testApp({
  messaging: {
    whatsapp: {
      apiUrl: fake.url,
      token: ACCOUNT.token,
      phoneNumberId: ACCOUNT.phoneNumberId,
      appSecret: ACCOUNT.appSecret,
      verifyToken: "verify-me-window",
    },
    whatsappTemplates: parsed.templates,
  },
});
after(() => closeChannelsOf(ctx.config));
const base = await app.listen({ port: 0, host: "127.0.0.1" });
const hook = `${base}/webhooks/whatsapp`;

type Sent = {
  id: string;
  body: {
    type: string;
    text?: { body: string };
    interactive?: { body: { text: string } };
    template?: {
      name: string;
      language: { code: string };
      components?: { parameters: { text: string }[] }[];
    };
  };
};
const sentTo = (to: string) => fake.messages.filter((m) => m.body.to === to) as unknown as Sent[];
const failedIds = () =>
  new Set(
    fake.statuses.flatMap((w) =>
      w.entry.flatMap((e) =>
        e.changes.flatMap((c) =>
          (c.value.statuses ?? []).filter((s) => s.status === "failed").map((s) => s.id),
        ),
      ),
    ),
  );
/** Moves the citizen's last message on this number a day and an hour back. */
const silentForADay = (from: string) =>
  ctx.db.query(
    "UPDATE conversations SET last_inbound_at = now() - interval '25 hours' WHERE channel = 'whatsapp' AND address = $1",
    [from],
  );

describe("WhatsApp's 24-hour window", () => {
  it("sends text inside the window and the approved template, filled, outside it", async () => {
    const demand = await fileDemand({ app, ctx }, { email: "quem-pediu@example.org" });
    await drain(ctx);
    const from = "5511987651001";
    await fake.post(hook, fake.text(from, `quero acompanhar o protocolo ${demand.protocol}`));
    await drain(ctx);
    const inside = sentTo(from);
    assert.equal(inside.length, 1);
    assert.notEqual(inside[0]!.body.type, "template", "a reply within the window is free text");

    await silentForADay(from);
    const multiline = `${ANSWER}\n\nAtenciosamente,\n    Subprefeitura`;
    await answerByDepartment({ app, ctx }, demand.id, multiline);
    await drain(ctx);
    const late = sentTo(from).slice(1);
    assert.equal(late.length, 1, "the answer reached the follower once");
    const t = late[0]!.body;
    assert.equal(t.type, "template");
    assert.equal(t.template!.name, "resposta_156");
    assert.equal(t.template!.language.code, "pt_BR");
    const params = t.template!.components![0]!.parameters.map((p) => p.text);
    assert.equal(params[0], demand.protocol);
    assert.ok(params[1]!.startsWith(ANSWER.slice(0, 30)));
    assert.doesNotMatch(params[1]!, /\n| {5}/, "Meta refuses line breaks and runs of spaces in parameters");
    assert.ok(!failedIds().has(late[0]!.id), "Meta took and delivered the template");
  });

  it("sends a message with no approved template on the citizen's next channel, never as text WhatsApp refuses", async () => {
    const phone = "5511987651002";
    const demand = await fileDemand({ app, ctx }, { email: "tambem-whatsapp@example.org" });
    await ctx.db.query(
      "INSERT INTO citizen_contacts (citizen_id, channel, value) VALUES ($1, 'whatsapp', $2)",
      [demand.citizen_id, phone],
    );
    // The receipt of a demand filed on WhatsApp by someone who never wrote to the number: no template named.
    await ctx.db.query("UPDATE demands SET channel = 'whatsapp' WHERE id = $1", [demand.id]);
    await enqueue(ctx.db, "send-message", { demandId: demand.id, template: "demand.received" });
    await drain(ctx);
    assert.equal(sentTo(phone).length, 0, "nothing sent to WhatsApp outside the window");
    const attempts = await ctx.db.query<{ channel: string; outcome: string; error: string | null }>(
      `SELECT a.channel, a.outcome, a.error FROM message_attempts a JOIN messages m ON m.id = a.message_id
        WHERE m.demand_id = $1 AND m.template = 'demand.received' AND a.channel = 'whatsapp'`,
      [demand.id],
    );
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0]!.outcome, "permanent");
    assert.match(attempts[0]!.error ?? "", /24-hour window/);
    const went = await ctx.db.query<{ channel: string; state: string }>(
      `SELECT channel, state FROM messages WHERE demand_id = $1 AND template = 'demand.received' ORDER BY id`,
      [demand.id],
    );
    assert.equal(went.at(-1)!.channel, "email");
    assert.equal(went.at(-1)!.state, "sent");
  });

  it("sends an agent's answer a day late as the conversation template", async () => {
    const from = "5511987651003";
    await fake.post(hook, fake.text(from, "quero falar com um atendente"));
    await drain(ctx);
    const { id, agent } = await takenByAgent({ app, ctx }, "whatsapp", from);
    await silentForADay(from);
    const res = await app.inject({
      method: "POST",
      url: `/api/v1/conversations/${id}/replies`,
      headers: { authorization: agent.authorization },
      payload: { text: "Bom dia!\nA equipe já foi ao local." },
    });
    assert.equal(res.statusCode, 201);
    await drain(ctx);
    const last = sentTo(from).at(-1)!.body;
    assert.equal(last.type, "template");
    assert.equal(last.template!.name, "conversa_156");
    assert.deepEqual(
      last.template!.components![0]!.parameters.map((p) => p.text),
      ["Bom dia! A equipe já foi ao local."],
    );
    const reply = await one<{ state: string }>(
      ctx.db,
      "SELECT state FROM conversation_replies WHERE conversation_id = $1 AND author = 'agent'",
      [id],
    );
    assert.equal(reply.state, "sent");
  });
});
