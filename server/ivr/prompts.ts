/**
 * Recorded prompts (issue 18, migration 0076, docs/telephony.md "Recorded prompts"): a city records its own voice for
 * a text its phone lines say, in one language, and that recording is played wherever that exact text is said, by
 * the IVR and by the calls to citizen auditors, in both dialects (Twilio plays it; the SIP gateway fetches it). A
 * recording belongs to a text, not to a key: when the text changes (the admin edits the greeting), the old recording
 * no longer matches and the line says the new text synthesised, never an outdated one.
 */
import { createHash } from "node:crypto";
import { voiceLanguage, xmlEscape } from "../../channels/voice/twiml.ts";
import { IVR_LANGUAGES, type IvrLanguage, type IvrMenu } from "../../domain/ivr.ts";
import type { AppContext } from "../context.ts";
import { perPoolCache } from "../db/cache.ts";
import type { Sql } from "../db/index.ts";
import { translate } from "../i18n.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";

/** The IVR's texts said as they are (no number or date inside), and those the city may write its own of. */
const IVR_KEYS = [
  "greeting",
  "ask_protocol",
  "bad_format",
  "bad_check_digit",
  "after_status",
  "after_status_no_agent",
  "agent",
  "after_hours",
  "invalid",
  "no_input",
  "goodbye",
  "auditor_opted_out",
  "demand_ask",
  "auditor_no_number",
  "auditor_ask_place",
  "auditor_place_again",
  "auditor_place_agent",
  "auditor_ask_days",
  "auditor_ask_hours",
  "auditor_enrolled",
  "auditor_enrol_cancelled",
] as const;
const OWN_TEXTS = new Set(["greeting", "after_hours", "goodbye"]);
/** The calls to citizen auditors' fixed texts. */
const AUDITOR_KEYS = [
  "recording_notice",
  "intro",
  "opt_out_hint",
  "opted_out",
  "hint_yes_no",
  "hint_scale",
  "hint_number",
  "hint_record",
  "not_understood",
  "no_input",
  "thanks",
  "goodbye_incomplete",
] as const;

/** A text a line says, in one language: what a recording can replace. */
export interface PromptText {
  /** sha256 of the voice language and the text: the recording's key. */
  key: string;
  language: IvrLanguage;
  /** Where it is said: "ivr.greeting", "ivr.option.2", "auditor_call.intro" … */
  use: string;
  text: string;
}

/** The key of a text said in `language` (the TwiML voice tag, as `<Say language>` carries it). */
export function textKey(voice: string, text: string): string {
  return createHash("sha256").update(`${voice}\n${text}`).digest("hex");
}

const prompt = (language: IvrLanguage, use: string, text: string): PromptText => ({
  key: textKey(voiceLanguage(language), text),
  language,
  use,
  text,
});

/** Every fixed text the lines say with this menu, in the three languages (the menu's own words included). */
export function promptTexts(menu: IvrMenu | undefined): PromptText[] {
  const out: PromptText[] = [];
  for (const language of IVR_LANGUAGES) {
    for (const key of IVR_KEYS) {
      const own = OWN_TEXTS.has(key) ? menu?.texts[key as keyof IvrMenu["texts"]]?.[language] : undefined;
      out.push(prompt(language, `ivr.${key}`, own || translate(language, `telephony.ivr.${key}`)));
    }
    for (const option of menu?.options ?? []) {
      const use = `ivr.option.${option.key}`;
      const params = { key: option.key };
      if (option.action === "language") {
        // Another language's option is said in that language only.
        if (option.language === language) continue;
        const other = option.language ?? "pt-BR";
        out.push(prompt(other, use, translate(other, "telephony.ivr.option_language", params)));
      } else if (option.action === "message") {
        const label = option.label?.[language] ?? option.label?.["pt-BR"] ?? "";
        out.push(
          prompt(language, use, `${label} ${translate(language, "telephony.ivr.option_key", params)}`),
        );
        const message = option.message?.[language] ?? option.message?.["pt-BR"];
        if (message) out.push(prompt(language, `${use}.message`, message));
      } else {
        out.push(prompt(language, use, translate(language, `telephony.ivr.option_${option.action}`, params)));
      }
    }
    // The enrolment's consent: the portal's text in force, said whole.
    out.push(
      prompt(
        language,
        "ivr.auditor_consent",
        translate(language, "telephony.ivr.auditor_consent", {
          consent: translate(language, "web.portal.auditor.consent_text"),
        }),
      ),
    );
    for (const key of AUDITOR_KEYS)
      out.push(prompt(language, `auditor_call.${key}`, translate(language, `telephony.auditor_call.${key}`)));
  }
  // One entry per text and language: the same words in two places share their recording.
  return [...new Map(out.map((p) => [p.key, p])).values()];
}

/** How long a process reuses the recordings it read (every answer of the lines looks them up). */
export const PROMPTS_CACHE_MS = 10_000;

const recordings = perPoolCache(PROMPTS_CACHE_MS, async (db: Sql) => {
  const rows = await db.query<{ text_sha256: string; audio_sha256: string }>(
    "SELECT text_sha256, audio_sha256 FROM voice_prompts",
  );
  return new Map(rows.map((r) => [r.text_sha256, r.audio_sha256]));
});

/** Drops this process's copy of the recordings of `db`, after one was added or removed. */
export function forgetRecordedPrompts(db: Sql): void {
  recordings.forget(db);
}

const xmlUnescape = (text: string) =>
  text
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'")
    .replaceAll("&amp;", "&");

/** Where a recording is fetched from by the provider: public, named by its content. */
export const promptAudioPath = (audioSha256: string) => `/api/v1/telephony/prompts/${audioSha256}.wav`;

/**
 * A TwiML document with each `<Say>` whose exact text has a recording in its language replaced by `<Play>` of it.
 * Only our own TwiML goes through here (channels/voice/twiml.ts writes every `<Say>` the same way).
 */
export async function withRecordedPrompts(
  ctx: Pick<AppContext, "db" | "config">,
  twiml: string,
): Promise<string> {
  if (!twiml.includes("<Say")) return twiml;
  const held = await recordings.get(ctx.db);
  if (held.size === 0) return twiml;
  const base = await tenantPublicUrl(ctx);
  return twiml.replace(/<Say language="([^"]+)">([^<]*)<\/Say>/g, (said, voice: string, escaped: string) => {
    const audio = held.get(textKey(voice, xmlUnescape(escaped)));
    return audio ? `<Play>${xmlEscape(`${base}${promptAudioPath(audio)}`)}</Play>` : said;
  });
}
