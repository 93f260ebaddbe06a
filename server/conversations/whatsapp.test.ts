/**
 * WhatsApp end to end: Meta's signed webhooks (from the fake in channels/whatsapp/fake.ts) posted to the running
 * app, the steps run by the worker's jobs, the replies sent to the fake Graph API — through a whole conversation to
 * a protocol, the receipt on the same number, delivery statuses, and the refusals (tampered, unsigned, malformed,
 * oversized, a webhook delivered three times).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ANSWER, answerByDepartment, drain, fileDemand, SE } from "../../tests/factories.ts";
import { whatsAppTestApp } from "../../tests/whatsapp-app.ts";
import { one } from "../db/index.ts";

const ACCOUNT = {
  appSecret: "meta-app-secret-for-tests",
  phoneNumberId: "1097316836",
  token: "EAAG-test-token",
};
const { fake, app, ctx, hook, sentTo, lastChoices } = await whatsAppTestApp(ACCOUNT);

describe("WhatsApp", () => {
  it("answers Meta's verification handshake only with the right token", async () => {
    assert.equal((await fake.handshake(hook, "verify-me-please")).echoed, true);
    assert.equal((await fake.handshake(hook, "wrong")).status, 403);
  });

  it("refuses unsigned, tampered, malformed and oversized webhooks and stores nothing", async () => {
    const payload = fake.text("5511911110000", "oi");
    const before = await one<{ n: number }>(ctx.db, "SELECT count(*)::int AS n FROM inbound_messages");
    assert.equal((await fake.post(hook, payload, { signature: null })).status, 401);
    assert.equal((await fake.post(hook, payload, { appSecret: "another-secret-x" })).status, 401);
    const raw = JSON.stringify(payload).replace("oi", "tchau");
    assert.equal(
      (
        await fake.post(hook, payload, {
          raw,
          signature: fake.request(payload).headers["x-hub-signature-256"],
        })
      ).status,
      401,
    );
    assert.equal((await fake.post(hook, null, { raw: '{"object":' })).status, 400);
    assert.equal((await fake.post(hook, null, { raw: `{"pad":"${"x".repeat(1_100_000)}"}` })).status, 413);
    const afterCount = await one<{ n: number }>(ctx.db, "SELECT count(*)::int AS n FROM inbound_messages");
    assert.equal(afterCount.n, before.n);
  });

  it("takes a citizen to a protocol, answers on the same number, and counts a webhook sent three times once", async () => {
    const from = "5511987650001";
    const first = fake.text(from, "boa noite tem um buraco enorme na r augusta 1200 quase caí de moto", {
      name: "Maria",
    });
    for (let i = 0; i < 3; i++) assert.equal((await fake.post(hook, first)).status, 200);
    await drain(ctx);
    assert.equal(sentTo(from).length, 1, "one reply to a message delivered three times");
    let steps = 1;
    while (!sentTo(from).at(-1)!.includes("Posso registrar") && steps < 8) {
      const ids = lastChoices(from);
      const text = sentTo(from).at(-1)!;
      const payload = /Onde fica/.test(text)
        ? fake.location(from, { lat: SE.lat, lon: SE.lon })
        : ids.includes("skip")
          ? fake.reply(from, "button_reply", "skip", "Pular")
          : ids.includes("no")
            ? fake.reply(from, "button_reply", "no", "Não")
            : ids.length > 0
              ? fake.reply(from, ids.length > 3 ? "list_reply" : "button_reply", ids[0]!, "1")
              : // Titles over WhatsApp's limits come as a numbered list: the citizen types the number.
                fake.text(from, "1");
      assert.equal((await fake.post(hook, payload)).status, 200);
      await drain(ctx);
      steps++;
    }
    assert.match(sentTo(from).at(-1)!, /Posso registrar/);
    await fake.post(hook, fake.reply(from, "button_reply", "yes", "Registrar"));
    await drain(ctx);
    assert.ok(steps + 1 <= 5, `filed after ${steps + 1} messages`);
    const demand = await one<{ protocol: string; channel: string }>(
      ctx.db,
      `SELECT d.protocol, d.channel FROM demands d JOIN citizen_contacts c ON c.citizen_id = d.citizen_id
        WHERE c.channel = 'whatsapp' AND c.value = $1`,
      [from],
    );
    assert.equal(demand.channel, "whatsapp");
    assert.ok(
      sentTo(from).some((t) => t.includes(demand.protocol)),
      "the receipt with the protocol went to the same WhatsApp number",
    );

    // The department answers: the answer and the survey come on the same number, the rating as a list of 1–5;
    // the citizen rates it, says it was not solved and reopens it, all with buttons.
    const filed = await one<{ id: number }>(ctx.db, "SELECT id FROM demands WHERE protocol = $1", [
      demand.protocol,
    ]);
    await answerByDepartment({ app, ctx }, filed.id);
    await drain(ctx);
    assert.ok(
      sentTo(from).some((t) => t.includes(ANSWER.slice(0, 30))),
      "the answer on WhatsApp",
    );
    assert.match(sentTo(from).at(-1)!, /nota de 1 a 5/);
    assert.deepEqual(lastChoices(from), ["rate:1", "rate:2", "rate:3", "rate:4", "rate:5"]);
    await fake.post(hook, fake.reply(from, "list_reply", "rate:4", "4"));
    await drain(ctx);
    assert.match(sentTo(from).at(-1)!, /foi resolvido\?/);
    assert.deepEqual(lastChoices(from), ["yes", "no"]);
    await fake.post(hook, fake.reply(from, "button_reply", "no", "Não"));
    await drain(ctx);
    assert.match(sentTo(from).at(-1)!, /reaberta/);
    await fake.post(hook, fake.reply(from, "button_reply", "yes", "Sim"));
    await drain(ctx);
    assert.match(sentTo(from).at(-1)!, /foi reaberta e voltou/);
    const rated = await one<{ rating: number; solved: boolean; reopen_count: number }>(
      ctx.db,
      `SELECT s.rating, s.solved, d.reopen_count FROM satisfaction_surveys s JOIN demands d ON d.id = s.demand_id
        WHERE d.id = $1 AND s.round = 0`,
      [filed.id],
    );
    assert.deepEqual({ ...rated }, { rating: 4, solved: false, reopen_count: 1 });

    // Meta's statuses for the last message sent: delivered, then read.
    const last = fake.messages.filter((m) => m.body.to === from).at(-1)!;
    await fake.post(hook, fake.status(last.id, from, "delivered"));
    await fake.post(hook, fake.status(last.id, from, "read"));
    await drain(ctx);
    const state = await one<{ state: string | null }>(
      ctx.db,
      `SELECT coalesce((SELECT delivery_state FROM messages WHERE provider_id = $1),
                       (SELECT state FROM conversation_replies WHERE provider_id = $1)) AS state`,
      [last.id],
    );
    assert.equal(state.state, "read");
  });

  it("follows a demand by its protocol from WhatsApp, sends its changes there, and stops on request", async () => {
    const demand = await fileDemand({ app, ctx }, { email: "dona-do-pedido@example.org" });
    await drain(ctx);
    const from = "5511987650077";
    await fake.post(hook, fake.text(from, `quero acompanhar o protocolo ${demand.protocol}`));
    await drain(ctx);
    assert.match(sentTo(from).at(-1)!, /novidades da solicitação/);
    const follower = await one<{ channel: string; value: string }>(
      ctx.db,
      `SELECT f.channel, c.value FROM demand_followers f JOIN citizen_contacts c ON c.citizen_id = f.citizen_id
        WHERE f.demand_id = $1 AND c.channel = 'whatsapp'`,
      [demand.id],
    );
    assert.deepEqual({ ...follower }, { channel: "whatsapp", value: from });
    await answerByDepartment({ app, ctx }, demand.id);
    await drain(ctx);
    assert.ok(
      sentTo(from).some((t) => t.includes(demand.protocol) && t.includes(ANSWER.slice(0, 30))),
      "the answer reached the follower on WhatsApp",
    );
    await fake.post(hook, fake.text(from, `parar de seguir ${demand.protocol}`));
    await drain(ctx);
    assert.match(sentTo(from).at(-1)!, /não vai mais receber/);
    const left = await ctx.db.query("SELECT 1 FROM demand_followers WHERE demand_id = $1", [demand.id]);
    assert.equal(left.length, 0);
  });

  it("follows the public demands around a place from WhatsApp, and stops on request", async () => {
    const from = "5511987650088";
    await fake.post(hook, fake.text(from, "quero acompanhar os pedidos da rua augusta 1200"));
    await drain(ctx);
    assert.match(sentTo(from).at(-1)!, /raio de 200 m/);
    const place = await one<{ lat: number; lon: number }>(
      ctx.db,
      `SELECT ST_Y(p.point) AS lat, ST_X(p.point) AS lon FROM place_followers p
         JOIN citizen_contacts c ON c.citizen_id = p.citizen_id WHERE c.channel = 'whatsapp' AND c.value = $1`,
      [from],
    );
    const near = await fileDemand({ app, ctx }, { at: { lat: place.lat + 0.0005, lon: place.lon } });
    const far = await fileDemand({ app, ctx }, { at: { lat: place.lat + 0.02, lon: place.lon } });
    await drain(ctx);
    assert.ok(
      sentTo(from).some((t) => t.includes(near.protocol)),
      "a change of a demand 55 m away",
    );
    assert.ok(!sentTo(from).some((t) => t.includes(far.protocol)), "nothing of a demand 2 km away");
    await fake.post(hook, fake.text(from, "parar de seguir o local"));
    await drain(ctx);
    assert.match(sentTo(from).at(-1)!, /desse local/);
    const left = await ctx.db.query(
      `SELECT 1 FROM place_followers p JOIN citizen_contacts c ON c.citizen_id = p.citizen_id
        WHERE c.channel = 'whatsapp' AND c.value = $1`,
      [from],
    );
    assert.equal(left.length, 0);
  });

  it("stores a webhook in one statement whose queued step names the request", async () => {
    const payload = fake.text("5511987650099", "oi");
    const signed = fake.request(payload);
    const answer = await fetch(hook, {
      method: "POST",
      headers: { ...signed.headers, "content-type": "application/json", "x-request-id": "meta-delivery-1" },
      body: signed.rawBody,
    });
    assert.equal(answer.status, 200);
    const step = await one<{ request_id: string | null }>(
      ctx.db,
      `SELECT o.request_id FROM outbox o JOIN inbound_messages i ON (o.payload->>'inboundId')::bigint = i.id
        WHERE o.job = 'handle-inbound' AND i.sender = '5511987650099'`,
    );
    assert.equal(step.request_id, "meta-delivery-1");
    await drain(ctx);
  });
});
