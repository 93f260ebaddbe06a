import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { InboundContent, InboundMessage } from "../../channels/channel.ts";
import { drain, SE } from "../../tests/factories.ts";
import { testConfig, testDb } from "../../tests/helpers.ts";
import { eraseCitizen } from "../citizens/commands.ts";
import type { AppContext } from "../context.ts";
import { one } from "../db/index.ts";
import { startWorker } from "../jobs/runner.ts";
import { planMessage } from "../notifications/planning.ts";
import type { SendMessagePayload } from "../notifications/schemas.ts";
import { acceptInbound } from "./inbound.ts";
import { handleInbound } from "./jobs.ts";
import type { ReplyBody } from "./replies.ts";

const db = await testDb();
const ctx: AppContext = { db, config: testConfig() };
/** The step only: sending the replies needs a provider, tested with each adapter. */
const STEP = [handleInbound];

let serial = 0;
function message(from: string, content: InboundContent, id = `wamid.${++serial}`): InboundMessage {
  return {
    channel: "whatsapp",
    providerMessageId: id,
    from,
    sentAt: new Date().toISOString(),
    content,
    profileName: "Maria",
  };
}
const text = (t: string): InboundContent => ({ kind: "text", text: t });

/** Sends one message from `from`, runs its step, and answers the replies it queued. */
async function say(from: string, content: InboundContent): Promise<ReplyBody[]> {
  const before = await one<{ n: number }>(
    db,
    "SELECT coalesce(max(id), 0)::int AS n FROM conversation_replies",
  );
  await acceptInbound(db, [message(from, content)]);
  await drain(ctx, STEP);
  const rows = await db.query<{ body: ReplyBody }>(
    `SELECT r.body FROM conversation_replies r JOIN conversations c ON c.id = r.conversation_id
      WHERE r.id > $1 AND c.address = $2 ORDER BY r.id`,
    [before.n, from],
  );
  return rows.map((r) => r.body);
}

/** The answer a citizen gives to a reply: a shared location, skip, the first choice, or a number. */
function answerTo(reply: ReplyBody): InboundContent {
  if (reply.requestLocation) return { kind: "location", lat: SE.lat, lon: SE.lon };
  const ids = reply.choices?.map((c) => c.id) ?? [];
  if (ids.includes("yes")) return { kind: "choice", id: "no" }; // anonymity: no; the confirmation is answered apart
  if (ids.includes("skip")) return { kind: "choice", id: "skip" };
  if (ids.length > 0) return { kind: "choice", id: ids[0]! };
  return text("12");
}

/** Walks a conversation from a first message to a filed demand; returns it and the messages the citizen sent. */
async function fileByConversation(
  from: string,
  first = "boa noite tem um buraco enorme no asfalto da rua, quase caí de moto",
) {
  let replies = await say(from, text(first));
  let sent = 1;
  while (!/Posso registrar/.test(replies.at(-1)?.text ?? "") && sent < 10) {
    const last = replies.at(-1);
    assert.ok(last, "the assistant answered");
    replies = await say(from, answerTo(last));
    sent++;
  }
  assert.match(replies.at(-1)!.text, /Posso registrar/);
  await say(from, { kind: "choice", id: "yes" });
  const demand = await one<{ protocol: string; channel: string; description: string; citizen_id: number }>(
    db,
    `SELECT d.protocol, d.channel, d.description, d.citizen_id FROM demands d
       JOIN citizen_contacts c ON c.citizen_id = d.citizen_id AND c.channel = 'whatsapp'
      WHERE c.value = $1`,
    [from],
  );
  return { demand, sent: sent + 1 };
}

