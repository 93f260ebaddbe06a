/**
 * Becoming a citizen auditor on the 156 line, driven as Twilio drives the IVR on loopback: the menu's option, the
 * consent said and accepted by a key, the home address said (SpeechResult) and placed on a fiscal block, the days
 * and the hours by key, the summary confirmed; the caller's own number enrolled by phone. An address on no block is
 * asked again; silence at the address, or 0, goes to an agent with the screen pop; a withheld number cannot enrol;
 * a number enrolled already keeps its enrolment and hears the same words.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AUDITOR_CONSENT_VERSION } from "../../domain/auditors.ts";
import { ivrCaller, ivrTestApp, spoken } from "../../tests/ivr-caller.ts";
import { geocodeAddress } from "../areas/geocoding.ts";
import { placeAuditor } from "../auditors/place.ts";
import { one } from "../db/index.ts";

const TWILIO_TOKEN = "twilio-test-auth-token-enrol-0123";
const { ctx, db, twilio } = await ivrTestApp(TWILIO_TOKEN, [{ key: "6", action: "auditor_enrol" }]);

/** An address of the demo city the geocoder places on a fiscal block, as a caller would say it. */
async function addressOnABlock(): Promise<string> {
  const streets = await db.query<{ name: string; n: number }>(
    `SELECT s.name, ((s.num_min + s.num_max) / 2)::int AS n FROM streets s
      WHERE s.num_min IS NOT NULL AND s.num_max > s.num_min
        AND EXISTS (SELECT 1 FROM blocks b WHERE ST_DWithin(b.geom, s.geom, 0.0002))
      ORDER BY s.id LIMIT 40`,
  );
  for (const s of streets) {
    const said = `${s.name}, ${s.n}`;
    const [top] = await geocodeAddress(db, said, { limit: 1 });
    if (!top) continue;
    try {
      await placeAuditor(db, { point: { lat: top.lat, lon: top.lon } });
      return said;
    } catch {
      // on no block: the next street
    }
  }
  throw new Error("no address of the demo city falls on a block");
}
const address = await addressOnABlock();

const steps = async (callSid: string) =>
  (
    await db.query<{ step: string; outcome: string }>(
      `SELECT s.step, s.outcome FROM call_ivr_steps s JOIN calls c ON c.id = s.call_id
        WHERE c.provider_call_id = $1 ORDER BY s.id`,
      [callSid],
    )
  ).map((s) => `${s.step}:${s.outcome}`);

describe("enrolling as a citizen auditor on the 156 line", () => {
  it("takes the consent, the address said, the days and the hours, and enrols the caller's number", async () => {
    const phone = "+5511955556001";
    const c = await ivrCaller(twilio, phone);
    assert.match(spoken(c.now), /Para ser cidadão auditor e avaliar os serviços da sua quadra, tecle 6\./);
    assert.match(spoken(await c.press("6")), /Autorizo a Prefeitura a me ligar.*Para aceitar, tecle 1/s);
    assert.match(spoken(await c.say("sim")), /Diga o endereço da sua casa/);
    assert.match(spoken(await c.say("lugar que não existe")), /Não encontramos esse endereço/);
    assert.match(spoken(await c.say(address)), /Em quais dias podemos ligar/);
    assert.match(spoken(await c.press("1")), /Em qual horário/);
    const summary = spoken(await c.press("3"));
    assert.match(summary, /Confira: endereço .+; ligações nos dias úteis, à noite, das 18 às 21 horas/);
    assert.match(spoken(await c.press("1")), /Pronto: as ligações do cidadão auditor virão para este número/);
    assert.equal(c.now.gather?.numDigits, "1", "back to the menu");

    const enrolled = await one<{
      channel: string;
      consent_channel: string;
      consent_text_version: string;
      windows: string[];
      contact: string;
    }>(
      db,
      `SELECT a.channel, a.consent_channel, a.consent_text_version,
              (SELECT array_agg(w.weekday || ' ' || to_char(w.starts, 'HH24:MI') || '-' || to_char(w.ends, 'HH24:MI')
                                ORDER BY w.weekday) FROM auditor_windows w WHERE w.auditor_id = a.id) AS windows,
              (SELECT k.value FROM citizen_contacts k WHERE k.citizen_id = a.citizen_id AND k.channel = 'phone') AS contact
         FROM auditors a WHERE a.phone = $1 AND a.state = 'active'`,
      [phone],
    );
    assert.deepEqual(
      { ...enrolled },
      {
        channel: "voice",
        consent_channel: "phone",
        consent_text_version: AUDITOR_CONSENT_VERSION,
        windows: [1, 2, 3, 4, 5].map((d) => `${d} 18:00-21:00`),
        contact: phone.slice(1),
      },
    );
    assert.deepEqual(await steps(c.callSid), [
      "menu:auditor_enrol",
      "auditor_consent:auditor_consented",
      "auditor_place:auditor_place_not_found",
      "auditor_place:auditor_place_found",
      "auditor_days:auditor_days",
      "auditor_hours:auditor_hours",
      "auditor_confirm:auditor_enrolled",
    ]);
    const draft = await one<{ ivr_draft: unknown }>(
      db,
      "SELECT ivr_draft FROM calls WHERE provider_call_id = $1",
      [c.callSid],
    );
    assert.equal(draft.ivr_draft, null, "nothing of the address left on the call");

    // Calling again to enrol: the enrolment is kept, and the words are the same.
    const again = await ivrCaller(twilio, phone);
    await again.press("6");
    await again.press("1");
    await again.say(address);
    await again.press("3");
    await again.press("1");
    assert.match(
      spoken(await again.press("1")),
      /Pronto: as ligações do cidadão auditor virão para este número/,
    );
    assert.deepEqual((await steps(again.callSid)).at(-1), "auditor_confirm:auditor_kept");
    const count = await one<{ n: number }>(db, "SELECT count(*)::int AS n FROM auditors WHERE phone = $1", [
      phone,
    ]);
    assert.equal(count.n, 1);
  });

  it("sends a caller who says no address to an agent, with the screen pop", async () => {
    const c = await ivrCaller(twilio, "+5511955556002");
    await c.press("6");
    await c.press("1");
    await c.silence();
    await c.silence();
    const last = await c.silence();
    assert.match(spoken(last), /Um atendente vai completar a sua inscrição/);
    assert.equal(last.enqueue, "atendimento");
    const row = await one<{ state: string }>(db, "SELECT state FROM calls WHERE provider_call_id = $1", [
      c.callSid,
    ]);
    assert.equal(row.state, "ringing");

    const zero = await ivrCaller(twilio, "+5511955556003");
    await zero.press("6");
    await zero.press("1");
    assert.equal((await zero.press("0")).enqueue, "atendimento");
  });

  it("declines without recording anything, and refuses a withheld number", async () => {
    const c = await ivrCaller(twilio, "+5511955556004");
    await c.press("6");
    assert.match(spoken(await c.press("2")), /Inscrição cancelada: nada foi registrado/);
    const none = await db.query("SELECT 1 FROM auditors WHERE phone = $1", ["+5511955556004"]);
    assert.equal(none.length, 0);

    const hidden = await ivrCaller(twilio, "anonymous");
    assert.match(spoken(await hidden.press("6")), /ligue de um número que não seja oculto/);
  });
});
