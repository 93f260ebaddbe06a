/**
 * The page behind the one-click link in e-mails: GET shows what withdrawing does and a button (so a mail scanner
 * that follows links withdraws nothing); POST records the withdrawal. A mail client's RFC 8058 one-click POST
 * (`List-Unsubscribe=One-Click`, the token in the address) lands on the same POST.
 */
import formbody from "@fastify/formbody";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../errors.ts";
import { escapeHtml, page, pageHeaders } from "../http/html.ts";
import { type Locale, translate } from "../i18n.ts";
import { citizenOfConsentToken, withdrawConsent } from "./consent.ts";

const PATH = "/consentimento/retirar";

function tokenOf(req: FastifyRequest): string {
  const fromBody = (req.body as { token?: unknown } | undefined)?.token;
  const fromQuery = (req.query as { token?: unknown }).token;
  const token = typeof fromBody === "string" ? fromBody : fromQuery;
  return typeof token === "string" ? token.trim().slice(0, 100) : "";
}

// `path` is what the language switch links to: the link itself (with its token) while it waits for the button.
function send(reply: FastifyReply, locale: Locale, status: number, main: string, path = PATH) {
  return reply
    .status(status)
    .type("text/html; charset=utf-8")
    .headers(pageHeaders())
    .send(page(locale, translate(locale, "pages.consent.title"), main, path));
}

// The answer to a link that is wrong, expired or no longer anyone's: the same for GET and POST, saying nothing more.
function sendInvalid(reply: FastifyReply, locale: Locale) {
  const t = (key: string) => escapeHtml(translate(locale, key));
  return send(
    reply,
    locale,
    400,
    `<h1>${t("pages.consent.title")}</h1><p role="alert">${t("pages.consent.invalid")}</p>`,
  );
}

/** Registers GET and POST /consentimento/retirar. */
export async function registerConsentPage(app: FastifyInstance): Promise<void> {
  const db = app.ctx.db;
  await app.register(async (scope) => {
    if (!scope.hasContentTypeParser("application/x-www-form-urlencoded")) await scope.register(formbody);

    scope.get(PATH, async (req, reply) => {
      const locale = req.locale;
      const t = (key: string) => escapeHtml(translate(locale, key));
      const token = tokenOf(req);
      try {
        await citizenOfConsentToken(db, token);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return sendInvalid(reply, locale);
      }
      return send(
        reply,
        locale,
        200,
        `<h1>${t("pages.consent.title")}</h1>
<p>${t("pages.consent.explain")}</p>
<p>${t("pages.consent.kept")}</p>
<form method="post" action="${PATH}?lang=${locale}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">${t("pages.consent.submit")}</button>
</form>`,
        `${PATH}?token=${encodeURIComponent(token)}`,
      );
    });

    scope.post(PATH, async (req, reply) => {
      const locale = req.locale;
      const t = (key: string) => escapeHtml(translate(locale, key));
      try {
        // An erased person has nothing left to withdraw: the link is no longer valid (404 inside).
        await withdrawConsent(db, await citizenOfConsentToken(db, tokenOf(req)), "email_link");
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return sendInvalid(reply, locale);
      }
      return send(
        reply,
        locale,
        200,
        `<h1>${t("pages.consent.title")}</h1><p role="status">${t("pages.consent.done")}</p><p>${t("pages.consent.kept")}</p>`,
      );
    });
  });
}
