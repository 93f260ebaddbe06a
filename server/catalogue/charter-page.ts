/**
 * The Carta de Serviços (Lei 13.460/2017, art. 7) as one server-rendered, accessible HTML page: every text from
 * locales/, service names in the reader's language where translated.
 */
import { escapeHtml, page } from "../http/html.ts";
import { type Locale, translate } from "../i18n.ts";
import type { CharterView, ServiceView } from "./schemas.ts";

/** The charter page in `locale`. */
export function renderCharterPage(charter: CharterView, locale: Locale): string {
  const t = (key: string, params: Record<string, string | number> = {}) =>
    escapeHtml(translate(locale, `catalogue.${key}`, params));
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
  // The shared page frame (server/http/html.ts) gives the language switch, skip link and styles.
  const main = `<h1>${t("charter.title")}</h1>
<p>${t("charter.intro")}</p>
<nav aria-label="${t("charter.contents")}"><ul>${contents}</ul></nav>
${sections}`;
  return page(locale, translate(locale, "catalogue.charter.title"), main, "/carta-de-servicos");
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
