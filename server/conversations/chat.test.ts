import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { drain, SE } from "../../tests/factories.ts";
import { testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { handleInbound, sendReply } from "./jobs.ts";

const { app, ctx } = await testApp();
const STEPS = [handleInbound, sendReply];

interface Reply {
  id: number;
  text: string;
  choices: { id: string; title: string }[];
  requestLocation: boolean;
}

/** Posts one chat message (with the token once there is one), runs the steps, returns the new replies. */
async function chat(token: string | undefined, message: object, after = 0) {
  const posted = await app.inject({
    method: "POST",
    url: "/api/v1/chat/messages",
    headers: token ? { "x-chat-token": token } : {},
    payload: { id: randomUUID(), ...message },
  });
  assert.equal(posted.statusCode, 202, posted.body);
  const issued = posted.json().token as string;
  await drain(ctx, STEPS);
  const read = await app.inject({
    url: `/api/v1/chat/messages?after=${after}`,
    headers: { "x-chat-token": issued },
  });
  assert.equal(read.statusCode, 200);
  return { token: issued, replies: read.json().replies as Reply[], status: read.json().status as string };
}

describe("the portal's web chat", () => {
  it("takes a citizen to a protocol, asking for an e-mail to answer on", async () => {
    let { token, replies } = await chat(undefined, { text: "tem um buraco enorme no asfalto da minha rua" });
    let last = replies.at(-1)!;
    let steps = 1;
    while (!/Posso registrar/.test(last.text) && steps < 10) {
      const ids = last.choices.map((c) => c.id);
      const answer = last.requestLocation
        ? { location: SE }
        : ids.includes("skip")
          ? { choice: "skip" }
          : ids.includes("no") && !/registrar/.test(last.text)
            ? { choice: "no" }
            : /e-mail ou telefone/.test(last.text)
              ? { text: "meu email é Maria.Chat@Example.org" }
              : ids.length > 0
                ? { choice: ids[0] }
                : { text: "12" };
      ({ replies } = await chat(token, answer, last.id));
      last = replies.at(-1)!;
      steps++;
    }
    assert.match(last.text, /Posso registrar/);
    await chat(token, { choice: "yes" }, last.id);
    const demand = await one<{ channel: string }>(
      ctx.db,
      `SELECT d.channel FROM demands d JOIN citizen_contacts c ON c.citizen_id = d.citizen_id
        WHERE c.channel = 'email' AND c.value = 'maria.chat@example.org'`,
    );
    assert.equal(demand.channel, "chat");
  });

  it("stores a resent message once and refuses a token it did not issue", async () => {
    const id = randomUUID();
    const first = await app.inject({
      method: "POST",
      url: "/api/v1/chat/messages",
      payload: { id, text: "oi" },
    });
    const token = first.json().token;
    const again = await app.inject({
      method: "POST",
      url: "/api/v1/chat/messages",
      headers: { "x-chat-token": token },
      payload: { id, text: "oi" },
    });
    assert.equal(again.json().stored, false);
    const forged = await app.inject({
      url: "/api/v1/chat/messages",
      headers: { "x-chat-token": "not-a-token" },
    });
    assert.equal(forged.statusCode, 400);
    const none = await app.inject({ url: "/api/v1/chat/messages" });
    assert.deepEqual(none.json(), { replies: [], status: "none" });
    const stranger = await app.inject({
      url: "/api/v1/chat/messages",
      headers: { "x-chat-token": "A".repeat(32) },
    });
    assert.deepEqual(
      stranger.json(),
      { replies: [], status: "none" },
      "another token sees nothing of this chat",
    );
    const both = await app.inject({
      method: "POST",
      url: "/api/v1/chat/messages",
      payload: { id: randomUUID(), text: "oi", choice: "yes" },
    });
    assert.equal(both.statusCode, 400);
  });
});
