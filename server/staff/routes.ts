/** HTTP routes of the staff concept: sign-in, sign-out, the signed-in profile, and account administration. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { auditActorOf } from "../audit/record.ts";
import { notFound } from "../errors.ts";
import { PERMISSIONS, STAFF_ROLES, staffOf, tokenOf } from "../http/auth.ts";
import { route, validate } from "../http/openapi.ts";
import { linkNext } from "../http/pagination.ts";
import { createStaffUser, login, logout, SESSION_HOURS, updateStaffUser } from "./commands.ts";
import { presentStaff, type StaffRow } from "./present.ts";
import { findStaffById, listStaff } from "./queries.ts";
import {
  LoginInput,
  MeView,
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
      summary: "Every staff role with the actions of the permission table it holds",
      tag: "staff",
      action: "staff.read",
      responses: { 200: { description: "Roles", schema: RoleView.array() } },
    },
    async () => STAFF_ROLES.map((role) => ({ role, actions: [...PERMISSIONS[role]] })),
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
  reply.setCookie(COOKIE, token, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    maxAge: maxAgeSeconds,
    secure: req.protocol === "https",
  });
}
