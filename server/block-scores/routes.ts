/**
 * HTTP routes of the block quality scores: the command centre map's layer, one block's evidence, the settings of
 * the method and a full refresh for managers, and the public score per district.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { auditActorOf } from "../audit/record.ts";
import { route, validate } from "../http/openapi.ts";
import { enqueue } from "../jobs/enqueue.ts";
import { presentBlockEvidence, presentDistricts, presentLayer, presentSettings } from "./present.ts";
import {
  MIN_PUBLIC_BLOCKS,
  readBlockEvidence,
  readDistrictsHeld,
  readLayer,
  resolveServices,
} from "./queries.ts";
import { loadScoreSettings, ScoreSettings, updateScoreSettings } from "./settings.ts";

const code = z.string().trim().min(1).max(100);

/** One service (`service`) or a service group (`group`), never both; neither: every service. */
const ServiceFilterQuery = z
  .object({
    /** A service's code: that service's scores. */
    service: code.optional(),
    /** A service group's code (a Tema or an Assunto): its services' scores, averaged per block. */
    group: code.optional(),
  })
  .strict()
  .refine((q) => q.service === undefined || q.group === undefined, {
    message: "service or group, not both",
    path: ["group"],
  });

const LayerQuery = z
  .object({
    /** The visible box: west,south,east,north in degrees. */
    bbox: z
      .string()
      .transform((s) => s.split(",").map(Number))
      .pipe(
        z
          .tuple([
            z.number().min(-180).max(180),
            z.number().min(-90).max(90),
            z.number().min(-180).max(180),
            z.number().min(-90).max(90),
          ])
          .refine(
            ([w, s, e, n]) => w < e && s < n,
            "west,south,east,north with west < east and south < north",
          ),
      ),
    service: code.optional(),
    group: code.optional(),
  })
  .strict()
  .refine((q) => q.service === undefined || q.group === undefined, {
    message: "service or group, not both",
    path: ["group"],
  });

const BlockParams = z.object({ blockId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

/** Registers the block score routes. */
export async function registerBlockScoreRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/block-scores",
      summary:
        "The scored blocks in a box as GeoJSON: per service, or the mean over services with the worst one (the map layer)",
      tag: "block-scores",
      action: "block_scores.read",
      query: LayerQuery,
      responses: { 422: { description: "bbox_too_large (zoom in), unknown_service, unknown_group" } },
    },
    async (req, reply) => {
      const q = validate(LayerQuery, req.query);
      const rows = await readLayer(db, q.bbox, await resolveServices(db, q));
      reply.header("cache-control", "private, no-store");
      return presentLayer(rows, q.service ?? null);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/block-scores/blocks/:blockId",
      summary: "One block's score per service, with its components and the evidence behind them",
      tag: "block-scores",
      action: "block_scores.read",
    },
    async (req, reply) => {
      const { blockId } = validate(BlockParams, req.params);
      const { windowDays } = await loadScoreSettings(db);
      reply.header("cache-control", "private, no-store");
      return presentBlockEvidence(await readBlockEvidence(db, blockId, windowDays), req.locale);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/block-scores/settings",
      summary: "The weights and decay of the score method (docs/quality-scores.md)",
      tag: "block-scores",
      action: "block_scores.read",
    },
    async () => presentSettings(await loadScoreSettings(db)),
  );

  route(
    app,
    {
      method: "PUT",
      path: "/api/v1/block-scores/settings",
      summary: "Change the weights and decay of the score method (audited); every score is then recomputed",
      tag: "block-scores",
      action: "block_scores.manage",
      body: ScoreSettings,
    },
    async (req) => {
      const input = validate(ScoreSettings, req.body);
      return presentSettings(await updateScoreSettings(db, auditActorOf(req), input));
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/block-scores/refresh",
      summary: "Recompute every block's scores now (a job; the hourly refresh does it anyway)",
      tag: "block-scores",
      action: "block_scores.manage",
      responses: { 202: { description: "Queued" } },
    },
    async (_req, reply) => {
      const id = await db.transaction((tx) =>
        enqueue(tx, "refresh-block-scores", { slot: new Date().toISOString() }),
      );
      return reply.status(202).send({ queued: true, job: id });
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/public/quality/districts",
      summary: `The quality score per district (mean of its scored blocks; shown from ${MIN_PUBLIC_BLOCKS} blocks)`,
      tag: "block-scores",
      action: "public",
      query: ServiceFilterQuery,
      responses: { 422: { description: "unknown_service, unknown_group" } },
    },
    async (req, reply) => {
      const q = validate(ServiceFilterQuery, req.query);
      const rows = await readDistrictsHeld(db, await resolveServices(db, q));
      reply.header("cache-control", "public, max-age=300");
      return presentDistricts(rows, MIN_PUBLIC_BLOCKS);
    },
  );
}
