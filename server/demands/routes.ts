/** HTTP routes of demands: intake from any client, and the public and full views by protocol number. */
import { createHash } from "node:crypto";
import multipart from "@fastify/multipart";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { findServiceByCodeCached } from "../catalogue/queries.ts";
import { citizenOf, citizenOwnsDemand } from "../citizen-access/queries.ts";
import { AppError, invalidJson, unprocessable } from "../errors.ts";
import { can, isDepartmentScoped, loadStaff, requireStaff } from "../http/auth.ts";
import { guardedParts, partBytes, refuseUnstorable } from "../http/input-guard.ts";
import { route, validate } from "../http/openapi.ts";
import { linkNext } from "../http/pagination.ts";
import { loadKnownPerson } from "../public-data/known.ts";
import { findCitizenChoices } from "../satisfaction/queries.ts";
import { attachmentStoreOf } from "../storage/store.ts";
import { protocolParam, secretMatches } from "./access.ts";
import {
  attachmentHeaders,
  type CheckedAttachment,
  checkAttachment,
  MAX_ATTACHMENTS,
  PHOTO_FIELD,
  PHOTO_MEDIA_TYPES,
  readAttachment,
  storeAttachment,
} from "./attachments.ts";
import { type Actor, createDemand, type Idempotency } from "./commands.ts";
import { expectedDeadline } from "./deadline.ts";
import { registerTrackPage } from "./pages.ts";
import { presentFullDemand, presentPublicDemand } from "./present.ts";
import { findDemandByProtocol, findDemandCitizen, listAttachments, listEvents } from "./queries.ts";
import { DemandInput, DemandViewQuery } from "./schemas.ts";
import { DemandListItem, DemandListQuery, presentDemandListItem, searchDemands } from "./search.ts";

const Created = z.object({
  protocol: z.string(),
  secret: z.string(),
  status: z.string(),
  service: z.string(),
  district: z.string().nullable(),
  openedAt: z.string(),
  attachments: z.number(),
  /** The demand's deadline (the service's, or the ombudsman law's 30 days), told before the clock starts. */
  deadline: z.object({
    amount: z.number(),
    unit: z.enum(["business_hours", "business_days", "calendar_days"]),
  }),
  /** When the answer is due, counted on the city's calendar from the opening. */
  dueAt: z.string(),
});

/** Reads a JSON or multipart intake body: the demand fields, and the files checked by their content. */
async function readIntake(
  req: FastifyRequest,
  maxBytes: number,
): Promise<{ raw: unknown; files: CheckedAttachment[] }> {
  if (!req.isMultipart()) return { raw: req.body, files: [] };
  let raw: unknown;
  const files: CheckedAttachment[] = [];
  for await (const part of guardedParts(req, { fileSize: maxBytes, files: MAX_ATTACHMENTS, fields: 4 })) {
    if (part.type === "file") {
      const field = `attachments[${files.length}]`;
      const content = await partBytes(part, field, maxBytes);
      // Files sent as photos (the portal's field) must be photos; other fields may carry documents too.
      const allowed = part.fieldname === PHOTO_FIELD ? PHOTO_MEDIA_TYPES : undefined;
      files.push(await checkAttachment(content, part.filename, field, maxBytes, allowed));
    } else if (part.fieldname === "demand") {
      try {
        raw = JSON.parse(String(part.value));
      } catch {
        throw invalidJson();
      }
      refuseUnstorable(raw);
    }
  }
  return { raw: raw ?? {}, files };
}

function idempotencyOf(
  req: FastifyRequest,
  raw: unknown,
  files: CheckedAttachment[],
): Idempotency | undefined {
  const key = req.headers["idempotency-key"];
  if (key === undefined) return undefined;
  if (typeof key !== "string" || !/^[\x21-\x7e]{1,255}$/.test(key.replace(/^"|"$/g, ""))) {
    throw new AppError(400, "invalid_idempotency_key", {}, [
      { field: "Idempotency-Key", code: "invalid_format" },
    ]);
  }
  const fingerprint = createHash("sha256")
    .update(JSON.stringify(raw))
    .update(files.map((f) => f.sha256).join(","))
    .digest("hex");
  return { key: key.replace(/^"|"$/g, ""), fingerprint };
}

