/**
 * The Carta de Serviços (Lei 13.460/2017, art. 7) as one server-rendered, accessible HTML page: every text from
 * locales/, service names in the reader's language where translated.
 */
import { LOCALES, type Locale, translate } from "../i18n.ts";
import type { CharterView, ServiceView } from "./schemas.ts";

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** The charter page in `locale`. */
export function renderCharterPage(charter: CharterView, locale: Locale): string {
  const t = (key: string, params: Record<string, string | number> = {}) =>
    escapeHtml(translate(locale, `catalogue.${key}`, params));
  const languages = LOCALES.map((l) =>
    l === locale
      ? `<li><span aria-current="page" lang="${l}">${escapeHtml(translate(l, "catalogue.charter.language_name"))}</span></li>`
      : `<li><a href="?lang=${l}" lang="${l}" hreflang="${l}">${escapeHtml(translate(l, "catalogue.charter.language_name"))}</a></li>`,
  ).join("");
  const contents = charter.groups
    .map((root) => `<li><a href="#${anchor(root.code)}">${escapeHtml(root.name)}</a></li>`)
    .join("");
  const sections = charter.groups
    .map(
      (root) => `
<section aria-labelledby="${anchor(root.code)}">
  <h2 id="${anchor(root.code)}">${escapeHtml(root.name)}</h2>
  ${root.groups
    .map(
      (group) => `
  <section aria-labelledby="${anchor(`${root.code}.${group.code}`)}">
    <h3 id="${anchor(`${root.code}.${group.code}`)}">${escapeHtml(group.name)}</h3>
    ${group.services.map((s) => renderService(s, t)).join("")}
  </section>`,
    )
    .join("")}
</section>`,
    )
    .join("");
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t("charter.title")}</title>
<style>
  body { font-family: system-ui, sans-serif; line-height: 1.5; max-width: 60rem; margin: 0 auto; padding: 1rem; }
  article { border-top: 1px solid #ccc; padding: .5rem 0; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: .5rem 0; }
  dt { font-weight: 600; }
  dd { margin: 0; }
  nav ul { display: flex; flex-wrap: wrap; gap: .5rem 1rem; list-style: none; padding: 0; }
  a:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
</style>
</head>
<body>
<a href="#content">${t("charter.skip")}</a>
<header>
  <nav aria-label="${t("charter.language")}"><ul>${languages}</ul></nav>
  <h1>${t("charter.title")}</h1>
  <p>${t("charter.intro")}</p>
</header>
<nav aria-label="${t("charter.contents")}"><ul>${contents}</ul></nav>
<main id="content">${sections}
</main>
</body>
</html>
`;
}

function renderService(
  service: ServiceView,
  t: (key: string, params?: Record<string, string | number>) => string,
): string {
  const channels = service.channels.map((c) => t(`channels.${c}`)).join(", ");
  return `
    <article id="${anchor(service.code)}">
      <h4>${escapeHtml(service.name)}</h4>
      <dl>
        <dt>${t("charter.demand_type")}</dt><dd>${t(`demand_types.${service.demandType}`)}</dd>
        <dt>${t("charter.deadline")}</dt><dd>${t(`deadline_units.${service.deadline.unit}`, { amount: service.deadline.amount })}</dd>
        <dt>${t("charter.requirements")}</dt><dd>${escapeHtml(service.requirements)}</dd>
        <dt>${t("charter.channels")}</dt><dd>${channels}</dd>
        <dt>${t("charter.code")}</dt><dd><code>${escapeHtml(service.code)}</code></dd>
      </dl>
    </article>`;
}

function anchor(code: string): string {
  return `g-${code.replace(/[^A-Za-z0-9_-]/g, "-")}`;
}
