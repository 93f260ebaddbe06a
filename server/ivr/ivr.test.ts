/**
 * The 156 line's IVR driven as Twilio drives it, on loopback: signed voice requests, `<Gather>` actions posted with
 * the caller's keys or words, `<Redirect>`s on silence, status callbacks. Whole calls: a protocol read back (right,
 * mistyped, unknown, said aloud), silence until goodbye, a hang-up, an agent with the screen pop, the after-hours
 * message, another language, and the menu as data.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fakeTwilio } from "../../channels/voice/fake.ts";
import { AUDITOR_CONSENT_VERSION } from "../../domain/auditors.ts";
import { DEFAULT_IVR_MENU, spokenDigits } from "../../domain/ivr.ts";
import { makeProtocol } from "../../domain/protocol.ts";
import { answerByDepartment, drain, fileDemand } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { ivrCaller, spoken } from "../../tests/ivr-caller.ts";
import { forgetCalendar } from "../calendar/queries.ts";
import { one } from "../db/index.ts";

const TWILIO_TOKEN = "twilio-test-auth-token-0123456789";
const { app, ctx } = await testApp({ twilioAuthToken: TWILIO_TOKEN });
const db = ctx.db;
const base = await app.listen({ port: 0, host: "127.0.0.1" });
ctx.config.publicUrl = base;
const admin = await staffHeaders(db, "admin");
const agent = await staffHeaders(db, "agent");
const twilio = fakeTwilio({
  voiceUrl: `${base}/api/v1/telephony/twilio/voice`,
  statusUrl: `${base}/api/v1/telephony/twilio/status`,
  authToken: TWILIO_TOKEN,
});
const caller = (from?: string) => ivrCaller(twilio, from);

const callRow = (callSid: string) =>
  one<{ id: number; state: string; language: string | null }>(
    db,
    "SELECT id, state, language FROM calls WHERE provider = 'twilio' AND provider_call_id = $1",
    [callSid],
  );
const steps = async (callSid: string) =>
  (
    await db.query<{ step: string; outcome: string }>(
      `SELECT s.step, s.outcome FROM call_ivr_steps s JOIN calls c ON c.id = s.call_id
        WHERE c.provider_call_id = $1 ORDER BY s.id`,
      [callSid],
    )
  ).map((s) => `${s.step}:${s.outcome}`);

async function saveMenu(menu: unknown) {
  const res = await app.inject({
    method: "PUT",
    url: "/api/v1/ivr/menu",
    headers: { authorization: admin.authorization },
    payload: menu as object,
  });
  assert.equal(res.statusCode, 200, res.body);
}
await saveMenu({ ...DEFAULT_IVR_MENU, agentHours: "always" });

const world = { app, ctx };
const filed = await fileDemand(world);
await drain(ctx);
await answerByDepartment(world, filed.id);
await drain(ctx);
/** The same protocol with its last two different adjacent digits swapped: the check digit catches it. */
function swapped(p: string): string {
  let i = p.length - 2;
  while (i > 0 && p[i] === p[i + 1]) i--;
  return `${p.slice(0, i)}${p[i + 1]}${p[i]}${p.slice(i + 2)}`;
}