/** Registers the demands routes. */
export async function registerDemandsRoutes(app: FastifyInstance): Promise<void> {
  await app.register(multipart, { throwFileSizeLimit: true });
  const { db, config } = app.ctx;

  // The demand a request names, and who is reading it: the citizen holding its secret, staff who may read it
  // (department roles only their own department's), or anyone.
  async function readerOf(req: FastifyRequest) {
    const protocol = protocolParam(req);
    const query = validate(DemandViewQuery, req.query);
    const demand = await findDemandByProtocol(db, protocol);
    if (!demand) throw new AppError(404, "unknown_protocol", { protocol });
    const staff = await loadStaff(req);
    const secret = query.secret ?? (req.headers["x-demand-secret"] as string | undefined);
    const staffMayRead =
      staff !== undefined &&
      can(staff.role, "demands.read") &&
      (!isDepartmentScoped(staff) || staff.departmentId === demand.department_id);
    // The citizen: the secret their device keeps, or signed in as the person who filed (or follows) the demand.
    const isCitizen =
      secretMatches(secret, demand.secret_hash) || (await citizenOwnsDemand(db, req, demand.id));
    return { demand, staff, staffMayRead, isCitizen, secret };
  }
  const attachmentStore = attachmentStoreOf(config);
  registerTrackPage(app);

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/demands",
      summary:
        "Demands for staff, newest first, or searched in full text with `q` (best first); department roles see only their department's",
      tag: "demands",
      action: "demands.read",
      query: DemandListQuery,
      paginated: true,
      responses: { 200: { description: "A page of demands", schema: DemandListItem.array() } },
    },
    async (req, reply) => {
      const staff = await requireStaff(req);
      const query = validate(DemandListQuery, req.query);
      const scope = isDepartmentScoped(staff) ? (staff.departmentId ?? -1) : null;
      const page = await searchDemands(db, query, scope);
      linkNext(req, reply, page.next);
      return page.rows.map((row) => presentDemandListItem(row, req.locale));
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/demands",
      summary: "File a demand (JSON, or multipart/form-data with a `demand` JSON field and photo files)",
      tag: "demands",
      action: "public",
      body: DemandInput,
      bodyMediaTypes: ["multipart/form-data"],
      responses: {
        201: { description: "Created: the protocol number and the citizen's secret", schema: Created },
      },
    },
    async (req, reply) => {
      const { raw, files } = await readIntake(req, config.maxAttachmentBytes);
      const input = validate(DemandInput, raw);
      const staff = await loadStaff(req);
      // A signed-in citizen files onto their own record (decision 0019); anyone else onto a new one.
      const actor: Actor = staff
        ? { kind: "staff", id: staff.id }
        : { kind: "citizen", citizenId: (await citizenOf(db, req))?.citizenId };
      // Citizens' own clients say web or app; other channels reach intake through staff or channel adapters.
      const channel = input.channel ?? (staff ? "phone" : "web");
      if (!staff && channel !== "web" && channel !== "app")
        throw unprocessable("channel_not_allowed", "channel");
      // Demands from the field arrive only through the inspector's sync (server/field/), which vouches for them.
      if (channel === "field") throw unprocessable("channel_not_allowed", "channel");
      const idempotency = idempotencyOf(req, raw, files);
      const stored = [];
      for (const file of files)
        stored.push({ stored: file, key: await storeAttachment(attachmentStore, file) });
      const result = await createDemand(db, actor, { ...input, channel }, stored, idempotency);
      if (result.replayed) reply.header("idempotent-replayed", "true");
      reply.header("location", `/api/v1/demands/${result.body.protocol}`);
      // What happens next, said at once: the deadline and its date, as the demand's clock will count them.
      const service = await findServiceByCodeCached(db, String(result.body.service));
      const expected = service
        ? await expectedDeadline(db, service, new Date(String(result.body.openedAt)))
        : undefined;
      return reply.status(result.status).send({
        ...result.body,
        ...(expected ? { deadline: expected.deadline, dueAt: expected.dueAt.toISOString() } : {}),
      });
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/demands/:protocol",
      summary: "A demand by protocol: the public view, or the full view with the secret or a staff session",
      tag: "demands",
      action: "public",
      query: DemandViewQuery,
    },
    async (req) => {
      const { demand, staff, staffMayRead, isCitizen, secret } = await readerOf(req);
      if (secret && !isCitizen && !staffMayRead) throw new AppError(403, "wrong_secret");
      if (!isCitizen && !staffMayRead) {
        const [events, known] = await Promise.all([
          listEvents(db, demand.id, false),
          loadKnownPerson(db, demand.id),
        ]);
        return presentPublicDemand(demand, events, req.locale, known);
      }
      const internal = staffMayRead;
      const [events, attachments, citizen] = await Promise.all([
        listEvents(db, demand.id, internal),
        listAttachments(db, demand.id, internal),
        demand.citizen_id ? findDemandCitizen(db, demand.citizen_id) : Promise.resolve(undefined),
      ]);
      const staffSeesIdentity =
        staff !== undefined && staffMayRead && can(staff.role, "demands.read_identity");
      if (staffSeesIdentity && demand.identity_mode === "confidential" && demand.citizen_id !== null) {
        // Who looked at a confidential identity is itself recorded (LGPD accountability).
        await db.query(
          `INSERT INTO demand_events (demand_id, type, actor_kind, actor_id, visibility)
           VALUES ($1, 'demand.identity_viewed', 'staff', $2, 'internal')`,
          [demand.id, staff.id],
        );
      }
      return presentFullDemand(
        demand,
        events,
        attachments,
        citizen,
        {
          kind: staffMayRead ? "staff" : "citizen",
          canSeeConfidentialIdentity:
            isCitizen || (staff !== undefined && can(staff.role, "demands.read_identity")),
        },
        req.locale,
        // The citizen's page offers rating and reopening only to the citizen (decision 0030).
        isCitizen && !staffMayRead ? await findCitizenChoices(db, demand.id) : undefined,
      );
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/demands/:protocol/attachments/:id",
      summary: "One attachment's file, for the citizen with the secret or staff",
      tag: "demands",
      action: "public",
      query: DemandViewQuery,
    },
    async (req, reply) => {
      const { demand, staffMayRead, isCitizen } = await readerOf(req);
      if (!isCitizen && !staffMayRead) throw new AppError(403, "wrong_secret");
      const id = Number((req.params as { id: string }).id);
      const attachment = (await listAttachments(db, demand.id, staffMayRead)).find((a) => a.id === id);
      if (!attachment) throw new AppError(404, "unknown_attachment");
      const file = await readAttachment(attachmentStore, attachment.storage_key);
      return reply
        .type(attachment.media_type)
        .headers(attachmentHeaders(attachment.media_type, `${demand.protocol}-${attachment.id}`))
        .header("content-length", file.sizeBytes ?? attachment.size_bytes)
        .send(file.body);
    },
  );
}
