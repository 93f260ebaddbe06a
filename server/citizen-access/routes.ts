/** Routes of the optional citizen sign-in (a code by e-mail, SMS or WhatsApp) and the signed-in citizen's own demands. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { beginSignIn, FLOW_MINUTES, govbrLogoutUrl, SignInFailure, signInProviders } from "../access/oidc.ts";
import { withdrawConsent } from "../citizens/consent.ts";
import { WithdrawalView } from "../citizens/schemas.ts";
import { AppError, notFound } from "../errors.ts";
import { route, validate } from "../http/openapi.ts";
import { flowStateOf, queryOf, setFlowCookie } from "../http/sign-in-flow.ts";
import { tenantCookie } from "../tenants/http.ts";
import { endSession, requestCode, SESSION_DAYS, verifyCode } from "./commands.ts";
import { cpfLinkOffer, linkCpfRecords } from "./cpf-link.ts";
import { signInWithGovbr } from "./govbr.ts";
import { CITIZEN_COOKIE, citizenOf, citizenTokenOf, myDemands } from "./queries.ts";
import { CodeRequestInput, CodeVerifyInput, CpfLinkView, MyDemandsView, SignOutView } from "./schemas.ts";

// Set through @fastify/cookie: HttpOnly, SameSite=Lax, Secure over HTTPS (cross-site changes are refused in edge.ts).
function setCookie(req: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number): void {
  const cookie = tenantCookie(req, CITIZEN_COOKIE);
  reply.setCookie(cookie.name, token, {
    path: cookie.path,
    httpOnly: true,
    sameSite: "lax",
    maxAge: maxAgeSeconds,
    secure: req.protocol === "https",
  });
}

/** "My requests" in the person's language, with the reason a sign-in failed when it did. */
const minePage = (locale: string, failure?: string) =>
  `/minhas-solicitacoes?lang=${locale}${failure ? `&sign_in_error=${failure}` : ""}`;

