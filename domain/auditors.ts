/**
 * Citizen auditors (issue 18): the weekly windows in which a person accepts a call, checked by the same rules
 * wherever they are given (the portal, an agent on the phone, the IVR, WhatsApp), and the version of the consent
 * text they agree to. Pure: no I/O, so the portal's form can check a window before it sends it.
 */

/**
 * One weekly window in the city's wall time: weekday 0 (Sunday) … 6 (Saturday), as PostgreSQL's `extract(dow)` and
 * `Date#getDay` count, and "HH:MM" times, the end excluded.
 */
export interface CallWindow {
  weekday: number;
  starts: string;
  ends: string;
}

/** The hours a call may be offered in, city time: the quiet night (21:00 to 08:00) is never offered. */
export const CALL_DAY = { starts: "08:00", ends: "21:00" } as const;

/** At most this many windows per auditor (two a day). */
export const MAX_WINDOWS = 14;

/** The shortest window: a planner needs room to retry an unanswered call inside it. */
export const MIN_WINDOW_MINUTES = 60;

/**
 * The version of the auditors' consent text in force. Every channel that asks for consent shows this text and sends
 * this version back; a consent given on an older text is refused, so each record names the words the person heard.
 */
export const AUDITOR_CONSENT_VERSION = "2025-06";

/** A "HH:MM" time of day (00:00 … 23:59). */
export const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Why a window is refused; each is also a problem code of the API. */
export type WindowProblemCode =
  | "auditor_too_many_windows"
  | "auditor_window_quiet_night"
  | "auditor_window_too_short"
  | "auditor_window_overlap";

/** One refused window (index into the list given), or the list as a whole (index null). */
export interface WindowProblem {
  index: number | null;
  code: WindowProblemCode;
}

/** Minutes since midnight of a "HH:MM" time. */
export function minutesOf(time: string): number {
  const [h, m] = time.split(":");
  return Number(h) * 60 + Number(m);
}

/**
 * What is wrong with a list of windows, in the order given: more than MAX_WINDOWS, a window reaching into the quiet
 * night, one shorter than MIN_WINDOW_MINUTES (a reversed one too), and one overlapping an earlier one of the same
 * weekday (windows that only touch, 08:00–10:00 and 10:00–12:00, do not overlap). Empty when every window holds.
 */
export function windowProblems(windows: readonly CallWindow[]): WindowProblem[] {
  const problems: WindowProblem[] = [];
  if (windows.length > MAX_WINDOWS) problems.push({ index: null, code: "auditor_too_many_windows" });
  const dayStarts = minutesOf(CALL_DAY.starts);
  const dayEnds = minutesOf(CALL_DAY.ends);
  const sound: { index: number; weekday: number; from: number; to: number }[] = [];
  windows.forEach((w, index) => {
    const from = minutesOf(w.starts);
    const to = minutesOf(w.ends);
    if (from < dayStarts || to > dayEnds || from >= dayEnds || to <= dayStarts)
      problems.push({ index, code: "auditor_window_quiet_night" });
    else if (to - from < MIN_WINDOW_MINUTES) problems.push({ index, code: "auditor_window_too_short" });
    else sound.push({ index, weekday: w.weekday, from, to });
  });
  sound.sort((a, b) => a.weekday - b.weekday || a.from - b.from || a.index - b.index);
  for (let i = 1; i < sound.length; i++) {
    const [before, w] = [sound[i - 1]!, sound[i]!];
    if (before.weekday === w.weekday && w.from < before.to) {
      // The later one given is the one named, whichever starts first.
      problems.push({ index: Math.max(before.index, w.index), code: "auditor_window_overlap" });
      if (w.to < before.to) sound[i] = before; // a window inside a longer one: keep the longer for the next test
    }
  }
  return problems.sort((a, b) => (a.index ?? -1) - (b.index ?? -1));
}

/** The windows in one order (weekday, then start), as they are stored and shown. */
export function sortedWindows<W extends CallWindow>(windows: readonly W[]): W[] {
  return [...windows].sort((a, b) => a.weekday - b.weekday || minutesOf(a.starts) - minutesOf(b.starts));
}
