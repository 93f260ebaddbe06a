/**
 * The IVR's call flow (issue 18, docs/telephony.md "The IVR"): a greeting and the menu; the status of a demand by
 * its protocol typed on the keypad or said (the check digit catches a mistyped number), read back in words with its
 * deadline and the city's latest answer; an agent (the call rings in the consoles with the screen pop) or the
 * after-hours message; another language on a key. Each answer is a TwiML document; what the caller does comes back
 * as the next request to the step's URL. Three tries without a usable answer end the call politely.
 */

import { gather, hangup, redirect, say, twimlDocument, voiceLanguage } from "../../channels/voice/twiml.ts";
import { businessMinutesBetween } from "../../domain/business-time.ts";
import {
  digitsHeard,
  type IvrLanguage,
  type IvrMenu,
  type IvrOption,
  pickOption,
  spokenDigits,
} from "../../domain/ivr.ts";
import { parseProtocol } from "../../domain/protocol.ts";
import { loadCalendar } from "../calendar/queries.ts";
import type { Db } from "../db/index.ts";
import { presentPublicDemand } from "../demands/present.ts";
import { findDemandByProtocol, listEvents } from "../demands/queries.ts";
import { translate } from "../i18n.ts";
import { loadKnownPerson } from "../public-data/known.ts";
import { ivrEnrolmentStep, startIvrEnrolment } from "./auditor-enrol.ts";
import { optOutAuditorsOfCall, recordIvrStep } from "./queries.ts";
import { startVoiceDemand, voiceDemandStep } from "./voice-demand.ts";

/**
 * The steps a caller can be at: the menu, typing a protocol, after hearing a status, and enrolling as a citizen
 * auditor (./auditor-enrol.ts).
 */
export const IVR_STEPS = [
  "menu",
  "protocol",
  "after_status",
  "demand",
  "auditor_consent",
  "auditor_place",
  "auditor_days",
  "auditor_hours",
  "auditor_confirm",
] as const;
export type IvrStep = (typeof IVR_STEPS)[number];

/** Tries a step gets without a usable answer before the call ends. */
export const MAX_TRIES = 3;

/** What the flow needs from the request's side. */
export interface IvrDeps {
  db: Db;
  menu: IvrMenu;
  callId: number;
  /** The URL a step's answer is posted to, signed by the provider like every request. */
  stepUrl(step: IvrStep, language: IvrLanguage, tries: number): string;
  /** Sends the call to the agents: rings it in the consoles (screen pop) and answers the verb that queues it. */
  toAgents(): Promise<string>;
  now?: Date;
}

/** What the caller did at a step: keys pressed and words heard, as the provider posted them. */
export interface IvrInput {
  digits?: string | undefined;
  speech?: string | undefined;
}

const OVERRIDABLE = new Set(["greeting", "after_hours", "goodbye"]);

/** A prompt in `language`: the city's own words where the menu has them, else the locale's text. */
function text(
  deps: IvrDeps,
  language: IvrLanguage,
  key: string,
  params: Record<string, string> = {},
): string {
  if (OVERRIDABLE.has(key)) {
    const own = deps.menu.texts[key as keyof IvrMenu["texts"]];
    // Only in the caller's language: Portuguese words are never said with an English or Spanish voice.
    const words = own?.[language];
    if (words) return words;
  }
  return translate(language, `telephony.ivr.${key}`, params);
}

export const sayIn = (
  deps: IvrDeps,
  language: IvrLanguage,
  key: string,
  params: Record<string, string> = {},
) => say(text(deps, language, key, params), voiceLanguage(language));

/** The menu said option by option; another language's option in its own language. */
function menuPrompt(deps: IvrDeps, language: IvrLanguage): string {
  return deps.menu.options
    .filter((o) => o.action !== "language" || o.language !== language)
    .map((o) => {
      if (o.action === "language") return sayIn(deps, o.language!, "option_language", { key: o.key });
      if (o.action === "message") {
        const label = o.label?.[language] ?? o.label?.["pt-BR"] ?? "";
        return say(
          `${label} ${translate(language, "telephony.ivr.option_key", { key: o.key })}`,
          voiceLanguage(language),
        );
      }
      return sayIn(deps, language, `option_${o.action}`, { key: o.key });
    })
    .join("");
}

/** The menu, listening for one key or a word; silence comes back to the same step. */
export function menu(deps: IvrDeps, language: IvrLanguage, tries: number, before = ""): string {
  const action = deps.stepUrl("menu", language, tries);
  const g = gather(
    { action, language: voiceLanguage(language), numDigits: 1, timeout: 6 },
    before + menuPrompt(deps, language),
  );
  return twimlDocument(g, redirect(action));
}