describe("the IVR over TwiML", () => {
  it("reads a demand's status back by its protocol, then lets the caller hang up", async () => {
    const c = await caller();
    assert.match(spoken(c.now), /Central 156/);
    assert.equal(c.now.gather?.numDigits, "1");
    assert.match(c.now.gather!.action, /step=menu/);
    // Spanish and English are offered in their own language.
    assert.ok(c.now.says.some((s) => s.language === "es-ES" && /marque 8/.test(s.text)));
    assert.ok(c.now.says.some((s) => s.language === "en-US" && /press 9/.test(s.text)));
    assert.equal((await callRow(c.callSid)).state, "ivr");

    const ask = await c.press("1");
    assert.equal(ask.gather?.finishOnKey, "#");
    const heard = await c.press(`${filed.protocol}#`);
    const words = spoken(heard);
    assert.match(words, new RegExp(spokenDigits(filed.protocol)));
    assert.match(words, /Situação: (Respondida|Encerrada)/);
    assert.match(words, /tapou o buraco/);
    assert.match(heard.gather!.action, /step=after_status/);

    const done = await twilio.status(c.callSid, "completed");
    assert.equal(done.status, 200);
    assert.equal((await callRow(c.callSid)).state, "ended");
    assert.deepEqual(await steps(c.callSid), ["menu:status", "protocol:found"]);
  });

  it("catches a mistyped protocol by its check digit, and an unknown one, and asks again", async () => {
    const c = await caller();
    await c.press("1");
    const wrong = await c.press(`${swapped(filed.protocol)}#`);
    assert.match(spoken(wrong), /não confere/);
    assert.match(wrong.gather!.action, /step=protocol.*tries=1/);
    const unknown = await c.press(`${makeProtocol(2026, 99_999_999)}#`);
    assert.match(spoken(unknown), /Não encontramos nenhuma solicitação/);
    // A third miss goes back to the menu.
    const menu = await c.press("12#");
    assert.match(menu.gather!.action, /step=menu/);
    assert.deepEqual(await steps(c.callSid), [
      "menu:status",
      "protocol:bad_check_digit",
      "protocol:not_found",
      "protocol:bad_format",
    ]);
  });

  it("understands a protocol said aloud, digit words and all", async () => {
    const c = await caller();
    await c.say("consultar protocolo");
    const words = filed.protocol
      .split("")
      .map(
        (d) => ["zero", "um", "dois", "três", "quatro", "cinco", "meia", "sete", "oito", "nove"][Number(d)],
      )
      .join(" ");
    assert.match(spoken(await c.say(words)), /Situação/);
  });

  it("says goodbye and hangs up after three silences", async () => {
    const c = await caller();
    const first = await c.silence();
    assert.match(spoken(first), /Não recebemos nenhuma resposta/);
    await c.silence();
    const last = await c.silence();
    assert.equal(last.hangup, true);
    assert.match(spoken(last), /agradece a sua ligação/);
    assert.deepEqual(await steps(c.callSid), ["menu:no_input", "menu:no_input", "menu:no_input"]);
  });

  it("sends the caller to an agent, ringing in the consoles with the screen pop", async () => {
    const c = await caller("+5511955550199");
    // Twilio says it answered the call (its IVR did): the call stays in the IVR, not with an agent.
    await twilio.status(c.callSid, "in-progress");
    assert.equal((await callRow(c.callSid)).state, "ivr");
    const listed = () =>
      app.inject({ method: "GET", url: "/api/v1/calls", headers: { authorization: agent.authorization } });
    const callId = (await callRow(c.callSid)).id;
    const before = (await listed()).json() as { id: number }[];
    assert.ok(!before.some((call) => call.id === callId), "a call in the IVR rings for nobody");
    const queued = await c.say("quero falar com um atendente");
    assert.match(spoken(queued), /um atendente vai falar com você/);
    assert.equal(queued.enqueue, "atendimento");
    assert.equal((await callRow(c.callSid)).state, "ringing");
    const open = (await listed()).json() as { id: number; state: string }[];
    assert.ok(
      open.some((call) => call.id === callId && call.state === "ringing"),
      JSON.stringify(open),
    );
    const pop = await app.inject({
      method: "GET",
      url: `/api/v1/calls/${callId}`,
      headers: { authorization: agent.authorization },
    });
    assert.equal(pop.statusCode, 200, pop.body);
  });

  it("speaks English after its key, and keeps the language on the call", async () => {
    const c = await caller();
    const english = await c.press("9");
    assert.ok(english.says.every((s) => s.language !== "pt-BR"));
    assert.match(spoken(english), /press 1/);
    assert.equal((await callRow(c.callSid)).language, "en");
    const ask = await c.press("1");
    assert.match(spoken(ask), /Enter the protocol number/);
  });

  it("gives the after-hours message outside the calendar's hours and goes back to the menu", async () => {
    const zone = (await one<{ tz: string }>(db, "SELECT time_zone AS tz FROM calendar_settings")).tz;
    const today = new Intl.DateTimeFormat("en-US", { weekday: "short", timeZone: zone }).format(new Date());
    const other = today.toLowerCase().startsWith("mon") ? "tue" : "mon";
    await db.query("UPDATE calendar_settings SET business_hours = $1::jsonb", [
      JSON.stringify({ [other]: [["08:00", "09:00"]] }),
    ]);
    forgetCalendar(db);
    await saveMenu({ ...DEFAULT_IVR_MENU, agentHours: "calendar" });
    try {
      const c = await caller();
      const closed = await c.press("2");
      assert.match(spoken(closed), /não estão disponíveis agora/);
      assert.equal(closed.enqueue, undefined);
      assert.match(closed.gather!.action, /step=menu/);
      assert.equal((await callRow(c.callSid)).state, "ivr");
    } finally {
      await saveMenu({ ...DEFAULT_IVR_MENU, agentHours: "always" });
    }
  });
});

