/**
 * Becoming a citizen auditor on the 156 line (issue 18, docs/telephony.md "Enrolment on the line"): an option of the
 * menu (`auditor_enrol`). The consent text is said and accepted by a key (LGPD), the home address is said (speech
 * recognition, then the offline geocoder: it must fall on a fiscal block; a caller who cannot, or whose provider
 * gives no transcript, goes to an agent with 0 or after three tries), the days and the hours are picked by key, and
 * a summary is confirmed. The caller's own number is enrolled, by voice, with the consent recorded as given by
 * `phone`. What was chosen so far is kept on the call (`calls.ivr_draft`). The last words are the same whether or
 * not the number was enrolled already (a caller id can be forged: it must not tell who is an auditor).
 */
import { gather, redirect, twimlDocument, voiceLanguage } from "../../channels/voice/twiml.ts";
import { AUDITOR_CONSENT_VERSION } from "../../domain/auditors.ts";
import { digitsHeard, type IvrLanguage } from "../../domain/ivr.ts";
import { geocodeAddress } from "../areas/geocoding.ts";
import { enrolAuditor } from "../auditors/commands.ts";
import { placeAuditor } from "../auditors/place.ts";
import { findOrCreateCitizen } from "../citizens/commands.ts";
import { maybeOne } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { translate } from "../i18n.ts";
import {
  agentOrAfterHours,
  type IvrDeps,
  type IvrInput,
  type IvrStep,
  MAX_TRIES,
  menu,
  sayIn,
} from "./flow.ts";
import { recordIvrStep } from "./queries.ts";

/** The days and hours a key picks, as weekly windows (inside the calls' day, 08:00–21:00). */
const DAYS = {
  "1": ["weekdays", [1, 2, 3, 4, 5]],
  "2": ["weekend", [0, 6]],
  "3": ["every", [0, 1, 2, 3, 4, 5, 6]],
} as const;
const HOURS = {
  "1": ["morning", "09:00", "12:00"],
  "2": ["afternoon", "14:00", "18:00"],
  "3": ["evening", "18:00", "21:00"],
} as const;
type DayKey = keyof typeof DAYS;
type HourKey = keyof typeof HOURS;

/** What the caller chose so far, kept on the call. */
interface Draft {
  place?: { lat: number; lon: number; label: string };
  days?: DayKey;
  hours?: HourKey;
}

/** A question of the enrolment: its prompt, listening for a key (or, for the address, speech). */
function ask(
  deps: IvrDeps,
  language: IvrLanguage,
  step: IvrStep,
  tries: number,
  prompt: string,
  before = "",
): string {
  const action = deps.stepUrl(step, language, tries);
  const listening =
    step === "auditor_place"
      ? { action, language: voiceLanguage(language), numDigits: 1, timeout: 8, hints: "rua, avenida, número" }
      : { action, language: voiceLanguage(language), numDigits: 1, timeout: 8 };
  return twimlDocument(gather(listening, before + prompt), redirect(action));
}

const consentPrompt = (deps: IvrDeps, language: IvrLanguage) =>
  sayIn(deps, language, "auditor_consent", {
    consent: translate(language, "web.portal.auditor.consent_text"),
  });

/** The key pressed, or the first digit said; "sim"/"aceito"/"yes"/"sí" said as 1 and "não"/"no" as 2. */
function keyOf(input: IvrInput): string {
  const key = input.digits?.trim().charAt(0) || digitsHeard(input.speech ?? "").charAt(0);
  if (key) return key;
  const said = (input.speech ?? "").normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  if (/\b(sim|aceito|confirmo|yes|accept|confirm|si|acepto)\b/.test(said)) return "1";
  if (/\b(nao|no|cancelar|cancel)\b/.test(said)) return "2";
  return "";
}

async function draftOf(deps: IvrDeps): Promise<Draft> {
  const row = await maybeOne<{ ivr_draft: Draft | null }>(
    deps.db,
    "SELECT ivr_draft FROM calls WHERE id = $1",
    [deps.callId],
  );
  return row?.ivr_draft ?? {};
}

const saveDraft = (deps: IvrDeps, draft: Draft | null) =>
  deps.db.query("UPDATE calls SET ivr_draft = $2 WHERE id = $1", [
    deps.callId,
    draft === null ? null : JSON.stringify(draft),
  ]);