export async function registerCitizenAccessRoutes(app: FastifyInstance): Promise<void> {
  const db = app.ctx.db;

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/citizen/sign-in",
      summary:
        "Ask for a sign-in code by e-mail, or by SMS or WhatsApp to a phone number (sent only to an address the city holds for a citizen; the answer is the same either way)",
      tag: "citizen",
      action: "public",
      body: CodeRequestInput,
      responses: { 202: { description: "If the address is known, a code is on its way" } },
    },
    async (req, reply: FastifyReply) => {
      const input = validate(CodeRequestInput, req.body);
      await requestCode(db, input, req.locale);
      return reply.status(202).send({ sent: true });
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/citizen/verify",
      summary:
        "Sign in with the code received (the same e-mail or phone number): opens a 30-day session in an HttpOnly cookie",
      tag: "citizen",
      action: "public",
      body: CodeVerifyInput,
      responses: { 200: { description: "Signed in" }, 400: { description: "sign_in_code_invalid" } },
    },
    async (req, reply) => {
      const input = validate(CodeVerifyInput, req.body);
      const { token } = await verifyCode(db, input, input.code, req.locale);
      setCookie(req, reply, token, SESSION_DAYS * 86400);
      return { signedIn: true };
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/citizen/sign-out",
      summary:
        "End the citizen's session; when gov.br opened it, answers gov.br's logout address for the browser to go to next, so the gov.br session ends too",
      tag: "citizen",
      action: "public",
      responses: { 200: { description: "Signed out", schema: SignOutView } },
    },
    async (req, reply): Promise<SignOutView> => {
      const token = citizenTokenOf(req);
      const provider = token ? await endSession(db, token) : null;
      setCookie(req, reply, "", 0);
      reply.header("cache-control", "no-store");
      const govbr = (await signInProviders(app.ctx)).govbr;
      return { signedOut: true, redirectTo: provider === "govbr" && govbr ? govbrLogoutUrl(govbr) : null };
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/citizen/demands",
      summary: "The signed-in citizen's demands and those they follow, newest first",
      tag: "citizen",
      action: "citizen",
      responses: {
        200: { description: "The list", schema: MyDemandsView },
        401: { description: "Not signed in" },
      },
    },
    async (req, reply) => {
      const who = await citizenOf(db, req);
      if (!who) throw new AppError(401, "citizen_not_signed_in");
      reply.header("cache-control", "private, no-store");
      const rows = await myDemands(db, who.citizenId, req.locale);
      return {
        email: who.email ?? "",
        phone: who.phone,
        signedInWith: who.provider,
        confidence: who.confidence,
        cpfLink: await cpfLinkOffer(db, who),
        demands: rows.map((r) => ({
          protocol: r.protocol,
          status: r.status,
          service: { code: r.service_code, name: r.service_name },
          openedAt: new Date(r.opened_at).toISOString(),
          dueAt: r.due_at ? new Date(r.due_at).toISOString() : null,
          district: r.district,
          relation: r.relation,
        })),
      };
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/citizen/consent/withdrawal",
      summary:
        "Withdraw one's consent (surveys and other optional contact stop; demands in progress are still answered)",
      tag: "citizen",
      action: "citizen",
      responses: {
        200: { description: "Recorded", schema: WithdrawalView },
        401: { description: "Not signed in" },
      },
    },
    async (req) => {
      const who = await citizenOf(db, req);
      if (!who) throw new AppError(401, "citizen_not_signed_in");
      return withdrawConsent(db, who.citizenId, "portal");
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/citizen/govbr/start",
      summary:
        "Sign in with gov.br: redirects to gov.br's authorization page (PKCE S256, state, nonce; scopes openid email profile govbr_confiabilidades); 404 when gov.br is not configured",
      tag: "citizen",
      action: "public",
      responses: {
        303: { description: "To gov.br, or back to “my requests” saying gov.br cannot be reached" },
        404: { description: "gov.br sign-in is not configured" },
      },
    },
    async (req, reply) => {
      const govbr = (await signInProviders(app.ctx)).govbr;
      if (!govbr) throw notFound("/api/v1/citizen/govbr/start");
      try {
        const { url, state } = await beginSignIn(db, govbr, req.locale);
        setFlowCookie(req, reply, state, FLOW_MINUTES * 60);
        return reply.header("cache-control", "no-store").redirect(url, 303);
      } catch (e) {
        if (!(e instanceof SignInFailure)) throw e;
        return reply.redirect(minePage(req.locale, e.code), 303);
      }
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/citizen/govbr/callback",
      summary:
        "Where gov.br sends the citizen back (code and state): opens a 30-day session with the account's confidence level and lands on “my requests”, or lands there with the reason it could not",
      tag: "citizen",
      action: "public",
      responses: {
        303: { description: "To “my requests”, signed in, or with sign_in_error naming why not" },
        404: { description: "gov.br sign-in is not configured" },
      },
    },
    async (req, reply) => {
      const govbr = (await signInProviders(app.ctx)).govbr;
      if (!govbr) throw notFound("/api/v1/citizen/govbr/callback");
      reply.header("cache-control", "no-store");
      // The flow is finished here whatever happens: its cookie goes.
      setFlowCookie(req, reply, "", 0);
      try {
        const { token, locale } = await signInWithGovbr(db, govbr, queryOf(req), flowStateOf(req));
        setCookie(req, reply, token, SESSION_DAYS * 86400);
        return reply.redirect(minePage(locale), 303);
      } catch (e) {
        if (e instanceof SignInFailure) return reply.redirect(minePage(e.locale ?? req.locale, e.code), 303);
        // Anything else (the database away): the person still lands on a page that says so, never on an error body.
        req.log.error(e, "gov.br sign-in failed");
        return reply.redirect(minePage(req.locale, "unavailable"), 303);
      }
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/citizen/govbr/cpf-link",
      summary:
        "Confirm that the demands filed earlier with the CPF gov.br vouched for are one's own: they join “my requests” (a gov.br session at the silver or gold level only)",
      tag: "citizen",
      action: "citizen",
      responses: {
        200: { description: "Linked", schema: CpfLinkView },
        401: { description: "Not signed in" },
        403: { description: "cpf_not_from_govbr, govbr_level_too_low" },
      },
    },
    async (req) => {
      const who = await citizenOf(db, req);
      if (!who) throw new AppError(401, "citizen_not_signed_in");
      return linkCpfRecords(db, who);
    },
  );
}
