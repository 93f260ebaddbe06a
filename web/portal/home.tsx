/**
 * The first screen: find a service by typing plain words (a combobox: arrow keys move through the suggestions, Enter
 * picks, Escape closes), browse the catalogue, or follow a demand by protocol. The words typed go with the person to
 * the filing form, where they start the description.
 */
import "./file.css";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { inBase } from "../ui/base.ts";
import { ProblemAlert, useListbox } from "../ui/components.tsx";
import { withLang } from "../ui/i18n.ts";
import { navigate } from "../ui/router.ts";
import type { Env } from "./env.ts";

interface Suggestion {
  code: string;
  name: string;
  /** The language `name` is in: "pt-BR" on an en/es screen means the service has no name in the reader's language. */
  nameLanguage?: string;
  /** The service's former name, when the words typed matched it rather than the current one. */
  formerly?: string;
}
interface CharterGroup {
  code: string;
  name: string;
  groups: { code: string; name: string; services: { code: string; name: string; active: boolean }[] }[];
}

/** The home screen with the suggester (GET /api/v1/services/suggest) and the catalogue (GET /api/v1/charter). */
export function HomeScreen(props: { env: Env; query: string }) {
  const { t, locale } = props.env;
  const [q, setQ] = useState(props.query);
  const [items, setItems] = useState<Suggestion[] | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [charter, setCharter] = useState<CharterGroup[] | null>(null);
  const timer = useRef<number>(0);

  useEffect(() => {
    clearTimeout(timer.current);
    const text = q.trim();
    if (text.length < 3) {
      setItems(null);
      return;
    }
    timer.current = window.setTimeout(async () => {
      try {
        setItems(
          await api<Suggestion[]>(
            `/api/v1/services/suggest?q=${encodeURIComponent(text)}&limit=6`,
            {},
            locale,
          ),
        );
        setProblem(null);
      } catch (e) {
        setProblem(e instanceof ApiProblem ? e : null);
      }
    }, 200);
  }, [q, locale]);

  // The filing form of a service, carrying the words typed here into its description.
  const fileHref = (code: string) => {
    const words = q.trim();
    return withLang(`/solicitar/${code}${words ? `?q=${encodeURIComponent(words)}` : ""}`, locale);
  };
  const suggestions = useListbox({
    id: "suggestions",
    items: items && items.length > 0 ? items : null,
    onPick: (s) => navigate(fileHref(s.code)),
    onClose: () => setItems(null),
  });

  const openCatalogue = async () => {
    if (charter) return;
    try {
      setCharter(
        (await api<{ groups: CharterGroup[] }>(`/api/v1/charter?lang=${locale}`, {}, locale)).groups,
      );
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : null);
    }
  };

  return (
    <>
      <h1 tabIndex={-1}>{t("portal.home.title")}</h1>
      <p>{t("portal.home.intro")}</p>
      {/* biome-ignore lint/a11y/useSemanticElements: the <search> element is too new for the phones we serve. */}
      <form
        id="search"
        role="search"
        action={inBase("/")}
        method="get"
        onSubmit={(e) => {
          e.preventDefault();
          const first = items?.[0];
          if (first) navigate(fileHref(first.code));
        }}
      >
        <input type="hidden" name="lang" value={locale} />
        <label for="q">{t("portal.home.search_label")}</label>
        <p class="hint" id="q-hint">
          {t("portal.home.search_hint")}
        </p>
        <input
          id="q"
          name="q"
          type="search"
          autocomplete="off"
          aria-describedby="q-hint"
          {...suggestions.input}
          value={q}
          onInput={(e) => setQ((e.target as HTMLInputElement).value)}
        />
      </form>
      <p class="visually-hidden" aria-live="polite">
        {items ? t("portal.home.suggestions_count", { count: items.length }) : ""}
      </p>
      <ProblemAlert problem={problem} t={t} />
      {items && items.length > 0 ? (
        <ul class="suggestions" aria-label={t("portal.home.suggestions")} {...suggestions.list}>
          {items.map((s, i) => (
            <li key={s.code} {...suggestions.option(i)}>
              {s.nameLanguage === "pt-BR" && locale !== "pt-BR" ? (
                <>
                  <span lang="pt-BR">{s.name}</span>
                  <small class="hint"> ({t("portal.home.name_in_portuguese")})</small>
                </>
              ) : (
                s.name
              )}
              {s.formerly ? (
                <small class="hint"> {t("portal.home.formerly", { name: s.formerly })}</small>
              ) : null}
            </li>
          ))}
        </ul>
      ) : items ? (
        <p id="suggestions">{t("portal.home.no_suggestions")}</p>
      ) : null}
      <details onToggle={(e) => (e.target as HTMLDetailsElement).open && void openCatalogue()}>
        <summary>{t("portal.home.catalogue")}</summary>
        {charter === null ? (
          <p>{t("ui.loading")}</p>
        ) : (
          charter.map((root) => (
            <section key={root.code} aria-labelledby={`g-${root.code}`}>
              <h2 id={`g-${root.code}`}>{root.name}</h2>
              {root.groups.map((g) => (
                <details key={g.code}>
                  <summary>{g.name}</summary>
                  <ul>
                    {g.services
                      .filter((s) => s.active)
                      .map((s) => (
                        <li key={s.code}>
                          <a href={fileHref(s.code)} data-nav>
                            {s.name}
                          </a>
                        </li>
                      ))}
                  </ul>
                </details>
              ))}
            </section>
          ))
        )}
      </details>
      <FollowForm env={props.env} />
    </>
  );
}

/** The protocol box: goes to the demand's screen, where the server checks the number and its check digit. */
export function FollowForm(props: { env: Env; initial?: string }) {
  const { t, locale } = props.env;
  const [value, setValue] = useState(props.initial ?? "");
  return (
    <form
      class="follow"
      action={inBase("/acompanhar")}
      method="get"
      onSubmit={(e) => {
        e.preventDefault();
        const digits = value.replace(/\D/g, "");
        if (digits) navigate(withLang(`/demanda/${digits}`, locale));
      }}
    >
      <h2>{t("portal.follow.title")}</h2>
      <input type="hidden" name="lang" value={locale} />
      <label for="protocolo">{t("portal.follow.label")}</label>
      <p class="hint" id="protocolo-hint">
        {t("portal.follow.hint")}
      </p>
      <div class="row">
        <input
          class="grow"
          id="protocolo"
          name="protocolo"
          type="text"
          inputMode="numeric"
          autocomplete="off"
          aria-describedby="protocolo-hint"
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
        <button type="submit">{t("portal.follow.submit")}</button>
      </div>
    </form>
  );
}
