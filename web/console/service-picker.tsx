/**
 * Choosing a service, for intake and for reclassifying: the suggester's proposals for the citizen's words (updated
 * as they are typed, each with its Alt+digit shortcut) and search-as-you-type over the whole catalogue, whose
 * results are picked by a click, or the first one by Enter in the search box.
 */
import { useEffect, useState } from "preact/hooks";
import { api } from "../ui/api.ts";
import type { Translate } from "../ui/i18n.ts";
import type { Shortcut } from "../ui/shortcuts.tsx";
import { isLinkDown, keptKit, searchKit, suggestFromKit } from "./offline.ts";

/** A service as the picker offers it. */
export interface ServiceChoice {
  code: string;
  name: string;
}

/** How many suggestions get a shortcut (Alt+1 … Alt+5). */
export const SUGGESTION_KEYS = 5;

/** A value that follows `value` once it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** The suggester's services for a text (GET /api/v1/services/suggest), asked again as the text settles. */
export function useSuggestions(text: string, locale: string, channel?: string): ServiceChoice[] {
  const settled = useDebounced(text.trim(), 250);
  const [found, setFound] = useState<ServiceChoice[]>([]);
  useEffect(() => {
    if (settled.length < 3) return setFound([]);
    let current = true;
    const query = new URLSearchParams({ q: settled.slice(0, 2000), limit: String(SUGGESTION_KEYS) });
    if (channel) query.set("channel", channel);
    api<ServiceChoice[]>(`/api/v1/services/suggest?${query}`, {}, locale)
      .then((s) => current && setFound(s))
      .catch(async (e) => {
        // No link: the server's suggester and rules built from the kept kit, for the same channel (offline.ts).
        const kit = isLinkDown(e) ? await keptKit(locale) : undefined;
        if (kit && current) setFound(suggestFromKit(kit, settled.slice(0, 2000), SUGGESTION_KEYS, channel));
      });
    return () => {
      current = false;
    };
  }, [settled, locale, channel]);
  return found;
}

/** Catalogue services matching typed words (GET /api/v1/services?q=), as they are typed. */
export function useCatalogueSearch(q: string, locale: string): ServiceChoice[] | null {
  const settled = useDebounced(q.trim(), 200);
  const [found, setFound] = useState<ServiceChoice[] | null>(null);
  useEffect(() => {
    if (settled.length < 2) return setFound(null);
    let current = true;
    api<ServiceChoice[]>(`/api/v1/services?q=${encodeURIComponent(settled)}&lang=${locale}`, {}, locale)
      .then((s) => current && setFound(s.slice(0, 10)))
      .catch(async (e) => {
        const kit = isLinkDown(e) ? await keptKit(locale) : undefined;
        if (kit && current) setFound(searchKit(kit, settled));
      });
    return () => {
      current = false;
    };
  }, [settled, locale]);
  return found;
}

/** The Alt+digit shortcuts that pick the suggestions, and the one line that stands for them in the list shown. */
export function suggestionShortcuts(
  t: Translate,
  suggestions: ServiceChoice[],
  pick: (s: ServiceChoice) => void,
): { bound: Shortcut[]; shown: Shortcut[] } {
  const bound = suggestions.slice(0, SUGGESTION_KEYS).map((s, i) => ({
    keys: `Alt+${i + 1}`,
    label: s.name,
    run: () => pick(s),
  }));
  const shown = [
    { keys: `Alt+1…${SUGGESTION_KEYS}`, label: t("console.service.pick_suggestion"), run: () => {} },
  ];
  return { bound, shown };
}

/** The suggestions with their keys, the catalogue search, and which service is chosen. */
export function ServicePicker(props: {
  t: Translate;
  locale: string;
  id: string;
  suggestions: ServiceChoice[];
  chosen: ServiceChoice | null;
  onPick: (s: ServiceChoice) => void;
}) {
  const { t } = props;
  const [q, setQ] = useState("");
  const results = useCatalogueSearch(q, props.locale);
  const option = (s: ServiceChoice, key?: string) => (
    <li key={s.code}>
      <button
        type="button"
        class="secondary choice-button"
        aria-pressed={props.chosen?.code === s.code}
        onClick={() => props.onPick(s)}
      >
        {key ? <kbd>{key}</kbd> : null} {s.name} <span class="code">{s.code}</span>
      </button>
    </li>
  );
  return (
    <fieldset class="service-picker">
      <legend>{t("console.service.legend")}</legend>
      <p role="status" class="chosen" data-testid={`${props.id}-chosen`}>
        {props.chosen
          ? t("console.service.chosen", { name: props.chosen.name, code: props.chosen.code })
          : t("console.service.none")}
      </p>
      <h3 id={`${props.id}-suggested`}>{t("console.service.suggested")}</h3>
      {props.suggestions.length === 0 ? (
        <p class="hint">{t("console.service.no_suggestions")}</p>
      ) : (
        <ul class="options" aria-labelledby={`${props.id}-suggested`} data-testid={`${props.id}-suggestions`}>
          {props.suggestions.slice(0, SUGGESTION_KEYS).map((s, i) => option(s, `Alt+${i + 1}`))}
        </ul>
      )}
      <div class="field">
        <label for={`${props.id}-search`}>{t("console.service.search")}</label>
        <input
          id={`${props.id}-search`}
          type="search"
          autocomplete="off"
          value={q}
          aria-describedby={`${props.id}-search-hint`}
          onInput={(e) => setQ((e.target as HTMLInputElement).value)}
          onKeyDown={(e) => {
            // Enter picks the first service found; it never sends the whole form from the search box.
            if (e.key !== "Enter") return;
            e.preventDefault();
            const first = results?.[0];
            if (first) props.onPick(first);
          }}
        />
        <p class="hint" id={`${props.id}-search-hint`}>
          {t("console.service.search_hint")}
        </p>
      </div>
      {results === null ? null : results.length === 0 ? (
        <p role="status">{t("console.service.no_results")}</p>
      ) : (
        <ul class="options" aria-label={t("console.service.results")}>
          {results.map((s) => option(s))}
        </ul>
      )}
    </fieldset>
  );
}
