/**
 * Recorded prompts (issue 18): an admin records the city's voice for a text the lines say; Twilio's next call hears
 * it (`<Play>` of the public audio) instead of the synthesised text, in that language only; a new text goes back to
 * synthesis; a file that is not a WAV, too long, or for no text of the lines is refused; removing it is audited.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import wavefile from "wavefile";
import { fakeTwilio } from "../../channels/voice/fake.ts";
import { voiceLanguage } from "../../channels/voice/twiml.ts";
import { DEFAULT_IVR_MENU } from "../../domain/ivr.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { translate } from "../i18n.ts";
import { textKey } from "./prompts.ts";

const TOKEN = "twilio-test-auth-token-prompts-0123";
const { app, ctx } = await testApp({ twilioAuthToken: TOKEN });
const base = await app.listen({ port: 0, host: "127.0.0.1" });
ctx.config.publicUrl = base;
const admin = { authorization: (await staffHeaders(ctx.db, "admin")).authorization };
const agent = { authorization: (await staffHeaders(ctx.db, "agent")).authorization };
const twilio = fakeTwilio({
  voiceUrl: `${base}/api/v1/telephony/twilio/voice`,
  statusUrl: `${base}/api/v1/telephony/twilio/status`,
  authToken: TOKEN,
});

/** A WAV file of `seconds` of a quiet tone, 8 kHz 16-bit mono. */
function wav(seconds: number): Buffer {
  const file = new wavefile.WaveFile();
  const samples = Array.from({ length: Math.round(seconds * 8000) }, (_, i) =>
    Math.round(3000 * Math.sin(i / 3)),
  );
  file.fromScratch(1, 8000, "16", samples);
  return Buffer.from(file.toBuffer());
}

const saveMenu = async (menu: object) => {
  const res = await app.inject({ method: "PUT", url: "/api/v1/ivr/menu", headers: admin, payload: menu });
  assert.equal(res.statusCode, 200, res.body);
};
const upload = (key: string, body: Buffer, headers: Record<string, string> = admin) =>
  app.inject({
    method: "PUT",
    url: `/api/v1/ivr/prompts/${key}`,
    headers: { ...headers, "content-type": "audio/wav" },
    payload: body,
  });
const greetingKey = (language: "pt-BR" | "en", text = translate(language, "telephony.ivr.greeting")) =>
  textKey(voiceLanguage(language), text);

await saveMenu({ ...DEFAULT_IVR_MENU, agentHours: "always" });

describe("recorded prompts", () => {
  it("lists the lines' texts in three languages; a recording replaces its text's synthesis in its language", async () => {
    const list = await app.inject({ method: "GET", url: "/api/v1/ivr/prompts", headers: admin });
    assert.equal(list.statusCode, 200, list.body);
    const texts = list.json() as { key: string; language: string; use: string; recording: unknown }[];
    const greeting = texts.find((t) => t.use === "ivr.greeting" && t.language === "pt-BR")!;
    assert.equal(greeting.key, greetingKey("pt-BR"));
    assert.equal(greeting.recording, null);
    assert.ok(texts.some((t) => t.use === "auditor_call.intro" && t.language === "es"));
    assert.ok(
      texts.some((t) => t.use === "ivr.option.9" && t.language === "en"),
      "the menu's own options",
    );
    assert.equal(
      (await app.inject({ method: "GET", url: "/api/v1/ivr/prompts", headers: agent })).statusCode,
      403,
    );

    const audio = wav(2);
    const made = await upload(greeting.key, audio);
    assert.equal(made.statusCode, 201, made.body);
    const recording = made.json().recording as { audioUrl: string; durationSeconds: number };
    assert.equal(recording.durationSeconds, 2);
    assert.equal(
      (await upload(greeting.key, audio)).statusCode,
      200,
      "the same text recorded again replaces it",
    );

    // The next call hears the recording where the greeting was said; the menu is still synthesised.
    const { answer } = await twilio.ring("+5511955550101", "+551130000156");
    assert.equal(answer.status, 200, answer.body);
    assert.ok(answer.body.includes(`<Play>${base}${recording.audioUrl}</Play>`), answer.body);
    assert.ok(!answer.body.includes(translate("pt-BR", "telephony.ivr.greeting")));
    assert.match(answer.body, /<Say language="pt-BR">/);
    // As the provider fetches it: public, the same bytes.
    const fetched = await fetch(`${base}${recording.audioUrl}`);
    assert.equal(fetched.status, 200);
    assert.equal(fetched.headers.get("content-type"), "audio/wav");
    assert.ok(Buffer.from(await fetched.arrayBuffer()).equals(audio));
    const audited = await ctx.db.query("SELECT 1 FROM audit_log WHERE action = 'voice_prompt.recorded'");
    assert.equal(audited.length, 2);

    // A greeting of the city's own words: the recording of the old text no longer applies.
    await saveMenu({
      ...DEFAULT_IVR_MENU,
      agentHours: "always",
      texts: { greeting: { "pt-BR": "Bem-vindo ao 156." } },
    });
    const after = (await twilio.ring("+5511955550102", "+551130000156")).answer;
    assert.ok(!after.body.includes("<Play>"), after.body);
    assert.match(after.body, /Bem-vindo ao 156\./);
    await saveMenu({ ...DEFAULT_IVR_MENU, agentHours: "always" });

    const removed = await app.inject({
      method: "DELETE",
      url: `/api/v1/ivr/prompts/${greeting.key}`,
      headers: admin,
    });
    assert.equal(removed.statusCode, 204);
    const again = (await twilio.ring("+5511955550103", "+551130000156")).answer;
    assert.ok(!again.body.includes("<Play>"), again.body);
    assert.equal((await fetch(`${base}${recording.audioUrl}`)).status, 404);
  });

  it("refuses a file that is not a WAV, one too long, a text the lines do not say, and agents", async () => {
    const key = greetingKey("en");
    const notWav = await upload(key, Buffer.from("ID3 not a wav at all"));
    assert.equal(notWav.statusCode, 415);
    assert.equal(notWav.json().code, "voice_prompt_not_wav");
    const long = await upload(key, wav(121));
    assert.equal(long.statusCode, 422);
    assert.equal(long.json().code, "voice_prompt_too_long");
    assert.equal((await upload("0".repeat(64), wav(1))).statusCode, 404);
    assert.equal((await upload(key, wav(1), agent)).statusCode, 403);
    const rows = await ctx.db.query("SELECT 1 FROM voice_prompts WHERE text_sha256 = $1", [key]);
    assert.equal(rows.length, 0);
  });
});
