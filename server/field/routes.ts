/**
 * The inspector's tablet (issue 17): download the day, upload photos by their SHA-256, read one's own uploads back,
 * and sync a batch of what was done offline. The signed-in inspector only ever sees and writes their own.
 */
import type { FastifyInstance } from "fastify";
import { staffOf } from "../http/auth.ts";
import { route, validate } from "../http/openapi.ts";
import { cityToday, loadDay } from "./day.ts";
import { FIELD_UPLOAD_TYPES, sendFieldFile, uploadFieldFile } from "./files.ts";
import { DayQuery, SyncInput, UploadParams } from "./schemas.ts";
import { syncBatch } from "./sync.ts";

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
        409: { description: "batch_of_another" },
      },
    },
    async (req) => syncBatch(app.ctx, staffOf(req), validate(SyncInput, req.body)),
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
