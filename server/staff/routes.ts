/** HTTP routes of the staff concept: sign-in, sign-out, the signed-in profile, and account administration. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { CITY_ROLES } from "../../domain/staff-roles.ts";
import { beginSignIn, FLOW_MINUTES, SignInFailure, signInProviders } from "../access/oidc.ts";
import { auditActorOf } from "../audit/record.ts";
import { notFound } from "../errors.ts";
import { PERMISSIONS, staffOf, tokenOf } from "../http/auth.ts";
import { route, validate } from "../http/openapi.ts";
import { linkNext } from "../http/pagination.ts";
import { flowStateOf, queryOf, setFlowCookie } from "../http/sign-in-flow.ts";
import { STAFF_APPS } from "../http/web.ts";
import { tenantCookie } from "../tenants/http.ts";
import {
  createStaffUser,
  login,
  logout,
  SESSION_HOURS,
  signInWithCityProvider,
  updateStaffUser,
} from "./commands.ts";
import { presentStaff, type StaffRow } from "./present.ts";
import { findStaffById, listStaff } from "./queries.ts";
import {
  LoginInput,
  MeView,
  ProviderStartQuery,
  RoleView,
  SessionView,
  StaffInput,
  StaffListQuery,
  StaffParams,
  StaffPatch,
  StaffView,
} from "./schemas.ts";

const COOKIE = "responsiva_session";

/** Registers the staff routes. */
export async function registerStaffRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/auth/login",
      summary: "Sign in; returns a session token once and sets the session cookie",
      tag: "auth",
      action: "public",
      body: LoginInput,
      responses: { 200: { description: "Signed in", schema: SessionView } },
    },
    async (req, reply) => {
      const input = validate(LoginInput, req.body);
      const session = await login(db, { ...input, ip: req.ip });
      setSessionCookie(req, reply, session.token, SESSION_HOURS * 3600);
      return { token: session.token, expiresAt: session.expiresAt, staff: presentStaff(session.staff) };
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/auth/logout",
      summary: "Sign out: ends the session the request carries and clears the cookie",
      tag: "auth",
      action: "public",
      responses: { 204: { description: "Signed out (also when there was no session)" } },
    },
    async (req, reply) => {
      const token = tokenOf(req);
      if (token) await logout(db, token);
      setSessionCookie(req, reply, "", 0);
      reply.status(204);
    },
  );

  // A staff app's page once signed in through the city's provider, or with the reason it could not.
  const appPage = (base: string, locale: string, failure?: string) =>
    `${base}?lang=${locale}${failure ? `&sign_in_error=${failure}` : ""}`;

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/auth/oidc/start",
      summary:
        "Sign in through the city's own OpenID provider: redirects there (PKCE S256, state, nonce); 404 when none is configured",
      tag: "auth",
      action: "public",
      query: ProviderStartQuery,
      responses: {
        303: { description: "To the provider, or back to the app saying it cannot be reached" },
        404: { description: "No city provider is configured" },
      },
    },
    async (req, reply) => {
      const city = (await signInProviders(app.ctx)).city;
      if (!city) throw notFound("/api/v1/auth/oidc/start");
      const base = STAFF_APPS[validate(ProviderStartQuery, req.query).app].base;
      try {
        const { url, state } = await beginSignIn(db, city, req.locale, base);
        setFlowCookie(req, reply, state, FLOW_MINUTES * 60);
        return reply.header("cache-control", "no-store").redirect(url, 303);
      } catch (e) {
        if (!(e instanceof SignInFailure)) throw e;
        return reply.redirect(appPage(base, req.locale, e.code), 303);
      }
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/auth/oidc/callback",
      summary:
        "Where the city's provider sends staff back: the provider's verified e-mail must be an active account's (accounts are never created here); sets the session cookie and lands on the app",
      tag: "auth",
      action: "public",
      responses: {
        303: { description: "To the staff app, signed in, or with sign_in_error naming why not" },
        404: { description: "No city provider is configured" },
      },
    },
    async (req, reply) => {
      const city = (await signInProviders(app.ctx)).city;
      if (!city) throw notFound("/api/v1/auth/oidc/callback");
      reply.header("cache-control", "no-store");
      setFlowCookie(req, reply, "", 0);
      try {
        const done = await signInWithCityProvider(db, city, queryOf(req), flowStateOf(req));
        setSessionCookie(req, reply, done.token, SESSION_HOURS * 3600);
        return reply.redirect(appPage(done.returnTo ?? STAFF_APPS.console.base, done.locale), 303);
      } catch (e) {
        const base = STAFF_APPS.console.base;
        if (e instanceof SignInFailure)
          return reply.redirect(appPage(e.returnTo ?? base, e.locale ?? req.locale, e.code), 303);
        req.log.error(e, "sign-in through the city's provider failed");
        return reply.redirect(appPage(base, req.locale, "unavailable"), 303);
      }
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/auth/me",
      summary: "The signed-in staff member",
      tag: "auth",
      action: "session.read",
      responses: { 200: { description: "The account and the actions its role may take", schema: MeView } },
    },
    async (req) => {
      const me = presentStaff(await mustFind(staffOf(req).id));
      return { ...me, permissions: [...PERMISSIONS[me.role]] };
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/staff",
      summary: "List staff accounts",
      tag: "staff",
      action: "staff.read",
      query: StaffListQuery,
      paginated: true,
      responses: { 200: { description: "Accounts", schema: StaffView.array() } },
    },
    async (req, reply) => {
      const page = await listStaff(db, validate(StaffListQuery, req.query));
      linkNext(req, reply, page.next);
      return page.rows.map(presentStaff);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/roles",
      summary: "Every role a city grants with the actions of the permission table it holds",
      tag: "staff",
      action: "staff.read",
      responses: { 200: { description: "Roles", schema: RoleView.array() } },
    },
    // The platform operator's role is the install's, granted by the command line alone: not a city's to offer.
    async () => CITY_ROLES.map((role) => ({ role, actions: [...PERMISSIONS[role]] })),
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/staff",
      summary: "Create a staff account",
      tag: "staff",
      action: "staff.manage",
      body: StaffInput,
      responses: { 201: { description: "Created", schema: StaffView } },
    },
    async (req, reply) => {
      const input = validate(StaffInput, req.body);
      const id = await createStaffUser(db, input, auditActorOf(req));
      reply.status(201);
      return presentStaff(await mustFind(id));
    },
  );

  route(
    app,
    {
      method: "PATCH",
      path: "/api/v1/staff/:id",
      summary: "Change a staff account: role, department, active, name or a password reset",
      tag: "staff",
      action: "staff.manage",
      body: StaffPatch,
      responses: { 200: { description: "Changed", schema: StaffView } },
    },
    async (req) => {
      const { id } = validate(StaffParams, req.params);
      const changes = validate(StaffPatch, req.body ?? {});
      return presentStaff(await updateStaffUser(db, id, changes, auditActorOf(req)));
    },
  );

  async function mustFind(id: number): Promise<StaffRow> {
    const row = await findStaffById(db, id);
    if (!row) throw notFound(`/api/v1/staff/${id}`);
    return row;
  }
}

// HttpOnly keeps the token from scripts; SameSite=Lax from cross-site form posts (and edge.ts refuses cross-site
// changes from sibling hosts); Secure when served over HTTPS. Set through @fastify/cookie.
function setSessionCookie(
  req: FastifyRequest,
  reply: FastifyReply,
  token: string,
  maxAgeSeconds: number,
): void {
  const cookie = tenantCookie(req, COOKIE);
  reply.setCookie(cookie.name, token, {
    path: cookie.path,
    httpOnly: true,
    sameSite: "lax",
    maxAge: maxAgeSeconds,
    secure: req.protocol === "https",
  });
}
