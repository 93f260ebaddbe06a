/**
 * A demand taken by voice on the 156 line, driven as Twilio drives the IVR on loopback: the menu's option, the
 * problem and the place said (SpeechResult), the conversation engine's service choices as keys, its questions and
 * summary said and answered, the demand filed on the phone channel for the caller's number and tied to the call, the
 * protocol read back digit by digit. 0, or silence three times, goes to an agent with the screen pop.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { spokenDigits } from "../../domain/ivr.ts";
import { ANSWER, answerByDepartment, drain, fileDemand } from "../../tests/factories.ts";
import { ivrCaller, ivrTestApp, spoken } from "../../tests/ivr-caller.ts";
import { one } from "../db/index.ts";
import { spokenReply } from "./voice-demand.ts";

const TWILIO_TOKEN = "twilio-test-auth-token-demand-0123";
const { app, ctx, db, twilio } = await ivrTestApp(TWILIO_TOKEN, [{ key: "5", action: "demand" }]);

describe("a demand taken by voice on the 156 line", () => {
  it("says the engine's replies without emoji or bullets, its choices as keys", () => {
    const words = spokenReply(
      {
        kind: "reply",
        key: "conversation.choose_service",
        choices: [
          { id: "service:a", title: "Buraco na via" },
          { id: "person", titleKey: "conversation.choice_person" },
        ],
      },
      "pt-BR",
    );
    assert.equal(
      words,
      "Qual destes serviços descreve melhor o problema? Para Buraco na via, tecle 1. Para Falar com atendente, tecle 2.",
    );
    assert.doesNotMatch(spokenReply({ kind: "reply", key: "conversation.place_again" }, "pt-BR"), /📎|clipe/);
  });

  it("files the demand said on the phone, for the caller's number, and reads the protocol back", async () => {
    const phone = "+5511955557001";
    const c = await ivrCaller(twilio, phone);
    assert.match(spoken(c.now), /Para registrar uma solicitação falando, tecle 5\./);
    assert.match(spoken(await c.press("5")), /Conte, com suas palavras, qual é o problema/);
    let now = spoken(await c.say("tem um buraco enorme na rua augusta 1200 quase caí de moto"));
    const heard: string[] = [now];
    for (let step = 0; step < 8 && !/protocolo/.test(now); step++) {
      if (/Posso registrar\?/.test(now)) now = spoken(await c.say("sim"));
      else if (/anônimo/.test(now)) now = spoken(await c.say("não"));
      else if (/Diga o endereço|Não encontrei esse lugar/.test(now))
        now = spoken(await c.say("Rua Augusta, 1200"));
      else if (/tecle 1/.test(now)) now = spoken(await c.press("1"));
      else now = spoken(await c.say("sim"));
      heard.push(now);
    }
    if (process.env.SHOW_DIALOGUE) console.log(heard.join("\n"));
    assert.match(now, /Sua solicitação foi registrada/, heard.join("\n"));
    assert.ok(
      heard.every((h) => !/📎|•/.test(h)),
      "no emoji or bullets said",
    );
    const demand = await one<{
      id: number;
      protocol: string;
      channel: string;
      contact: string;
      call: number;
    }>(
      db,
      `SELECT d.id, d.protocol, d.channel,
              (SELECT k.value FROM citizen_contacts k WHERE k.citizen_id = d.citizen_id AND k.channel = 'phone') AS contact,
              (SELECT count(*)::int FROM call_demands cd JOIN calls c ON c.id = cd.call_id
                WHERE cd.demand_id = d.id AND c.provider_call_id = $1) AS call
         FROM demands d ORDER BY d.id DESC LIMIT 1`,
      [c.callSid],
    );
    assert.equal(demand.channel, "phone");
    assert.equal(demand.contact, phone.slice(1));
    assert.equal(demand.call, 1, "tied to the call");
    assert.ok(now.includes(spokenDigits(demand.protocol)), "the protocol read back digit by digit");
    assert.equal(c.now.gather?.numDigits, "1", "back to the menu");
    const steps = await db.query<{ outcome: string }>(
      `SELECT s.outcome FROM call_ivr_steps s JOIN calls c ON c.id = s.call_id WHERE c.provider_call_id = $1
        ORDER BY s.id`,
      [c.callSid],
    );
    assert.equal(steps[0]?.outcome, "demand");
    assert.equal(steps.at(-1)?.outcome, "filed");
  });

  it("tells a caller nothing of the demands of the number they call from (a caller id is not proven)", async () => {
    const phone = "+5511955557009";
    const owned = await fileDemand({ app, ctx }, { phone });
    await drain(ctx);
    await answerByDepartment({ app, ctx }, owned.id);
    await drain(ctx);
    const c = await ivrCaller(twilio, phone);
    await c.press("5");
    const heard = spoken(await c.say(`como está o protocolo ${owned.protocol}`));
    assert.doesNotMatch(heard, new RegExp(ANSWER.slice(0, 30)), "the department's answer is not read");
    assert.doesNotMatch(heard, /está em|situação:/i);
  });

  it("goes to an agent on 0, and after three silences", async () => {
    const zero = await ivrCaller(twilio, "+5511955557002");
    await zero.press("5");
    assert.equal((await zero.press("0")).enqueue, "atendimento");

    const quiet = await ivrCaller(twilio, "+5511955557003");
    await quiet.press("5");
    await quiet.silence();
    assert.match(spoken(await quiet.silence()), /Não recebemos nenhuma resposta/);
    assert.equal((await quiet.silence()).enqueue, "atendimento");
    const row = await one<{ state: string }>(db, "SELECT state FROM calls WHERE provider_call_id = $1", [
      quiet.callSid,
    ]);
    assert.equal(row.state, "ringing", "ringing in the consoles with the screen pop");
  });
});
