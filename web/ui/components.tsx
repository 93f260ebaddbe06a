/**
 * The pieces every screen shares: the page frame with e-MAG skip links and access keys, the language switch on
 * every screen, problem alerts that name the server's words, and labelled form fields.
 */
import type { ComponentChildren } from "preact";
import type { ApiProblem } from "./api.ts";
import type { LocaleChoice } from "./boot.ts";
import { type Translate, withLang } from "./i18n.ts";
import { onLinkClick } from "./router.ts";

/** A navigation link of an app's menu. */
export interface MenuLink {
  href: string;
  label: string;
}

/**
 * The frame around each screen. e-MAG 3.1 (recommendation 1.5) asks for the skip links first in the page, with the
 * access keys 1 (content), 2 (menu), 3 (search) and 4 (footer).
 */
export function Frame(props: {
  t: Translate;
  locale: string;
  locales: LocaleChoice[];
  path: string;
  siteName: string;
  menu: MenuLink[];
  hasSearch?: boolean;
  children: ComponentChildren;
}) {
  const { t } = props;
  const skips = [
    ["#main", "1", "ui.skip_to_content"],
    ["#menu", "2", "ui.skip_to_menu"],
    ...(props.hasSearch ? [["#search", "3", "ui.skip_to_search"]] : []),
    ["#footer", "4", "ui.skip_to_footer"],
  ] as const;
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: one delegated handler for in-app links, which stay links.
    // biome-ignore lint/a11y/useKeyWithClickEvents: links already answer Enter; this only avoids a reload.
    <div class="frame" onClick={onLinkClick}>
      <ul class="skip-links" aria-label={t("ui.skip_links")}>
        {skips.map(([href, key, label]) => (
          <li key={key}>
            {/* biome-ignore lint/a11y/noAccessKey: e-MAG's convention: 1 content, 2 menu, 3 search, 4 footer. */}
            <a href={href} accessKey={key}>
              {t(label)} [{key}]
            </a>
          </li>
        ))}
      </ul>
      <header class="site-header">
        <a class="brand" href={withLang("/", props.locale)} data-nav>
          {props.siteName}
        </a>
        <LanguageSwitch t={t} locale={props.locale} locales={props.locales} path={props.path} />
        <nav id="menu" aria-label={t("ui.menu")} tabIndex={-1}>
          <ul>
            {props.menu.map((m) => (
              <li key={m.href}>
                <a
                  class="menu-link"
                  href={m.href}
                  data-nav
                  aria-current={props.path.split("?")[0] === m.href.split("?")[0] ? "page" : undefined}
                >
                  {m.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
      <footer id="footer" tabIndex={-1}>
        <p>{t("ui.footer")}</p>
        <p>
          <a href={withLang("/carta-de-servicos", props.locale)}>{t("ui.charter")}</a>
        </p>
      </footer>
    </div>
  );
}

/** Links to the same page in each language; the current one is marked, not linked. */
export function LanguageSwitch(props: {
  t: Translate;
  locale: string;
  locales: LocaleChoice[];
  path: string;
}) {
  return (
    <nav class="lang" aria-label={props.t("ui.language")}>
      <ul>
        {props.locales.map((l) => (
          <li key={l.code}>
            {l.code === props.locale ? (
              <strong aria-current="true" lang={l.code}>
                {l.name}
              </strong>
            ) : (
              <a href={withLang(props.path, l.code)} lang={l.code} hrefLang={l.code}>
                {l.name}
              </a>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** The server's problem, announced to screen readers; field problems listed by name. */
export function ProblemAlert(props: { problem: ApiProblem | null; t: Translate }) {
  const p = props.problem;
  if (!p) return null;
  const title = p.code === "offline" ? props.t("ui.offline_title") : p.title || props.t("ui.error_title");
  const detail = p.code === "offline" ? props.t("ui.offline_detail") : p.detail;
  return (
    <div class="problem" role="alert">
      <p>
        <strong>{title}</strong>
      </p>
      {detail ? <p>{detail}</p> : null}
    </div>
  );
}

/** A labelled field with an optional hint and error, wired with aria-describedby. */
export function Field(props: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  required?: boolean;
  requiredText?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={props.id}>
        {props.label}
        {props.required ? <span class="required"> ({props.requiredText ?? "*"})</span> : null}
      </label>
      {props.hint ? (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      {props.children}
      {props.error ? (
        <p class="field-error" id={`${props.id}-error`}>
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

/** The aria-describedby value of a field's input. */
export function describedBy(id: string, hint?: string, error?: string): string | undefined {
  const ids = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return ids || undefined;
}
