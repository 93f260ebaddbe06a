/**
 * Routes of citizen auditors (issue 18): staff list, enrol on the phone, change and revoke; the signed-in citizen
 * reads, enrols or changes, and revokes their own enrolment on the portal.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { auditActorOf, recordAudit } from "../audit/record.ts";
import { citizenOf } from "../citizen-access/queries.ts";
import type { Sql } from "../db/index.ts";
import { attachmentHeaders } from "../demands/attachments.ts";
import { AppError, notFound } from "../errors.ts";
import { route, validate } from "../http/openapi.ts";
import { linkNext } from "../http/pagination.ts";
import { attachmentStoreOf } from "../storage/store.ts";
import { findAuditorCall, listAuditorCalls, planAuditorCall } from "./calls.ts";
import {
  enrolCaller,
  revokeAuditor,
  revokeAuditorOfCitizen,
  saveOwnEnrolment,
  updateAuditor,
} from "./commands.ts";
import { presentAuditor, presentAuditorCall, presentOwnAuditor } from "./present.ts";
import { findAuditor, findLiveAuditorOfCitizen, listAuditors } from "./queries.ts";
import { findListenableRecording, recordingKey, recordingsOfCalls } from "./recordings.ts";
import {
  AuditorListQuery,
  AuditorParams,
  CallPlanInput,
  CitizenAuditorInput,
  CitizenRevocationQuery,
  RevocationInput,
  StaffAuditorChange,
  StaffAuditorInput,
} from "./schemas.ts";

const PLACE_PROBLEMS = "point_outside_city, point_outside_blocks, address_not_found, auditor_place_required";
const WINDOW_PROBLEMS =
  "auditor_window_quiet_night, auditor_window_too_short, auditor_window_overlap, auditor_too_many_windows";

/** Registers the auditors' routes. */
export async function registerAuditorsRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;
  const tag = "auditors";
  const view = async (sql: Sql, id: number) => {
    const found = await findAuditor(sql, id);
    if (!found) throw notFound(`/api/v1/auditors/${id}`);
    return presentAuditor(found);
  };
  const signedIn = async (req: FastifyRequest) => {
    const who = await citizenOf(db, req);
    if (!who) throw new AppError(401, "citizen_not_signed_in");
    return who.citizenId;
  };

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/auditors",
      summary: "Citizen auditors, newest first, by state, district and block",
      tag,
      action: "auditors.read",
      query: AuditorListQuery,
      paginated: true,
      responses: { 200: { description: "A page of enrolments" } },
    },
    async (req, reply) => {
      const query = validate(AuditorListQuery, req.query);
      const page = await listAuditors(db, query);
      linkNext(req, reply, page.next);
      return page.rows.map(presentAuditor);
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/auditors",
      summary:
        "Enrol a caller as a citizen auditor on the phone, with the consent they gave the agent (consent channel phone)",
      tag,
      action: "auditors.manage",
      body: StaffAuditorInput,
      responses: {
        201: { description: "Enrolled" },
        404: { description: "not_found (the citizen)" },
        409: { description: "auditor_already_enrolled" },
        422: {
          description: `auditor_consent_required, auditor_consent_outdated, invalid_contact, ${PLACE_PROBLEMS}, ${WINDOW_PROBLEMS}`,
        },
      },
    },
    async (req, reply) => {
      const input = validate(StaffAuditorInput, req.body);
      const actor = auditActorOf(req);
      const body = await db.transaction(async (tx) => view(tx, await enrolCaller(tx, input, actor)));
      reply.header("location", `/api/v1/auditors/${body.id}`);
      return reply.status(201).send(body);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/auditors/:id",
      summary: "One citizen auditor's enrolment with its windows",
      tag,
      action: "auditors.read",
      responses: { 200: { description: "The enrolment" }, 404: { description: "not_found" } },
    },
    async (req) => view(db, validate(AuditorParams, req.params).id),
  );

  route(
    app,
    {
      method: "PUT",
      path: "/api/v1/auditors/:id",
      summary:
        "Change an enrolment as the person asked on the phone: windows, place, channel, limit, pause or resume; or mark it do-not-call",
      tag,
      action: "auditors.manage",
      body: StaffAuditorChange,
      responses: {
        200: { description: "The enrolment changed" },
        404: { description: "not_found" },
        409: { description: "auditor_revoked" },
        422: { description: `invalid_contact, ${PLACE_PROBLEMS}, ${WINDOW_PROBLEMS}` },
      },
    },
    async (req) => {
      const { id } = validate(AuditorParams, req.params);
      const change = validate(StaffAuditorChange, req.body);
      const actor = auditActorOf(req);
      return db.transaction(async (tx) => {
        await updateAuditor(tx, id, change, "phone", actor);
        return view(tx, id);
      });
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/auditors/:id/revoke",
      summary:
        "Revoke an enrolment at once (the person asked on the phone, or a decision of the city's): never called again",
      tag,
      action: "auditors.manage",
      body: RevocationInput,
      responses: { 200: { description: "The enrolment, revoked" }, 404: { description: "not_found" } },
    },
    async (req) => {
      const { id } = validate(AuditorParams, req.params);
      const input = validate(RevocationInput, req.body ?? {});
      const actor = auditActorOf(req);
      return db.transaction(async (tx) => {
        await revokeAuditor(tx, id, input.via, input.reason, actor);
        return view(tx, id);
      });
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/auditors/:id/calls",
      summary:
        "Call an auditor now or at a time (`at`), inside one of their windows: the questionnaire by keypad (docs/auditors.md)",
      tag,
      action: "auditors.manage",
      body: CallPlanInput,
      responses: {
        201: { description: "The call, planned: the worker places it" },
        404: { description: "not_found" },
        409: { description: "auditor_not_callable, auditor_call_open" },
        422: { description: "auditor_outside_window, auditor_questionnaire_not_voice" },
        503: { description: "telephony_not_configured" },
      },
    },
    async (req, reply) => {
      const { id } = validate(AuditorParams, req.params);
      const input = validate(CallPlanInput, req.body ?? {});
      if (!app.ctx.config.auditorCalls) throw new AppError(503, "telephony_not_configured");
      const actor = auditActorOf(req);
      const call = await db.transaction(async (tx) => {
        const callId = await planAuditorCall(tx, actor, id, {
          versionId: input.versionId,
          at: input.at === undefined ? undefined : new Date(input.at),
        });
        return (await findAuditorCall(tx, callId))!;
      });
      reply.status(201);
      return presentAuditorCall(call);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/auditors/:id/calls",
      summary: "An auditor's calls, newest first (the last 50): their tries and outcomes",
      tag,
      action: "auditors.read",
      responses: { 200: { description: "The calls" }, 404: { description: "not_found" } },
    },
    async (req) => {
      const { id } = validate(AuditorParams, req.params);
      if (!(await findAuditor(db, id))) throw notFound("auditor");
      const calls = await listAuditorCalls(db, id);
      const recordings = await recordingsOfCalls(
        db,
        calls.map((c) => Number(c.id)),
      );
      return {
        data: calls.map((c) =>
          presentAuditorCall(
            c,
            recordings.filter((r) => Number(r.auditor_call_id) === Number(c.id)),
          ),
        ),
      };
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/call-recordings/:id/audio",
      summary: "A call's recording (WAV), while it is kept; each listening is in the audit log",
      tag,
      action: "recordings.listen",
      produces: ["audio/wav"],
      responses: {
        200: { description: "The audio" },
        404: { description: "not_found (never stored, or expired)" },
      },
    },
    async (req, reply) => {
      const { id } = validate(AuditorParams, req.params);
      const recording = await findListenableRecording(db, id);
      if (!recording?.sha256) throw notFound("recording");
      await db.transaction((tx) =>
        recordAudit(tx, auditActorOf(req), {
          action: "recording.listened",
          entityType: "call_recording",
          entityId: id,
          after: {
            auditorCallId: recording.auditor_call_id === null ? null : Number(recording.auditor_call_id),
          },
        }),
      );
      const mediaType = recording.media_type ?? "audio/wav";
      const stored = await attachmentStoreOf(app.ctx.config).get(recordingKey(recording.sha256));
      return reply
        .type(mediaType)
        .headers({
          ...attachmentHeaders(mediaType, `gravacao-${id}`),
          ...(recording.size_bytes ? { "content-length": Number(recording.size_bytes) } : {}),
        })
        .send(stored.body);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/citizen/auditor",
      summary: "The signed-in citizen's own auditor enrolment (active or paused)",
      tag: "citizen",
      action: "citizen",
      responses: {
        200: { description: "The enrolment" },
        401: { description: "Not signed in" },
        404: { description: "Not enrolled" },
      },
    },
    async (req, reply) => {
      const citizenId = await signedIn(req);
      reply.header("cache-control", "private, no-store");
      const found = await findLiveAuditorOfCitizen(db, citizenId);
      if (!found) throw notFound("/api/v1/citizen/auditor");
      return presentOwnAuditor(found);
    },
  );

  route(
    app,
    {
      method: "PUT",
      path: "/api/v1/citizen/auditor",
      summary:
        "Enrol as a citizen auditor, or change one's enrolment; the body confirms consent (consent: true) to the text version shown",
      tag: "citizen",
      action: "citizen",
      body: CitizenAuditorInput,
      responses: {
        200: { description: "The enrolment" },
        401: { description: "Not signed in" },
        422: {
          description: `auditor_consent_required, auditor_consent_outdated, auditor_phone_not_proven, ${PLACE_PROBLEMS}, ${WINDOW_PROBLEMS}`,
        },
      },
    },
    async (req, reply) => {
      const citizenId = await signedIn(req);
      const input = validate(CitizenAuditorInput, req.body);
      reply.header("cache-control", "private, no-store");
      return db.transaction(async (tx) => {
        const id = await saveOwnEnrolment(tx, citizenId, input);
        return presentOwnAuditor((await findAuditor(tx, id))!);
      });
    },
  );

  route(
    app,
    {
      method: "DELETE",
      path: "/api/v1/citizen/auditor",
      summary: "Revoke one's auditor enrolment at once: no call is made from now on",
      tag: "citizen",
      action: "citizen",
      query: CitizenRevocationQuery,
      responses: {
        204: { description: "Revoked" },
        401: { description: "Not signed in" },
        404: { description: "Not enrolled" },
      },
    },
    async (req, reply) => {
      const citizenId = await signedIn(req);
      const { reason } = validate(CitizenRevocationQuery, req.query);
      const revoked = await db.transaction((tx) => revokeAuditorOfCitizen(tx, citizenId, "portal", reason));
      if (!revoked) throw notFound("/api/v1/citizen/auditor");
      return reply.status(204).send();
    },
  );
}
