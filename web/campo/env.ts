/**
 * What every screen of the tablet is handed (the session, the texts, what is kept), the app's paths, and the two
 * hooks the frame runs: the kept items, live across tabs, and the syncer (on opening, on the `online` event, on a
 * button, and every 30 s while anything waits).
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { type LocalText, localText, type QuestionnaireLocale } from "../../domain/questionnaire.ts";
import { api } from "../ui/api.ts";
import type { Boot } from "../ui/boot.ts";
import type { Translate } from "../ui/i18n.ts";
import type { Me } from "../ui/staff.tsx";
import { type RunResult, runSync } from "./runner.ts";
import { keptDay, onKeptChange, readKept, routesChanged } from "./store.ts";
import type { Day, Kept } from "./sync.ts";

/** The tablet's paths. */
export const PATHS = {
  day: "/campo",
  demand: "/campo/demanda",
  waiting: "/campo/sincronizar",
} as const;

/** The path of a visit's questionnaire. */
export const visitPath = (id: number) => `/campo/visita/${id}`;

/** What is kept on the device, as the screens read it. */
export interface KeptView {
  loaded: boolean;
  day: Day | undefined;
  items: Kept;
  /** The routes the server changed since the day was downloaded. */
  routesChanged: number[];
}

/** What every screen is handed. */
export interface CampoEnv {
  boot: Boot;
  t: Translate;
  locale: string;
  me: Me;
  kept: KeptView;
}

/** The syncer's state and its button. */
export interface Syncer {
  busy: boolean;
  last: (RunResult & { at: string }) | null;
  run: () => void;
}

/** How often a sync is tried while anything waits and the browser thinks it is online. */
const RETRY_MS = 30_000;

/** The questionnaire language of the screen's locale. */
export function questionnaireLocale(locale: string): QuestionnaireLocale {
  return locale === "en" || locale === "es" ? locale : "pt-BR";
}

/** A questionnaire's title as the day carries it (already in the screen's language, or in every language). */
export function titleOf(title: string | LocalText, locale: QuestionnaireLocale): string {
  return typeof title === "string" ? title : localText(title, locale);
}

/** The kept day and items, read again at every change (this tab's and other tabs'). */
export function useKept(): KeptView {
  const [view, setView] = useState<KeptView>({
    loaded: false,
    day: undefined,
    items: { responses: [], demands: [], visits: [], files: [] },
    routesChanged: [],
  });
  useEffect(() => {
    let current = true;
    const load = () =>
      void Promise.all([keptDay(), readKept(), routesChanged()])
        .then(
          ([day, items, changed]) => current && setView({ loaded: true, day, items, routesChanged: changed }),
        )
        .catch(() => undefined);
    load();
    const stop = onKeptChange(load);
    return () => {
      current = false;
      stop();
    };
  }, []);
  return view;
}

/**
 * Asks for the signed-in inspector again once the service worker controls the page, so its copy is there for the
 * tablet to open offline (the first sign-in can happen before the worker is in place).
 */
export function useKeptSession(locale: string): void {
  useEffect(() => {
    if (typeof navigator === "undefined" || !("serviceWorker" in navigator)) return;
    const read = () => void api("/api/v1/auth/me", {}, locale).catch(() => undefined);
    if (navigator.serviceWorker.controller) {
      read();
      return;
    }
    navigator.serviceWorker.addEventListener("controllerchange", read, { once: true });
    return () => navigator.serviceWorker.removeEventListener("controllerchange", read);
  }, [locale]);
}

/** Runs the sync when the tablet opens, when the link comes back, on demand, and every RETRY_MS while any waits. */
export function useSyncer(env: CampoEnv, waiting: number): Syncer {
  const { me, locale } = env;
  const [busy, setBusy] = useState(false);
  const [last, setLast] = useState<Syncer["last"]>(null);
  const mounted = useRef(true);
  const run = useCallback(() => {
    setBusy(true);
    void runSync(me.id, locale)
      .then((result) => mounted.current && setLast({ ...result, at: new Date().toISOString() }))
      .finally(() => mounted.current && setBusy(false));
  }, [me.id, locale]);
  useEffect(() => {
    mounted.current = true;
    run();
    addEventListener("online", run);
    return () => {
      mounted.current = false;
      removeEventListener("online", run);
    };
  }, [run]);
  useEffect(() => {
    if (waiting === 0) return;
    const timer = setInterval(() => navigator.onLine && run(), RETRY_MS);
    return () => clearInterval(timer);
  }, [waiting, run]);
  return { busy, last, run };
}

/**
 * A problem the server or the device named, in words: the question's own constraint message when it has one, else
 * the text of its code, else a general one with the code (a code this tablet does not know yet).
 */
export function problemText(
  t: Translate,
  problem: { code: string; question?: string; field?: string; limit?: number },
  label?: string,
): string {
  const key = `campo.problem.${problem.code}`;
  const params = { question: label ?? problem.question ?? problem.field ?? "", limit: problem.limit ?? "" };
  const text = t(key, params);
  return text === key ? t("campo.problem.other", { ...params, code: problem.code }) : text;
}