describe("conversations over a written channel", () => {
  it("stores a webhook delivered three times once, and runs one step", async () => {
    const m = message("5511900000001", text("oi"), "wamid.same");
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await acceptInbound(db, [m]));
    assert.deepEqual(
      results.map((r) => r.stored),
      [1, 0, 0],
    );
    const { n } = await one<{ n: number }>(
      db,
      `SELECT count(*)::int AS n FROM outbox WHERE job = 'handle-inbound'
          AND payload->>'inboundId' = (SELECT id::text FROM inbound_messages WHERE provider_message_id = 'wamid.same')`,
    );
    assert.equal(n, 1);
    await drain(ctx, STEP);
    const replies = await one<{ n: number }>(
      db,
      `SELECT count(*)::int AS n FROM conversation_replies r JOIN conversations c ON c.id = r.conversation_id
        WHERE c.address = '5511900000001'`,
    );
    assert.equal(replies.n, 1, "one welcome, not three");
  });

  it("takes a citizen from a first message to a protocol, then answers its status", async () => {
    const from = "5511900000002";
    const { demand, sent } = await fileByConversation(from);
    assert.ok(sent <= 7, `filed after ${sent} messages`);
    assert.equal(demand.channel, "whatsapp");
    assert.match(demand.description, /buraco enorme/);
    const receipt = await one<{ n: number }>(
      db,
      `SELECT count(*)::int AS n FROM outbox WHERE job = 'send-message' AND payload->>'template' = 'demand.received'
          AND (payload->>'demandId')::bigint = (SELECT id FROM demands WHERE protocol = $1)`,
      [demand.protocol],
    );
    assert.equal(
      receipt.n,
      1,
      "the receipt goes out on the conversation's channel through the notifications",
    );

    const status = await say(from, text(`e o protocolo ${demand.protocol}?`));
    assert.match(status[0]!.text, new RegExp(demand.protocol));
    assert.match(status[0]!.text, /Recebida|Encaminhada|triagem/);
    const stranger = await say("5511900000099", text(`e o protocolo ${demand.protocol}?`));
    assert.doesNotMatch(
      stranger[0]!.text,
      /Recebida|Encaminhada|triagem/,
      "a protocol alone tells a stranger nothing",
    );
  });

  it("hands the conversation to the agents when the citizen asks for a person", async () => {
    const from = "5511900000003";
    await say(from, text("bom dia"));
    const replies = await say(from, text("quero falar com um atendente"));
    assert.match(replies[0]!.text, /atendente/);
    const c = await one<{ status: string; waiting: boolean }>(
      db,
      "SELECT status, waiting_since IS NOT NULL AS waiting FROM conversations WHERE address = $1",
      [from],
    );
    assert.deepEqual(c, { status: "waiting", waiting: true });
    const later = await say(from, text("alguém aí?"));
    assert.deepEqual(later, [], "the assistant is quiet while a person is awaited");
  });

  it("stops messages on SAIR, confirms once, and takes the citizen back when they write again", async () => {
    const from = "5511900000004";
    await say(from, text("buraco na rua"));
    const stop = await say(from, text("SAIR"));
    assert.equal(stop.length, 1);
    assert.equal(stop[0]!.evenOptedOut, true);
    const out = await db.query("SELECT 1 FROM channel_opt_outs WHERE channel = 'whatsapp' AND address = $1", [
      from,
    ]);
    assert.equal(out.length, 1);
    await say(from, text("oi"));
    const back = await db.query(
      "SELECT 1 FROM channel_opt_outs WHERE channel = 'whatsapp' AND address = $1",
      [from],
    );
    assert.equal(back.length, 0);
  });

  it("records delivery receipts on the reply they name, never going back", async () => {
    const from = "5511900000005";
    await say(from, text("oi"));
    const reply = await one<{ id: number }>(
      db,
      `UPDATE conversation_replies SET state = 'sent', provider_id = 'wamid.out1'
        WHERE id = (SELECT max(r.id) FROM conversation_replies r JOIN conversations c ON c.id = r.conversation_id
                     WHERE c.address = $1) RETURNING id`,
      [from],
    );
    const receipt = (state: "delivered" | "read", id: string): InboundMessage =>
      message(from, { kind: "receipt", providerId: "wamid.out1", state }, id);
    await acceptInbound(db, [
      receipt("read", "wamid.out1:read"),
      receipt("delivered", "wamid.out1:delivered"),
    ]);
    await drain(ctx, STEP);
    const row = await one<{ state: string; delivered: boolean }>(
      db,
      "SELECT state, delivered_at IS NOT NULL AS delivered FROM conversation_replies WHERE id = $1",
      [reply.id],
    );
    assert.deepEqual(row, { state: "read", delivered: true });
  });

  it("forgets the conversation of a citizen who is erased", async () => {
    const from = "5511900000006";
    const { demand } = await fileByConversation(
      from,
      "um buraco fundo no asfalto da minha rua, em frente ao 40",
    );
    const staff = await one<{ id: number }>(db, "SELECT id FROM staff_users ORDER BY id LIMIT 1");
    await eraseCitizen(db, demand.citizen_id, { id: staff.id });
    const left = await db.query(
      `SELECT 1 FROM conversations WHERE address = $1
       UNION ALL SELECT 1 FROM inbound_messages WHERE sender = $1 OR content::text LIKE '%buraco fundo%'
       UNION ALL SELECT 1 FROM conversation_replies WHERE body::text LIKE '%buraco fundo%'`,
      [from],
    );
    assert.equal(left.length, 0);
  });

  it("sends nothing more to a citizen who wrote SAIR on that channel", async () => {
    const from = "5511900000007";
    const { demand } = await fileByConversation(from, "buraco grande no asfalto aqui na rua, perigoso");
    const row = await one<{ id: number; payload: SendMessagePayload }>(
      db,
      `SELECT o.id, o.payload FROM outbox o
        WHERE o.job = 'send-message' AND (o.payload->>'demandId')::bigint = (SELECT id FROM demands WHERE protocol = $1)`,
      [demand.protocol],
    );
    const before = await planMessage(db, Number(row.id), row.payload, ["whatsapp"], "https://156.example");
    assert.equal(before.kind, "send");
    await say(from, text("SAIR"));
    const after = await planMessage(db, Number(row.id), row.payload, ["whatsapp"], "https://156.example");
    assert.equal(after.kind, "unreachable");
  });

  it("wakes an idle worker as soon as a webhook's message is stored, not at its next poll", async () => {
    // Polling once a minute: only the signal the store sends at commit can start the step within the test.
    const worker = startWorker(ctx, STEP, 60_000);
    try {
      await new Promise((r) => setTimeout(r, 300)); // the worker's first claim found nothing and it sleeps
      const [stored] = await db.query<{ id: number }>(
        "SELECT coalesce(max(id), 0)::int AS id FROM inbound_messages",
      );
      await acceptInbound(db, [message("5511911112222", text("oi"))]);
      const deadline = Date.now() + 10_000;
      for (;;) {
        const [row] = await db.query<{ handled: boolean }>(
          "SELECT handled_at IS NOT NULL AS handled FROM inbound_messages WHERE id > $1 AND sender = '5511911112222'",
          [stored!.id],
        );
        if (row?.handled) break;
        assert.ok(Date.now() < deadline, "the step ran without waiting for the poll");
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await worker.stop();
    }
  });
});
