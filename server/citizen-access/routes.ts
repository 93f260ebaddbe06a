/** Routes of the optional citizen sign-in (a code by e-mail, SMS or WhatsApp) and the signed-in citizen's own demands. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { withdrawConsent } from "../citizens/consent.ts";
import { WithdrawalView } from "../citizens/schemas.ts";
import { AppError } from "../errors.ts";
import { route, validate } from "../http/openapi.ts";
import { endSession, requestCode, SESSION_DAYS, verifyCode } from "./commands.ts";
import { CITIZEN_COOKIE, citizenOf, citizenTokenOf, myDemands } from "./queries.ts";
import { CodeRequestInput, CodeVerifyInput, MyDemandsView } from "./schemas.ts";

// Set through @fastify/cookie: HttpOnly, SameSite=Lax, Secure over HTTPS (cross-site changes are refused in edge.ts).
function setCookie(req: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number): void {
  reply.setCookie(CITIZEN_COOKIE, token, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    maxAge: maxAgeSeconds,
    secure: req.protocol === "https",
  });
}

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
      summary: "End the citizen's session",
      tag: "citizen",
      action: "public",
      responses: { 204: { description: "Signed out" } },
    },
    async (req, reply) => {
      const token = citizenTokenOf(req);
      if (token) await endSession(db, token);
      setCookie(req, reply, "", 0);
      return reply.status(204).send();
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
}
