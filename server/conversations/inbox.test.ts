import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { InboundContent } from "../../channels/channel.ts";
import { drain } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { acceptInbound } from "./inbound.ts";
import { handleInbound } from "./jobs.ts";

const { app, ctx } = await testApp();
const { db } = ctx;
let serial = 0;

/** A message from `from` on Telegram, stored and stepped. */
async function say(from: string, text: string): Promise<void> {
  const content: InboundContent = { kind: "text", text };
  await acceptInbound(db, [
    {
      channel: "telegram",
      providerMessageId: `u${++serial}`,
      from,
      sentAt: new Date().toISOString(),
      content,
    },
  ]);
  await drain(ctx, [handleInbound]);
}

async function conversationOf(address: string): Promise<number> {
  const c = await one<{ id: number }>(
    db,
    "SELECT id FROM conversations WHERE address = $1 ORDER BY id DESC LIMIT 1",
    [address],
  );
  return Number(c.id);
}

describe("the agents' inbox", () => {
  it("lists a conversation handed over, lets one agent take it, and answers from it", async () => {
    const [a, b, supervisor] = [
      await staffHeaders(db, "agent"),
      await staffHeaders(db, "agent"),
      await staffHeaders(db, "supervisor"),
    ];
    await say("7001", "bom dia, tem um buraco na minha rua");
    await say("7001", "quero falar com um atendente");
    const id = await conversationOf("7001");

    const list = await app.inject({
      url: "/api/v1/conversations",
      headers: { authorization: a.authorization },
    });
    assert.equal(list.statusCode, 200);
    const mine = list.json().find((c: { id: number }) => c.id === id);
    assert.equal(mine.status, "waiting");
    assert.equal(mine.channel, "telegram");
    assert.match(mine.lastMessage, /atendente/);
    assert.ok(mine.waitingSeconds >= 0);

    // Two agents at once: one gets it.
    const takes = await Promise.all(
      [a, b].map((who) =>
        app.inject({
          method: "POST",
          url: `/api/v1/conversations/${id}/take`,
          headers: { authorization: who.authorization },
        }),
      ),
    );
    assert.deepEqual(takes.map((t) => t.statusCode).sort(), [204, 409]);
    const [holder, other] = takes[0]!.statusCode === 204 ? [a, b] : [b, a];

    const byOther = await app.inject({
      method: "POST",
      url: `/api/v1/conversations/${id}/replies`,
      headers: { authorization: other.authorization },
      payload: { text: "Olá" },
    });
    assert.equal(byOther.statusCode, 403);
    assert.equal(byOther.json().code, "conversation_of_another_agent");
    for (const who of [holder, supervisor]) {
      const res = await app.inject({
        method: "POST",
        url: `/api/v1/conversations/${id}/replies`,
        headers: { authorization: who.authorization },
        payload: { text: "Olá, sou da Central 156. Em que posso ajudar?" },
      });
      assert.equal(res.statusCode, 201);
    }
    const queued = await one<{ n: number }>(
      db,
      `SELECT count(*)::int AS n FROM conversation_replies r
        WHERE r.conversation_id = $1 AND r.author = 'agent'
          AND EXISTS (SELECT 1 FROM outbox o WHERE o.job = 'send-reply' AND (o.payload->>'replyId')::bigint = r.id)`,
      [id],
    );
    assert.equal(queued.n, 2);

    await say("7001", "obrigado!");
    const detail = await app.inject({
      url: `/api/v1/conversations/${id}`,
      headers: { authorization: holder.authorization },
    });
    assert.equal(detail.statusCode, 200);
    const history = detail.json().history as { from: string; text: string }[];
    assert.deepEqual(
      history.map((h) => h.from),
      ["citizen", "assistant", "citizen", "assistant", "agent", "agent", "citizen"],
    );
    assert.equal(history.at(-1)!.text, "obrigado!");

    const waiting = await app.inject({
      url: "/api/v1/conversations/waiting",
      headers: { authorization: supervisor.authorization },
    });
    const telegram = waiting.json().find((w: { channel: string }) => w.channel === "telegram");
    assert.equal(telegram.waiting, 0);
    assert.ok(telegram.meanTakenSeconds !== null);

    const released = await app.inject({
      method: "POST",
      url: `/api/v1/conversations/${id}/release`,
      headers: { authorization: holder.authorization },
      payload: { to: "closed" },
    });
    assert.equal(released.statusCode, 204);
    await say("7001", "oi de novo");
    assert.notEqual(
      await conversationOf("7001"),
      id,
      "the next message opens a new conversation with the assistant",
    );
  });

  it("refuses answering a conversation nobody took", async () => {
    const agent = await staffHeaders(db, "agent");
    await say("7002", "oi");
    const id = await conversationOf("7002");
    const res = await app.inject({
      method: "POST",
      url: `/api/v1/conversations/${id}/replies`,
      headers: { authorization: agent.authorization },
      payload: { text: "Olá" },
    });
    assert.equal(res.statusCode, 409);
    assert.equal(res.headers["content-type"], "application/problem+json; charset=utf-8");
  });
});
