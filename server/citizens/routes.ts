/** HTTP routes of the citizens concept: lookup for the agent's screen, and the LGPD export and erasure. */
import type { FastifyInstance } from "fastify";
import { auditActorOf } from "../audit/record.ts";
import { invalidInput, notFound } from "../errors.ts";
import { staffOf } from "../http/auth.ts";
import { route, validate } from "../http/openapi.ts";
import { linkNext } from "../http/pagination.ts";
import { eraseCitizen } from "./commands.ts";
import { citizenOfConsentToken, withdrawConsent } from "./consent.ts";
import { registerConsentPage } from "./consent-page.ts";
import { parseLookupContact } from "./contacts.ts";
import { presentCitizen } from "./present.ts";
import { exportCitizen, findCitizen, findCitizensByContact } from "./queries.ts";
import {
  CitizenLookupQuery,
  CitizenParams,
  CitizenView,
  ConsentLinkInput,
  ConsentWithdrawalInput,
  ErasureView,
  WithdrawalView,
} from "./schemas.ts";

/** Registers the citizens routes. */
export async function registerCitizensRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/citizens",
      summary: "Find the citizens holding a phone number or e-mail address",
      tag: "citizens",
      action: "citizens.read",
      query: CitizenLookupQuery,
      paginated: true,
      responses: {
        200: { description: "Matching citizens (usually zero or one)", schema: CitizenView.array() },
      },
    },
    async (req, reply) => {
      const query = validate(CitizenLookupQuery, req.query);
      const parsed = parseLookupContact(query.contact);
      if (!parsed) throw invalidInput([{ field: "contact", code: "invalid_contact" }]);
      const page = await findCitizensByContact(db, parsed, query);
      linkNext(req, reply, page.next);
      return page.rows.map(presentCitizen);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/citizens/:id",
      summary: "One citizen with contacts",
      tag: "citizens",
      action: "citizens.read",
      responses: { 200: { description: "The citizen", schema: CitizenView } },
    },
    async (req) => {
      const { id } = validate(CitizenParams, req.params);
      const citizen = await findCitizen(db, id);
      if (!citizen) throw notFound(`/api/v1/citizens/${id}`);
      return presentCitizen(citizen);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/citizens/:id/export",
      summary: "Everything held about a citizen, as JSON (LGPD art. 18 II and V)",
      tag: "citizens",
      action: "citizens.export",
    },
    async (req, reply) => {
      const { id } = validate(CitizenParams, req.params);
      const data = await exportCitizen(db, id);
      if (!data) throw notFound(`/api/v1/citizens/${id}`);
      reply.header("content-disposition", `attachment; filename="citizen-${id}.json"`);
      return data;
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/citizens/:id/erasure",
      summary: "Erase a citizen's personal data; their demands stay, unlinked (LGPD art. 18 VI)",
      tag: "citizens",
      action: "citizens.erase",
      responses: { 200: { description: "Erased", schema: ErasureView } },
    },
    async (req) => {
      const { id } = validate(CitizenParams, req.params);
      return eraseCitizen(db, id, staffOf(req));
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/citizens/:id/consent/withdrawal",
      summary: "Record a citizen's withdrawal of consent asked by phone, at a counter or by letter",
      tag: "citizens",
      action: "citizens.withdraw_consent",
      body: ConsentWithdrawalInput,
      responses: { 200: { description: "Recorded", schema: WithdrawalView } },
    },
    async (req) => {
      const { id } = validate(CitizenParams, req.params);
      const input = validate(ConsentWithdrawalInput, req.body);
      return withdrawConsent(db, id, input.channel, auditActorOf(req));
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/consent/withdrawal",
      summary:
        "Withdraw consent with the signed token of the one-click link in an e-mail (no sign-in needed)",
      tag: "citizens",
      action: "public",
      body: ConsentLinkInput,
      responses: {
        200: { description: "Recorded", schema: WithdrawalView },
        400: { description: "invalid_input (token: invalid_consent_link)" },
      },
    },
    async (req) => {
      const { token } = validate(ConsentLinkInput, req.body);
      return withdrawConsent(db, await citizenOfConsentToken(db, token), "email_link");
    },
  );

  await registerConsentPage(app);
}