/** Asks for a protocol number, up to the pound key. */
function askProtocol(deps: IvrDeps, language: IvrLanguage, tries: number, before = ""): string {
  const action = deps.stepUrl("protocol", language, tries);
  const g = gather(
    { action, language: voiceLanguage(language), finishOnKey: "#", timeout: 10 },
    before + sayIn(deps, language, "ask_protocol"),
  );
  return twimlDocument(g, redirect(action));
}

/** The goodbye said, then the hang-up. */
const goodbyeVerbs = (deps: IvrDeps, language: IvrLanguage) => sayIn(deps, language, "goodbye") + hangup();

const goodbye = (deps: IvrDeps, language: IvrLanguage) => twimlDocument(goodbyeVerbs(deps, language));

/** The first answer to a call the IVR takes: the greeting, then the menu. */
export function ivrWelcome(deps: IvrDeps, language: IvrLanguage = "pt-BR"): string {
  return menu(deps, language, 0, sayIn(deps, language, "greeting"));
}

/** Whether agents answer now: always, or inside the city calendar's opening hours. */
async function agentsOpen(deps: IvrDeps): Promise<boolean> {
  if (deps.menu.agentHours === "always") return true;
  const now = deps.now ?? new Date();
  const calendar = await loadCalendar(deps.db, now.getTime());
  return businessMinutesBetween(now, new Date(now.getTime() + 60_000), calendar) > 0;
}

/**
 * The agent option: the queue when agents answer, else the after-hours message and the menu again; `before` is said
 * first either way.
 */
export async function agentOrAfterHours(
  deps: IvrDeps,
  language: IvrLanguage,
  step: IvrStep,
  before = "",
): Promise<string> {
  if (await agentsOpen(deps)) {
    await recordIvrStep(deps.db, deps.callId, step, null, "agent");
    return twimlDocument(before, sayIn(deps, language, "agent"), await deps.toAgents());
  }
  await recordIvrStep(deps.db, deps.callId, step, null, "after_hours");
  return menu(deps, language, 0, before + sayIn(deps, language, "after_hours"));
}

/** The words that name each action in `language`, for a caller who speaks instead of pressing a key. */
function actionNames(language: IvrLanguage): Partial<Record<IvrOption["action"], string[]>> {
  const list = (key: string) =>
    translate(language, `telephony.ivr.${key}`)
      .split(",")
      .map((w) => w.trim());
  return { status: list("words_status"), agent: list("words_agent") };
}

/** What the caller's keys or words were, as kept in the steps (trimmed). */
const heardOf = (input: IvrInput) =>
  (input.digits?.trim() || input.speech?.trim() || "").slice(0, 80) || null;

async function onMenu(deps: IvrDeps, language: IvrLanguage, tries: number, input: IvrInput): Promise<string> {
  const heard = heardOf(input);
  const option = pickOption(deps.menu.options, input, actionNames(language));
  if (!option) {
    await recordIvrStep(deps.db, deps.callId, "menu", heard, heard ? "invalid" : "no_input");
    if (tries + 1 >= MAX_TRIES) return goodbye(deps, language);
    return menu(deps, language, tries + 1, sayIn(deps, language, heard ? "invalid" : "no_input"));
  }
  if (option.action === "status") {
    await recordIvrStep(deps.db, deps.callId, "menu", heard, "status");
    return askProtocol(deps, language, 0);
  }
  if (option.action === "agent") return agentOrAfterHours(deps, language, "menu");
  if (option.action === "auditor_enrol") return startIvrEnrolment(deps, language, heard);
  if (option.action === "demand") return startVoiceDemand(deps, language, heard);
  if (option.action === "auditor_opt_out") {
    // The caller's own number: its live enrolments are revoked at once, by phone (LGPD: on any channel).
    const revoked = await optOutAuditorsOfCall(deps.db, deps.callId);
    await recordIvrStep(
      deps.db,
      deps.callId,
      "menu",
      heard,
      revoked > 0 ? "auditor_opted_out" : "auditor_not_enrolled",
    );
    // The same words either way: a caller id can be forged, and must not tell whether a number is enrolled.
    return menu(deps, language, 0, sayIn(deps, language, "auditor_opted_out"));
  }
  if (option.action === "language") {
    await recordIvrStep(deps.db, deps.callId, "menu", heard, "language");
    await deps.db.query("UPDATE calls SET language = $2 WHERE id = $1", [deps.callId, option.language]);
    return menu(deps, option.language!, 0);
  }
  await recordIvrStep(deps.db, deps.callId, "menu", heard, "message");
  const message = option.message?.[language] ?? option.message?.["pt-BR"] ?? "";
  return menu(deps, language, 0, say(message, voiceLanguage(language)));
}

