/**
 * The inspector's tablet (issue 17): download the day, upload photos by their SHA-256, read one's own uploads back,
 * and sync a batch of what was done offline. The signed-in inspector only ever sees and writes their own.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { AppError, notFound } from "../errors.ts";
import { staffOf } from "../http/auth.ts";
import { route, validate } from "../http/openapi.ts";
import { cityToday, loadDay } from "./day.ts";
import { FIELD_UPLOAD_TYPES, sendFieldFile, uploadFieldFile } from "./files.ts";
import { acceptBatch, batchOutcome, QUEUED_RETRY_SECONDS, type SyncOutcome } from "./queue.ts";
import { BatchParams, DayQuery, SyncInput, UploadParams } from "./schemas.ts";

/** Answers a batch's outcome: 200 with its reply, or 202 with its receipt while a worker has yet to store it. */
function sendOutcome(reply: FastifyReply, outcome: SyncOutcome) {
  if ("reply" in outcome) return reply.send(outcome.reply);
  return reply
    .status(202)
    .header("location", `/api/v1/field/sync/${outcome.queued.batchId}`)
    .header("retry-after", String(QUEUED_RETRY_SECONDS))
    .send(outcome.queued);
}

/** Registers the tablet's routes; the upload's raw body is read in a scope of its own. */
export async function registerFieldRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;
  const tag = "field";

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/field/day",
      summary:
        "The signed-in inspector's day: routes and visits, the blocks' outlines, the questionnaires, the services",
      tag,
      action: "field.work",
      query: DayQuery,
      responses: { 200: { description: "Everything the tablet needs to work offline" } },
    },
    async (req) => {
      const query = validate(DayQuery, req.query);
      return loadDay(db, staffOf(req), query.day ?? (await cityToday(db)), req.locale);
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/field/sync",
      summary:
        "Sync a batch done offline: responses, demands, visits; exactly once per item, the same batch replayed",
      tag,
      action: "field.work",
      body: SyncInput,
      responses: {
        200: { description: "The outcome of each item, the files still missing, the routes' revisions" },
        202: { description: "Kept as sent under a surge: read the reply at the Location after Retry-After" },
        409: { description: "batch_of_another" },
      },
    },
    async (req, reply) =>
      sendOutcome(reply, await acceptBatch(app.ctx, staffOf(req), validate(SyncInput, req.body))),
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/field/sync/:batchId",
      summary: "A batch sent before: its reply once stored, or 202 while a worker has yet to store it",
      tag,
      action: "field.work",
      responses: {
        200: { description: "The batch's reply, as the sync answers it" },
        202: { description: "Still queued: ask again after Retry-After" },
        404: { description: "not_found" },
      },
    },
    async (req, reply) => {
      const { batchId } = validate(BatchParams, req.params);
      const staff = staffOf(req);
      const outcome = await batchOutcome(app.ctx, staff, batchId).catch((e: unknown) => {
        // Another inspector's batch is not theirs to read, nor to know of.
        if (e instanceof AppError && e.code === "batch_of_another") return undefined;
        throw e;
      });
      if (!outcome) throw notFound("field_sync");
      return sendOutcome(reply, outcome);
    },
  );

  route(
    app,
    {
      method: "GET",
      // Not /field/files/:sha256: its OpenAPI operationId would be that of /field-files/:sha256 (responses.read).
      path: "/api/v1/field/uploads/:sha256",
      summary: "A file the signed-in inspector uploaded, streamed with its media type",
      tag,
      action: "field.work",
      produces: ["image/jpeg", "image/png", "image/webp"],
      responses: { 200: { description: "The file" }, 404: { description: "not_found" } },
    },
    async (req, reply) => {
      const { sha256 } = validate(UploadParams, req.params);
      return sendFieldFile(app.ctx, reply, sha256, staffOf(req).id);
    },
  );

  await app.register(async (scope) => {
    // The upload's body is the file itself, whatever type it says: its real type is read from its content.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      "*",
      { parseAs: "buffer", bodyLimit: app.ctx.config.maxAttachmentBytes + 1 },
      (_req, body, done) => done(null, body),
    );
    route(
      scope,
      {
        method: "PUT",
        path: "/api/v1/field/files/:sha256",
        summary:
          "Upload a photo (or a recording) by the SHA-256 of its content, before the sync that names it",
        tag,
        action: "field.work",
        bodyMediaTypes: FIELD_UPLOAD_TYPES,
        responses: {
          200: { description: "Already stored" },
          201: { description: "Stored" },
          413: { description: "attachment_too_large" },
          415: { description: "attachment_type_not_allowed" },
          422: { description: "hash_mismatch" },
        },
      },
      async (req, reply) => {
        const { sha256 } = validate(UploadParams, req.params);
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const stored = await uploadFieldFile(app.ctx, staffOf(req), sha256, body);
        return reply.status(stored.created ? 201 : 200).send({ sha256, ...stored });
      },
    );
  });
}
