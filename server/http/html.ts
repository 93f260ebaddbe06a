/**
 * Server-rendered pages (the service charter, the consent page of e-mail links) share this frame, which is the
 * portal's: its stylesheet, header, language switch, menu and footer, so every citizen's page has one look
 * (decision 0030). Pages are plain semantic HTML that works without JavaScript on a cheap phone.
 */
import { createHash } from "node:crypto";
import { LOCALES, type Locale, translate } from "../i18n.ts";
import { portalStylesheets } from "./web.ts";

// What only server pages need beyond the portal's stylesheet (charter tables and service cards), inline and
// allowed by its hash; the look itself comes from the portal's stylesheet.
const PAGE_STYLE = `
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
article{border-top:1px solid #ccc;padding:.5rem 0}
article dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.5rem 0}
article dt{font-weight:600}article dd{margin:0}
main nav ul{display:flex;flex-wrap:wrap;gap:.5rem 1rem;list-style:none;padding:0}
`;

/**
 * The headers of a server-rendered page: a policy that runs no script, the portal's stylesheet and only the page's
 * own inline style (by its hash), no framing, no referrer (a page's address may hold a demand's secret), no content sniffing.
 */
export function pageHeaders(style: string = PAGE_STYLE): Record<string, string> {
  const hash = createHash("sha256").update(style).digest("base64");
  return {
    "content-security-policy": [
      "default-src 'none'",
      `style-src 'self' 'sha256-${hash}'`,
      "img-src 'self'",
      "form-action 'self'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join("; "),
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
  };
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** The portal's menu, as web/portal/main.tsx has it. */
const MENU = [
  ["/", "home"],
  ["/demanda", "follow"],
  ["/perto", "nearby"],
  ["/minhas-solicitacoes", "mine"],
  ["/transparencia", "transparency"],
] as const;

/**
 * The HTML document around a page's main content: the portal's frame (web/ui/components.tsx Frame) written as
 * HTML. `path` is the page's own address, kept (with its query) by the language switch.
 */
export function page(
  locale: Locale,
  title: string,
  main: string,
  path: string,
  style: string = PAGE_STYLE,
): string {
  const t = (key: string) => escapeHtml(translate(locale, `web.${key}`));
  const withLang = (href: string, l: string) => `${href}${href.includes("?") ? "&" : "?"}lang=${l}`;
  const switcher = LOCALES.map(
    (l) =>
      `<li>${
        l === locale
          ? `<strong aria-current="true" lang="${l}">${escapeHtml(translate(l, "pages.language_name"))}</strong>`
          : `<a href="${escapeHtml(withLang(path, l))}" lang="${l}" hreflang="${l}">${escapeHtml(translate(l, "pages.language_name"))}</a>`
      }</li>`,
  ).join("");
  const menu = MENU.map(
    ([href, key]) =>
      `<li><a class="menu-link" href="${withLang(href, locale)}"${path.split("?")[0] === href ? ' aria-current="page"' : ""}>${t(`portal.menu.${key}`)}</a></li>`,
  ).join("");
  const skips = [
    ["#main", "1", "ui.skip_to_content"],
    ["#menu", "2", "ui.skip_to_menu"],
    ["#footer", "4", "ui.skip_to_footer"],
  ]
    .map(([href, key, label]) => `<li><a href="${href}" accesskey="${key}">${t(label!)} [${key}]</a></li>`)
    .join("");
  const sheets = portalStylesheets()
    .map((href) => `<link rel="stylesheet" href="${escapeHtml(href)}">`)
    .join("\n");
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — ${t("portal.site_name")}</title>
<meta name="theme-color" content="#0b4ea2">
<link rel="icon" href="/icons/icon.svg" type="image/svg+xml">
${sheets}
<style>${style}</style>
</head>
<body>
<div class="frame">
<ul class="skip-links" aria-label="${t("ui.skip_links")}">${skips}</ul>
<header class="site-header">
<a class="brand" href="/?lang=${locale}">${t("portal.site_name")}</a>
<nav class="lang" aria-label="${t("ui.language")}"><ul>${switcher}</ul></nav>
<nav id="menu" aria-label="${t("ui.menu")}" tabindex="-1"><ul>${menu}</ul></nav>
</header>
<main id="main" tabindex="-1">
${main}
</main>
<footer id="footer" tabindex="-1">
<p>${t("ui.footer")}</p>
<p><a href="/carta-de-servicos?lang=${locale}">${t("ui.charter")}</a></p>
<p><a href="/codigo-fonte">${t("ui.source_code")}</a></p>
</footer>
</div>
</body>
</html>`;
}
