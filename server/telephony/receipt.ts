/**
 * The counter receipt: a small HTML document, laid out for an 80 mm receipt printer or an A4 page, with the protocol
 * number (also grouped for reading), the service, the date, the deadline with its due date and what happens next,
 * the tracking address and, when the agent prints it
 * right after intake, the citizen's secret that unlocks the full view.
 */
import { escapeHtml } from "../http/html.ts";
import { type Locale, pickLocalized, translate } from "../i18n.ts";
import { readBack } from "./present.ts";
import type { ReceiptRow } from "./queries.ts";

/** The receipt's inline style, allowed by its hash in the page's policy (pageHeaders). */
export const RECEIPT_STYLE = `
body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:24rem;line-height:1.4;color:#000;background:#fff}
h1{font-size:1.1rem;margin:0 0 .5rem}
h2{font-size:1rem;margin:.75rem 0 .25rem}
.protocol{font-size:1.6rem;font-weight:700;letter-spacing:.05em;margin:.25rem 0;font-variant-numeric:tabular-nums}
dl{margin:.5rem 0}dt{font-weight:600;margin-top:.5rem}dd{margin:0;word-break:break-all}
.secret{font-size:1.1rem}
footer{margin-top:1rem;border-top:1px dashed #000;padding-top:.5rem;font-size:.85rem}
@page{size:80mm auto;margin:4mm}
@media print{body{margin:0;max-width:none;font-size:10pt}.protocol{font-size:16pt}a{color:#000;text-decoration:none}}
`;

/** The receipt document of one demand. */
export function receiptPage(options: {
  demand: ReceiptRow;
  locale: Locale;
  publicUrl: string;
  secret: string | undefined;
  timeZone: string;
  /** The deadline in words and its due date ("20 dias úteis", "12 de março de 2026"): what happens next. */
  deadline: { deadline: string; dueDate: string };
}): string {
  const { demand, locale, publicUrl, secret } = options;
  const t = (key: string, params: Record<string, string | number> = {}) =>
    escapeHtml(translate(locale, key, params));
  const trackUrl = `${publicUrl}/acompanhar?protocolo=${encodeURIComponent(demand.protocol)}`;
  const opened = demand.opened_at.toLocaleString(locale, { timeZone: options.timeZone });
  const secretBlock = secret
    ? `<dt>${t("pages.receipt.secret")}</dt><dd><code class="secret">${escapeHtml(secret)}</code><br><small>${t("pages.receipt.secret_hint")}</small></dd>`
    : "";
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t("pages.receipt.title")} ${escapeHtml(demand.protocol)} — ${t("pages.site_name")}</title>
<style>${RECEIPT_STYLE}</style>
</head>
<body>
<main>
<h1>${t("pages.site_name")} — ${t("pages.receipt.title")}</h1>
<p>${t("pages.receipt.protocol")}</p>
<p class="protocol" aria-label="${t("pages.receipt.protocol")} ${escapeHtml(demand.protocol)}">${escapeHtml(readBack(demand.protocol).grouped)}</p>
<dl>
<dt>${t("pages.receipt.service")}</dt><dd>${escapeHtml(pickLocalized(demand.service_name, locale))}</dd>
<dt>${t("pages.receipt.opened_at")}</dt><dd><time datetime="${demand.opened_at.toISOString()}">${escapeHtml(opened)}</time></dd>
<dt>${t("pages.receipt.deadline")}</dt><dd data-testid="receipt-deadline">${t("pages.receipt.deadline_value", options.deadline)}</dd>
<dt>${t("pages.receipt.track")}</dt><dd><a href="${escapeHtml(trackUrl)}">${escapeHtml(trackUrl)}</a></dd>
${secretBlock}
</dl>
<h2>${t("pages.receipt.next_title")}</h2>
<p data-testid="receipt-next">${t("pages.receipt.next", options.deadline)}</p>
<footer>${t("pages.receipt.footer")}</footer>
</main>
</body>
</html>`;
}