/** The menu option: the consent asked, or why the caller cannot enrol from this call. */
export async function startIvrEnrolment(
  deps: IvrDeps,
  language: IvrLanguage,
  heard: string | null,
): Promise<string> {
  const call = await maybeOne<{ from_number: string | null }>(
    deps.db,
    "SELECT from_number FROM calls WHERE id = $1",
    [deps.callId],
  );
  if (!call?.from_number) {
    await recordIvrStep(deps.db, deps.callId, "menu", heard, "auditor_no_number");
    return menu(deps, language, 0, sayIn(deps, language, "auditor_no_number"));
  }
  await recordIvrStep(deps.db, deps.callId, "menu", heard, "auditor_enrol");
  await saveDraft(deps, {});
  return ask(deps, language, "auditor_consent", 0, consentPrompt(deps, language));
}

/** A question not answered: asked again, or after three tries the menu (or, for the address, an agent). */
async function again(
  deps: IvrDeps,
  language: IvrLanguage,
  step: IvrStep,
  tries: number,
  heard: string | null,
  prompt: string,
  why = heard ? "invalid" : "no_input",
): Promise<string> {
  await recordIvrStep(deps.db, deps.callId, step, heard, why);
  if (tries + 1 < MAX_TRIES) return ask(deps, language, step, tries + 1, prompt, sayIn(deps, language, why));
  await saveDraft(deps, null);
  if (step === "auditor_place" && deps.menu.options.some((o) => o.action === "agent"))
    return placeByAgent(deps, language);
  return menu(deps, language, 0, sayIn(deps, language, "no_input"));
}

/** To an agent, who enrols the caller on the console (the call rings with the screen pop). */
function placeByAgent(deps: IvrDeps, language: IvrLanguage): Promise<string> {
  return agentOrAfterHours(deps, language, "auditor_place", sayIn(deps, language, "auditor_place_agent"));
}

/** The home address said: the geocoder's best place, on a fiscal block; undefined when there is none. */
async function placeOf(deps: IvrDeps, speech: string): Promise<Draft["place"]> {
  const [top] = await geocodeAddress(deps.db, speech, { limit: 1 });
  if (!top) return undefined;
  try {
    const placed = await placeAuditor(deps.db, { point: { lat: top.lat, lon: top.lon } });
    const street = top.number === null ? top.street : `${top.street}, ${top.number}`;
    return {
      lat: placed.lat,
      lon: placed.lon,
      label: top.districtName ? `${street}, ${top.districtName}` : street,
    };
  } catch (error) {
    if (error instanceof AppError && error.status < 500) return undefined;
    throw error;
  }
}

/** One step of the enrolment. */
export async function ivrEnrolmentStep(
  deps: IvrDeps,
  step: IvrStep,
  language: IvrLanguage,
  tries: number,
  input: IvrInput,
): Promise<string> {
  const key = keyOf(input);
  const heard = key || null;
  const draft = await draftOf(deps);
  const daysPrompt = sayIn(deps, language, "auditor_ask_days");
  switch (step) {
    case "auditor_consent": {
      if (key === "2") {
        await recordIvrStep(deps.db, deps.callId, step, key, "auditor_declined");
        await saveDraft(deps, null);
        return menu(deps, language, 0, sayIn(deps, language, "auditor_enrol_cancelled"));
      }
      if (key !== "1") return again(deps, language, step, tries, heard, consentPrompt(deps, language));
      await recordIvrStep(deps.db, deps.callId, step, key, "auditor_consented");
      return ask(deps, language, "auditor_place", 0, sayIn(deps, language, "auditor_ask_place"));
    }
    case "auditor_place": {
      if (input.digits?.trim() === "0") {
        await recordIvrStep(deps.db, deps.callId, step, "0", "agent");
        await saveDraft(deps, null);
        return placeByAgent(deps, language);
      }
      const speech = input.speech?.trim();
      const place = speech ? await placeOf(deps, speech) : undefined;
      const prompt = sayIn(deps, language, "auditor_ask_place");
      // The words said are an address: kept in no step (personal data), only whether it was found.
      if (!place) {
        if (!speech) return again(deps, language, step, tries, null, prompt);
        await recordIvrStep(deps.db, deps.callId, step, null, "auditor_place_not_found");
        if (tries + 1 < MAX_TRIES)
          return ask(deps, language, step, tries + 1, prompt, sayIn(deps, language, "auditor_place_again"));
        await saveDraft(deps, null);
        return placeByAgent(deps, language);
      }
      await recordIvrStep(deps.db, deps.callId, step, null, "auditor_place_found");
      await saveDraft(deps, { place });
      return ask(deps, language, "auditor_days", 0, daysPrompt);
    }
    case "auditor_days": {
      if (!draft.place) return menu(deps, language, 0);
      if (!(key in DAYS)) return again(deps, language, step, tries, heard, daysPrompt);
      await recordIvrStep(deps.db, deps.callId, step, key, "auditor_days");
      await saveDraft(deps, { ...draft, days: key as DayKey });
      return ask(deps, language, "auditor_hours", 0, sayIn(deps, language, "auditor_ask_hours"));
    }
    case "auditor_hours": {
      if (!draft.place || !draft.days) return menu(deps, language, 0);
      if (!(key in HOURS))
        return again(deps, language, step, tries, heard, sayIn(deps, language, "auditor_ask_hours"));
      await recordIvrStep(deps.db, deps.callId, step, key, "auditor_hours");
      const hours = key as HourKey;
      await saveDraft(deps, { ...draft, hours });
      return ask(deps, language, "auditor_confirm", 0, confirmPrompt(deps, language, draft, hours));
    }
    default:
      return confirm(deps, language, tries, input, draft);
  }
}

