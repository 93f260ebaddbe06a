/**
 * The staff's full-text search over demands (GET /api/v1/demands?q=, decision 0037): words in, the demands that
 * match best first, each linking to its demand screen; "load more" follows the answer's Link rel="next". The words
 * live in the address (?q=), so a search can be shared, reloaded and gone back to.
 */
import { useEffect, useState } from "preact/hooks";
import { ApiProblem, apiPage } from "../ui/api.ts";
import { outOfBase } from "../ui/base.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { navigate } from "../ui/router.ts";
import { ShortcutList } from "../ui/shortcuts.tsx";
import { type ConsoleProps, PATHS } from "./env.ts";

/** One demand as GET /api/v1/demands lists it. */
interface DemandListItem {
  protocol: string;
  status: string;
  service: { code: string; name: string };
  district: string | null;
  openedAt: string;
}

const PAGE = 25;
const FIELD_ID = "search-q";

/** Opens the search screen (when elsewhere) and puts the cursor in its field: the console's "/" shortcut. */
export function focusSearch(locale: string): void {
  if (outOfBase(location.pathname).replace(/\/+$/, "") !== PATHS.search)
    navigate(withLang(PATHS.search, locale));
  // After navigate's own move of the focus to the new screen's heading, which runs on the next frame.
  requestAnimationFrame(() => requestAnimationFrame(() => document.getElementById(FIELD_ID)?.focus()));
}

/** The search screen. */
export function SearchScreen(props: ConsoleProps) {
  const { t, locale } = props.env;
  const q = props.url.searchParams.get("q")?.trim() ?? "";
  const [words, setWords] = useState(q);
  const [items, setItems] = useState<DemandListItem[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);

  const load = async (path: string, more: boolean) => {
    setBusy(true);
    setProblem(null);
    try {
      const page = await apiPage<DemandListItem>(path, locale);
      setItems((shown) => (more && shown ? [...shown, ...page.items] : page.items));
      setNext(page.next);
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : null);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    setWords(q);
    setItems(null);
    setNext(null);
    if (q) void load(`/api/v1/demands?q=${encodeURIComponent(q)}&limit=${PAGE}`, false);
  }, [q, locale]);

  const submit = (event: Event) => {
    event.preventDefault();
    const typed = words.trim();
    navigate(withLang(typed ? `${PATHS.search}?q=${encodeURIComponent(typed)}` : PATHS.search, locale));
  };

  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title" tabIndex={-1}>
        {t("console.search.title")}
      </h1>
      <ShortcutList t={t} shortcuts={props.frameShortcuts} />
      <search>
        <form class="demand-search" onSubmit={submit}>
          <label for={FIELD_ID}>{t("console.search.label")}</label>
          <input
            id={FIELD_ID}
            type="search"
            name="q"
            value={words}
            maxLength={200}
            aria-describedby="search-hint"
            onInput={(e) => setWords(e.currentTarget.value)}
          />
          <button type="submit">{t("console.search.submit")}</button>
          <p id="search-hint" class="hint">
            {t("console.search.hint")}
          </p>
        </form>
      </search>
      <ProblemAlert problem={problem} t={t} />
      {q && items === null && busy ? <p role="status">{t("ui.loading")}</p> : null}
      {items !== null && items.length === 0 ? <p role="status">{t("console.search.none")}</p> : null}
      {items !== null && items.length > 0 ? (
        <div class="table-wrap">
          <table class="data" data-testid="search-results">
            <caption>{t("console.search.caption", { count: items.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("console.search.protocol")}</th>
                <th scope="col">{t("console.search.service")}</th>
                <th scope="col">{t("console.search.status")}</th>
                <th scope="col">{t("console.search.district")}</th>
                <th scope="col">{t("console.search.opened_at")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.protocol} data-protocol={d.protocol}>
                  <td>
                    <a href={withLang(PATHS.demand(d.protocol), locale)} data-nav>
                      {d.protocol}
                    </a>
                  </td>
                  <td>{d.service.name}</td>
                  <td>{t(`status.${d.status}`)}</td>
                  <td>{d.district ?? "—"}</td>
                  <td>{formatWhen(d.openedAt, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {next ? (
        <p>
          <button type="button" disabled={busy} onClick={() => void load(next, true)}>
            {t("console.search.more")}
          </button>
        </p>
      ) : null}
    </section>
  );
}
