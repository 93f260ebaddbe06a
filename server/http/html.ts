/**
 * Server-rendered pages share this frame: escaping, the document shell with its language, and the language switch.
 * Pages are plain semantic HTML that works without JavaScript on a cheap phone.
 */
import { createHash } from "node:crypto";
import { LOCALES, type Locale, translate } from "../i18n.ts";

// The one style of page(), inline so a page is one request on a slow phone; the policy allows it by its hash.
const PAGE_STYLE = `
body{font-family:system-ui,sans-serif;margin:0;line-height:1.5;color:#1b1b1b;background:#fff}
header,main,footer{max-width:60rem;margin:0 auto;padding:1rem}
header{border-bottom:1px solid #ccc}
a{color:#0b4ea2}
a:focus,button:focus,input:focus{outline:3px solid #f5a623;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
.problem{border-left:4px solid #b00020;padding:.5rem 1rem;background:#fdecee}
input,button{font-size:1rem;padding:.5rem}
article{border-top:1px solid #ccc;padding:.5rem 0}
article dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.5rem 0}
dt{font-weight:600}dd{margin:0}
nav ul{display:flex;flex-wrap:wrap;gap:.5rem 1rem;list-style:none;padding:0}
`;

/**
 * The headers of a server-rendered page: a policy that runs no script and only the page's own inline style (by its
 * hash), no framing, no referrer (a page's address may hold a demand's secret), no content sniffing.
 */
export function pageHeaders(style: string = PAGE_STYLE): Record<string, string> {
  const hash = createHash("sha256").update(style).digest("base64");
  return {
    "content-security-policy": [
      "default-src 'none'",
      `style-src 'sha256-${hash}'`,
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

/** The HTML document around a page's main content. */
export function page(locale: Locale, title: string, main: string, path: string): string {
  const t = (key: string) => escapeHtml(translate(locale, key));
  const switcher = LOCALES.map((l) =>
    l === locale
      ? `<strong aria-current="true">${escapeHtml(translate(l, "pages.language_name"))}</strong>`
      : `<a href="${escapeHtml(path)}${path.includes("?") ? "&amp;" : "?"}lang=${l}" lang="${l}" hreflang="${l}">${escapeHtml(translate(l, "pages.language_name"))}</a>`,
  ).join(" · ");
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — ${t("pages.site_name")}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<a class="skip" href="#main">${t("pages.skip_to_content")}</a>
<header><strong>${t("pages.site_name")}</strong> <nav aria-label="${t("pages.language")}">${switcher}</nav></header>
<main id="main">
${main}
</main>
<footer><a href="/carta-de-servicos?lang=${locale}">${t("pages.charter_link")}</a> · <a href="/acompanhar?lang=${locale}">${t("pages.track_link")}</a></footer>
</body>
</html>`;
}