function confirmPrompt(deps: IvrDeps, language: IvrLanguage, draft: Draft, hours: HourKey): string {
  return sayIn(deps, language, "auditor_confirm", {
    place: draft.place?.label ?? "",
    days: translate(language, `telephony.ivr.auditor_days_${DAYS[draft.days!][0]}`),
    hours: translate(language, `telephony.ivr.auditor_hours_${HOURS[hours][0]}`),
  });
}

/** The summary confirmed: the caller's number enrolled (or the enrolment it has kept), in one transaction. */
async function confirm(
  deps: IvrDeps,
  language: IvrLanguage,
  tries: number,
  input: IvrInput,
  draft: Draft,
): Promise<string> {
  const key = keyOf(input);
  if (!draft.place || !draft.days || !draft.hours) return menu(deps, language, 0);
  if (key === "2") {
    await recordIvrStep(deps.db, deps.callId, "auditor_confirm", key, "auditor_declined");
    await saveDraft(deps, null);
    return menu(deps, language, 0, sayIn(deps, language, "auditor_enrol_cancelled"));
  }
  if (key !== "1")
    return again(
      deps,
      language,
      "auditor_confirm",
      tries,
      key || null,
      confirmPrompt(deps, language, draft, draft.hours),
    );
  const [, starts, ends] = HOURS[draft.hours];
  const place = draft.place;
  const days = draft.days;
  const outcome = await deps.db.transaction(async (tx) => {
    const call = await maybeOne<{ from_number: string | null }>(
      tx,
      "SELECT from_number FROM calls WHERE id = $1 FOR UPDATE",
      [deps.callId],
    );
    if (!call?.from_number) return "auditor_no_number";
    await tx.query("UPDATE calls SET ivr_draft = NULL WHERE id = $1", [deps.callId]);
    const live = await maybeOne(tx, "SELECT 1 FROM auditors WHERE phone = $1 AND state <> 'revoked'", [
      call.from_number,
    ]);
    if (live) return "auditor_kept";
    const citizenId = await findOrCreateCitizen(tx, {
      locale: language,
      contacts: { phone: call.from_number },
    });
    await enrolAuditor(
      tx,
      {
        citizenId,
        phone: call.from_number,
        point: { lat: place.lat, lon: place.lon },
        address: place.label,
        windows: DAYS[days][1].map((weekday) => ({ weekday, starts, ends })),
        channel: "voice",
        language,
        maxCallsPerWeek: 2,
        consent: true,
        consentTextVersion: AUDITOR_CONSENT_VERSION,
      },
      "phone",
    );
    return "auditor_enrolled";
  });
  await recordIvrStep(deps.db, deps.callId, "auditor_confirm", key, outcome);
  if (outcome === "auditor_no_number")
    return menu(deps, language, 0, sayIn(deps, language, "auditor_no_number"));
  // The same words whether enrolled now or kept: a forged caller id learns nothing.
  return menu(deps, language, 0, sayIn(deps, language, "auditor_enrolled"));
}
