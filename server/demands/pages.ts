/** The public page where anyone follows a demand by its protocol number, without an account. */
import type { FastifyInstance } from "fastify";
import { parseProtocol } from "../../domain/protocol.ts";
import { escapeHtml, page, pageHeaders } from "../http/html.ts";
import { type Locale, pickLocalized, translate } from "../i18n.ts";
import { findDemandByProtocol, listEvents } from "./queries.ts";

function trackForm(locale: Locale, value: string): string {
  const t = (key: string) => escapeHtml(translate(locale, key));
  return `<form method="get" action="/acompanhar">
<input type="hidden" name="lang" value="${locale}">
<label for="protocolo">${t("pages.track.label")}</label><br>
<input id="protocolo" name="protocolo" inputmode="numeric" autocomplete="off" value="${escapeHtml(value)}" aria-describedby="protocolo-hint">
<button type="submit">${t("pages.track.submit")}</button>
<p id="protocolo-hint">${t("pages.track.hint")}</p>
</form>`;
}

/** Registers GET /acompanhar. */
export function registerTrackPage(app: FastifyInstance): void {
  app.get("/acompanhar", async (req, reply) => {
    const locale = req.locale;
    const t = (key: string, params: Record<string, string | number> = {}) =>
      escapeHtml(translate(locale, key, params));
    const typed = String((req.query as { protocolo?: string }).protocolo ?? "").trim();
    let result = "";
    let status = 200;
    if (typed) {
      const parsed = parseProtocol(typed);
      if (!parsed.ok) {
        status = 400;
        const key = parsed.problem === "bad_check_digit" ? "bad_check_digit" : "bad_protocol_format";
        result = `<div class="problem" role="alert"><p><strong>${t(`problems.${key}.title`)}</strong></p><p>${t(`problems.${key}.detail`)}</p></div>`;
      } else {
        const demand = await findDemandByProtocol(app.ctx.db, parsed.protocol);
        if (!demand) {
          status = 404;
          result = `<div class="problem" role="alert"><p>${t("problems.unknown_protocol.detail", { protocol: parsed.protocol })}</p></div>`;
        } else {
          const events = await listEvents(app.ctx.db, demand.id, false);
          const when = (d: Date) => d.toLocaleString(locale, { timeZone: "America/Sao_Paulo" });
          result = `<section aria-labelledby="demand-title">
<h2 id="demand-title">${t("pages.track.protocol")} ${escapeHtml(demand.protocol)}</h2>
<dl>
<dt>${t("pages.track.service")}</dt><dd>${escapeHtml(pickLocalized(demand.service_name, locale))}</dd>
<dt>${t("pages.track.status")}</dt><dd data-status="${escapeHtml(demand.status)}">${t(`status.${demand.status}`)}</dd>
<dt>${t("pages.track.opened_at")}</dt><dd>${escapeHtml(when(demand.opened_at))}</dd>
${demand.district_name ? `<dt>${t("pages.track.district")}</dt><dd>${escapeHtml(demand.district_name)}</dd>` : ""}
${demand.department_name ? `<dt>${t("pages.track.department")}</dt><dd>${escapeHtml(demand.department_name)}</dd>` : ""}
</dl>
<h3>${t("pages.track.timeline")}</h3>
<ol>${events.map((e) => `<li><time datetime="${e.at.toISOString()}">${escapeHtml(when(e.at))}</time> — ${t(`events.${e.type}`)}</li>`).join("")}</ol>
</section>`;
        }
      }
    }
    const main = `<h1>${t("pages.track.title")}</h1>${trackForm(locale, typed)}${result}`;
    return reply
      .status(status)
      .type("text/html; charset=utf-8")
      .headers(pageHeaders())
      .send(page(locale, translate(locale, "pages.track.title"), main, "/acompanhar"));
  });
}
