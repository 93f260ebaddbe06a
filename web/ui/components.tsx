/**
 * The pieces every screen shares: the page frame with e-MAG skip links and access keys, the language switch on
 * every screen, problem alerts that name the server's words, and labelled form fields.
 */
import type { ComponentChildren, HTMLAttributes } from "preact";
import { useState } from "preact/hooks";
import type { ApiProblem } from "./api.ts";
import { inBase } from "./base.ts";
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
 * access keys 1 (content), 2 (menu), 3 (search) and 4 (footer). `path` is the app's (without the tenant prefix);
 * the menu's links are whole (withLang's, with it).
 */
export function Frame(props: {
  t: Translate;
  locale: string;
  locales: LocaleChoice[];
  path: string;
  siteName: string;
  /** The city's logo beside its name (issue 16), when it set one. */
  logoUrl?: string | null | undefined;
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
  const here = inBase(props.path.split("?")[0]!);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: one delegated handler for in-app links, which stay links.
    // biome-ignore lint/a11y/useKeyWithClickEvents: links already answer Enter; this only avoids a reload.
    <div class="frame" onClick={onLinkClick}>
      <ul class="skip-links" aria-label={t("ui.skip_links")}>
        {skips.map(([href, key, label]) => (
          <li key={key}>
            {/* biome-ignore lint/a11y/noAccessKey: e-MAG's convention: 1 content, 2 menu, 3 search, 4 footer. */}
            <a href={href} accessKey={key} onClick={skipTo}>
              {t(label)} [{key}]
            </a>
          </li>
        ))}
      </ul>
      <header class="site-header">
        <a class="brand" href={withLang("/", props.locale)} data-nav>
          {props.logoUrl ? <img class="brand-logo" src={props.logoUrl} alt="" height={32} /> : null}
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
                  aria-current={here === m.href.split("?")[0] ? "page" : undefined}
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
        <p>
          <a href={inBase("/codigo-fonte")}>{t("ui.source_code")}</a>
        </p>
      </footer>
    </div>
  );
}

/**
 * A skip link's target takes the focus itself, so the next key press starts there: a landmark that cannot be focused
 * (the search form) hands it to its first field, so "go to search" lands in the search box.
 */
function skipTo(event: MouseEvent): void {
  const id = (event.currentTarget as HTMLAnchorElement).hash.slice(1);
  const target = id ? document.getElementById(id) : null;
  if (!target) return;
  const focus =
    target.matches(FIELD) || target.hasAttribute("tabindex")
      ? target
      : target.querySelector<HTMLElement>(FIELD);
  if (!focus) return;
  event.preventDefault();
  focus.focus();
}

const FIELD = "input:not([type=hidden]), select, textarea, button, a[href]";

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

/** A field's problem as the error summary lists it: the field's id, its label and what is wrong. */
export interface FieldError {
  id: string;
  label: string;
  message: string;
}

/**
 * The list of a form's problems at its top (GOV.UK's error summary, WCAG 3.3.1): each names its field and links to
 * it; following a link puts the focus in the field.
 */
export function ErrorSummary(props: { title: string; errors: FieldError[] }) {
  if (props.errors.length === 0) return null;
  return (
    <div class="problem error-summary" role="alert" aria-labelledby="error-summary-title">
      <p id="error-summary-title">
        <strong>{props.title}</strong>
      </p>
      <ul>
        {props.errors.map((e) => (
          <li key={e.id}>
            <a href={`#${e.id}`} onClick={(event) => focusField(event, e.id)}>
              {e.label}: {e.message}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Moves the focus to a field by id (a link of the error summary), scrolled into the middle of the screen. */
export function focusField(event: Event | null, id: string): void {
  const field = document.getElementById(id);
  if (!field) return;
  event?.preventDefault();
  field.focus({ preventScroll: true });
  field.scrollIntoView({ block: "center" });
}

/** What `useListbox` hands to the text field, the list and each option. */
export interface Listbox {
  /** The option under the keyboard, or -1. */
  active: number;
  input: {
    role: "combobox";
    /** No HTML datalist: the list is ours (Preact's types ask a combobox input to say so). */
    list: undefined;
    "aria-autocomplete": "list";
    "aria-expanded": boolean;
    "aria-controls"?: string;
    "aria-activedescendant"?: string;
    onKeyDown: (e: KeyboardEvent) => void;
  };
  list: HTMLAttributes<HTMLUListElement>;
  option: (index: number) => HTMLAttributes<HTMLLIElement>;
}

/**
 * The ARIA combobox pattern (WAI-ARIA APG, list autocomplete) over a text field and its list of results: the focus
 * stays in the field while arrow keys move through the options (aria-activedescendant), Enter picks the active one
 * (or does `onEnter`, such as searching, when none is active), Escape closes the list. A click picks too, without
 * taking the focus out of the field.
 */
export function useListbox<T>(options: {
  id: string;
  items: readonly T[] | null;
  onPick: (item: T) => void;
  onClose: () => void;
  onEnter?: () => void;
}): Listbox {
  // The active option belongs to the list it was chosen in: a new list starts with none active. Kept with its list
  // rather than reset by an effect, which runs after paint and would undo an arrow key pressed in between.
  const [cursor, setCursor] = useState<{ items: readonly T[] | null; index: number }>({
    items: null,
    index: -1,
  });
  const active = cursor.items === options.items ? cursor.index : -1;
  const setActive = (next: (index: number) => number) =>
    setCursor((c) => ({ items: options.items, index: next(c.items === options.items ? c.index : -1) }));
  const items = options.items ?? [];
  const open = items.length > 0;
  const optionId = (i: number) => `${options.id}-${i}`;
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "ArrowDown" && open) {
      e.preventDefault();
      setActive((a) => (a + 1) % items.length);
    } else if (e.key === "ArrowUp" && open) {
      e.preventDefault();
      setActive((a) => (a <= 0 ? items.length - 1 : a - 1));
    } else if (e.key === "Enter") {
      const chosen = open && active >= 0 ? items[active] : undefined;
      if (chosen !== undefined) {
        e.preventDefault();
        options.onPick(chosen);
      } else if (options.onEnter) {
        e.preventDefault();
        options.onEnter();
      }
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      setActive(() => -1);
      options.onClose();
    }
  };
  return {
    active,
    input: {
      role: "combobox",
      list: undefined,
      "aria-autocomplete": "list",
      "aria-expanded": open,
      ...(open ? { "aria-controls": options.id } : {}),
      ...(open && active >= 0 ? { "aria-activedescendant": optionId(active) } : {}),
      onKeyDown,
    },
    list: { id: options.id, role: "listbox" },
    option: (i) => ({
      id: optionId(i),
      role: "option",
      "aria-selected": i === active,
      class: i === active ? "option active" : "option",
      // The field keeps the focus: a press on an option must not blur it before the click picks.
      onMouseDown: (e) => e.preventDefault(),
      onClick: () => {
        const item = items[i];
        if (item !== undefined) options.onPick(item);
      },
    }),
  };
}