describe("the menu as data", () => {
  it("refuses a menu with one key for two options, and audits a change", async () => {
    const bad = await app.inject({
      method: "PUT",
      url: "/api/v1/ivr/menu",
      headers: { authorization: admin.authorization },
      payload: { ...DEFAULT_IVR_MENU, options: [...DEFAULT_IVR_MENU.options, { key: "1", action: "agent" }] },
    });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.match(bad.headers["content-type"] as string, /problem\+json/);
    const message = {
      key: "3",
      action: "message",
      label: { "pt-BR": "Para ouvir o horário das praças de atendimento," },
      message: { "pt-BR": "As praças de atendimento abrem de segunda a sexta, das 8 às 17 horas." },
    };
    await saveMenu({
      ...DEFAULT_IVR_MENU,
      agentHours: "always",
      options: [...DEFAULT_IVR_MENU.options, message],
    });
    const c = await caller();
    assert.match(spoken(c.now), /horário das praças de atendimento, tecle 3/);
    assert.match(spoken(await c.press("3")), /abrem de segunda a sexta/);
    const audited = await one<{ n: number }>(
      db,
      "SELECT count(*)::int AS n FROM audit_log WHERE entity_type = 'ivr_menu'",
    );
    assert.ok(audited.n >= 2);
  });

  it("sends calls straight to the agents when the IVR is switched off", async () => {
    await saveMenu({ ...DEFAULT_IVR_MENU, enabled: false });
    const c = await caller();
    assert.equal(c.now.enqueue, "atendimento");
    assert.equal((await callRow(c.callSid)).state, "ringing");
    await saveMenu({ ...DEFAULT_IVR_MENU, agentHours: "always" });
  });

  it("stops the citizen-auditor calls to the caller's own number on a key, and says so when there are none", async () => {
    await saveMenu({
      ...DEFAULT_IVR_MENU,
      agentHours: "always",
      options: [...DEFAULT_IVR_MENU.options, { key: "7", action: "auditor_opt_out" }],
    });
    const phone = "+5511955557777";
    const block = await one<{ lat: number; lon: number }>(
      db,
      "SELECT ST_Y(ST_PointOnSurface(geom)) AS lat, ST_X(ST_PointOnSurface(geom)) AS lon FROM blocks ORDER BY id LIMIT 1",
    );
    const enrolled = await app.inject({
      method: "POST",
      url: "/api/v1/auditors",
      headers: agent,
      payload: {
        consent: true,
        consentTextVersion: AUDITOR_CONSENT_VERSION,
        name: "Auditor pelo telefone",
        phone,
        point: block,
        windows: [{ weekday: 1, starts: "09:00", ends: "11:00" }],
      },
    });
    assert.equal(enrolled.statusCode, 201, enrolled.body);
    const c = await caller(phone);
    assert.match(spoken(c.now), /Para deixar de receber as ligações do cidadão auditor, tecle 7\./);
    assert.match(
      spoken(await c.press("7")),
      /se este número estava inscrito como cidadão auditor, ele não receberá mais/,
    );
    const row = await one<{ state: string; revoked_channel: string }>(
      db,
      "SELECT state, revoked_channel FROM auditors WHERE id = $1",
      [enrolled.json().id],
    );
    assert.deepEqual(row, { state: "revoked", revoked_channel: "phone" });
    assert.equal(c.now.gather?.numDigits, "1", "back to the menu");
    const other = await caller("+5511955558888");
    // A number never enrolled hears the same words: a forged caller id learns nothing.
    assert.match(spoken(await other.press("7")), /se este número estava inscrito como cidadão auditor/);
    assert.deepEqual(await steps(other.callSid), ["menu:auditor_not_enrolled"]);
    await saveMenu({ ...DEFAULT_IVR_MENU, agentHours: "always" });
  });
});
