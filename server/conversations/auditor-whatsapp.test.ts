/**
 * Becoming a citizen auditor on WhatsApp, end to end: Meta's signed webhooks from the fake, the steps run by the
 * worker, the replies at the fake Graph API. "quero ser cidadão auditor" → the consent text (the portal's, same
 * version) accepted by its button → a shared location on a block → the days and the time of day → the summary
 * confirmed: the enrolment exists for the sender's own number, by voice, with the consent recorded as given on
 * WhatsApp. "sair do auditor" revokes it, and a number never enrolled hears the same words.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AUDITOR_CONSENT_VERSION } from "../../domain/auditors.ts";
import { drain } from "../../tests/factories.ts";
import { whatsAppTestApp } from "../../tests/whatsapp-app.ts";
import { one } from "../db/index.ts";
import { auditorIntent } from "./auditor-enrol.ts";

const ACCOUNT = {
  appSecret: "meta-app-secret-auditors",
  phoneNumberId: "1097316899",
  token: "EAAG-auditors",
};
const { fake, ctx, hook, sentTo, lastChoices } = await whatsAppTestApp(ACCOUNT);
async function send(payload: unknown): Promise<string> {
  assert.equal((await fake.post(hook, payload)).status, 200);
  await drain(ctx);
  const to = (payload as { entry: { changes: { value: { messages: { from: string }[] } }[] }[] }).entry[0]!
    .changes[0]!.value.messages[0]!.from;
  return sentTo(to).at(-1)!;
}

const block = await one<{ lat: number; lon: number }>(
  ctx.db,
  "SELECT ST_Y(ST_PointOnSurface(geom)) AS lat, ST_X(ST_PointOnSurface(geom)) AS lon FROM blocks ORDER BY id LIMIT 1",
);

describe("becoming a citizen auditor on WhatsApp", () => {
  it("reads the wish to enrol and to leave in the three languages", () => {
    assert.equal(auditorIntent("Quero ser cidadão auditor!"), "enrol");
    assert.equal(auditorIntent("I want to be a citizen auditor"), "enrol");
    assert.equal(auditorIntent("quiero ser auditora ciudadana"), "enrol");
    assert.equal(auditorIntent("não quero mais ser auditor"), "leave");
    assert.equal(auditorIntent("SAIR DO AUDITOR"), "leave");
    assert.equal(auditorIntent("buraco na rua augusta 1200"), undefined);
    assert.equal(auditorIntent("o auditor fiscal não apareceu na obra"), undefined, "a demand, not a wish");
  });

  it("enrols the sender's number with the consent, place, days and hours given in the conversation", async () => {
    const from = "5511987651560";
    const consent = await send(fake.text(from, "Quero ser cidadão auditor"));
    assert.match(consent, /Autorizo a Prefeitura a me ligar/, "the portal's consent text");
    assert.deepEqual(lastChoices(from), ["auditor:accept", "auditor:decline"]);
    assert.match(
      await send(fake.reply(from, "button_reply", "auditor:accept", "Aceito")),
      /endereço da sua casa/,
    );
    assert.match(await send(fake.text(from, "num sei")), /Não encontramos esse endereço/);
    assert.match(await send(fake.location(from, block)), /Em quais dias/);
    assert.deepEqual(lastChoices(from), ["days:weekdays", "days:weekend", "days:every"]);
    assert.match(
      await send(fake.reply(from, "button_reply", "days:weekdays", "Dias úteis")),
      /Em qual horário/,
    );
    const summary = await send(fake.text(from, "de manhã"));
    assert.match(summary, /Dias úteis, Manhã \(9h às 12h\); as ligações vêm para este número/);
    assert.match(await send(fake.reply(from, "button_reply", "yes", "Confirmar")), /você é cidadão auditor/);

    const enrolled = await one<{
      id: number;
      phone: string;
      channel: string;
      consent_channel: string;
      consent_text_version: string;
      state: string;
      windows: string[];
      consents: number;
    }>(
      ctx.db,
      `SELECT a.id, a.phone, a.channel, a.consent_channel, a.consent_text_version, a.state,
              (SELECT array_agg(w.weekday || ' ' || to_char(w.starts, 'HH24:MI') || '-' || to_char(w.ends, 'HH24:MI')
                                ORDER BY w.weekday) FROM auditor_windows w WHERE w.auditor_id = a.id) AS windows,
              (SELECT count(*)::int FROM consents k WHERE k.citizen_id = a.citizen_id
                 AND k.purpose = 'citizen_auditor' AND k.granted AND k.channel = 'whatsapp') AS consents
         FROM auditors a WHERE a.phone = $1`,
      [`+${from}`],
    );
    assert.deepEqual(
      { ...enrolled, id: 0 },
      {
        id: 0,
        phone: `+${from}`,
        channel: "voice",
        consent_channel: "whatsapp",
        consent_text_version: AUDITOR_CONSENT_VERSION,
        state: "active",
        windows: [1, 2, 3, 4, 5].map((d) => `${d} 09:00-12:00`),
        consents: 1,
      },
    );

    // Enrolled already: told so, nothing doubled.
    await send(fake.text(from, "quero ser auditor"));
    await send(fake.reply(from, "button_reply", "auditor:accept", "Aceito"));
    await send(fake.location(from, block));
    await send(fake.reply(from, "button_reply", "days:every", "Todos os dias"));
    await send(fake.reply(from, "button_reply", "hours:evening", "Noite"));
    assert.match(await send(fake.reply(from, "button_reply", "yes", "Confirmar")), /já está inscrito/);

    // Leaving: revoked at once, by WhatsApp; a number never enrolled hears the same words.
    const left = await send(fake.text(from, "sair do auditor"));
    assert.match(left, /não receberá mais essas ligações/);
    const revoked = await one<{ state: string; revoked_channel: string }>(
      ctx.db,
      "SELECT state, revoked_channel FROM auditors WHERE id = $1",
      [enrolled.id],
    );
    assert.deepEqual({ ...revoked }, { state: "revoked", revoked_channel: "whatsapp" });
    assert.equal(await send(fake.text("5511900000157", "sair do auditor")), left);
  });

  it("records nothing when the consent is declined", async () => {
    const from = "5511987651561";
    await send(fake.text(from, "auditor"));
    assert.match(
      await send(fake.reply(from, "button_reply", "auditor:decline", "Não")),
      /nada foi registrado/,
    );
    const none = await ctx.db.query("SELECT 1 FROM auditors WHERE phone = $1", [`+${from}`]);
    assert.equal(none.length, 0);
  });
});