/** A long answer cut at a sentence end near 400 characters: a phone is no place for a letter. */
function shortened(answer: string): string {
  if (answer.length <= 400) return answer;
  const cut = answer.slice(0, 400);
  const end = Math.max(cut.lastIndexOf(". "), cut.lastIndexOf("! "), cut.lastIndexOf("? "));
  return end > 120 ? cut.slice(0, end + 1) : `${cut.slice(0, cut.lastIndexOf(" "))}…`;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** A long date in `language` and the city's zone; made once per pair (a formatter costs about a millisecond). */
function dateFormat(language: IvrLanguage, timeZone: string): Intl.DateTimeFormat {
  const key = `${language} ${timeZone}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(language, { dateStyle: "long", timeZone });
    formats.set(key, format);
  }
  return format;
}

/** The status of the demand with this protocol, in words: the public view, through the one redaction rule. */
async function statusWords(
  deps: IvrDeps,
  language: IvrLanguage,
  protocol: string,
): Promise<string | undefined> {
  const demand = await findDemandByProtocol(deps.db, protocol);
  if (!demand) return undefined;
  const [events, known, calendar] = await Promise.all([
    listEvents(deps.db, demand.id, false),
    loadKnownPerson(deps.db, demand.id),
    loadCalendar(deps.db),
  ]);
  const view = presentPublicDemand(demand, events, language, known);
  const date = dateFormat(language, calendar.timeZone);
  const status = translate(language, view.atTriageDesk ? "status.at_triage_desk" : `status.${view.status}`);
  const parts = [
    text(deps, language, "status", {
      protocol: spokenDigits(protocol),
      service: view.service.name ?? view.service.code,
      opened: date.format(new Date(view.openedAt)),
      status,
    }),
  ];
  if (view.dueAt && !view.closedAt)
    parts.push(text(deps, language, "due", { due: date.format(new Date(view.dueAt)) }));
  const answered = [...view.timeline]
    .reverse()
    .find((e) => typeof (e.data as { answer?: unknown })?.answer === "string");
  const answer = (answered?.data as { answer?: string } | undefined)?.answer;
  if (answer) parts.push(text(deps, language, "answer", { answer: shortened(answer) }));
  return parts.join(" ");
}

async function onProtocol(
  deps: IvrDeps,
  language: IvrLanguage,
  tries: number,
  input: IvrInput,
): Promise<string> {
  const typed = (input.digits ?? "").replace(/\D/g, "") || digitsHeard(input.speech ?? "");
  const retry = async (outcome: string, before: string) => {
    await recordIvrStep(deps.db, deps.callId, "protocol", typed || null, outcome);
    if (tries + 1 >= MAX_TRIES) return menu(deps, language, 0, before);
    return askProtocol(deps, language, tries + 1, before);
  };
  if (!typed) return retry("no_input", sayIn(deps, language, "no_input"));
  const parsed = parseProtocol(typed);
  if (!parsed.ok) return retry(parsed.problem, sayIn(deps, language, parsed.problem));
  const words = await statusWords(deps, language, parsed.protocol);
  if (!words) {
    return retry(
      "not_found",
      sayIn(deps, language, "not_found", { protocol: spokenDigits(parsed.protocol) }),
    );
  }
  await recordIvrStep(deps.db, deps.callId, "protocol", typed, "found");
  const action = deps.stepUrl("after_status", language, 0);
  const hasAgent = deps.menu.options.some((o) => o.action === "agent");
  const g = gather(
    { action, language: voiceLanguage(language), numDigits: 1, timeout: 6 },
    sayIn(deps, language, hasAgent ? "after_status" : "after_status_no_agent"),
  );
  return twimlDocument(say(words, voiceLanguage(language)), g, goodbyeVerbs(deps, language));
}

async function onAfterStatus(deps: IvrDeps, language: IvrLanguage, input: IvrInput): Promise<string> {
  const key = input.digits?.trim().charAt(0) || digitsHeard(input.speech ?? "").charAt(0);
  if (key === "1") {
    await recordIvrStep(deps.db, deps.callId, "after_status", key, "status");
    return askProtocol(deps, language, 0);
  }
  if (key === "2" && deps.menu.options.some((o) => o.action === "agent"))
    return agentOrAfterHours(deps, language, "after_status");
  await recordIvrStep(deps.db, deps.callId, "after_status", key || null, key ? "invalid" : "no_input");
  return goodbye(deps, language);
}

/** The answer to what the caller did at `step`. */
export function ivrStep(
  deps: IvrDeps,
  step: IvrStep,
  language: IvrLanguage,
  tries: number,
  input: IvrInput,
): Promise<string> {
  if (step === "menu") return onMenu(deps, language, tries, input);
  if (step === "protocol") return onProtocol(deps, language, tries, input);
  if (step === "after_status") return onAfterStatus(deps, language, input);
  if (step === "demand") return voiceDemandStep(deps, language, tries, input);
  return ivrEnrolmentStep(deps, step, language, tries, input);
}
