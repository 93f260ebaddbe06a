/**
 * Recorded prompts' routes (./prompts.ts): the texts the lines say and which have the city's recording
 * (`GET /api/v1/ivr/prompts`), a WAV recorded for one (`PUT /api/v1/ivr/prompts/:key`, the file as the body) and
 * its removal (`DELETE`), for admins and managers (ivr.manage), audited; and the audio the provider fetches to play
 * (`GET /api/v1/telephony/prompts/:file`, public: the city's own words, named by the SHA-256 of their content).
 */
import { createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import wavefile from "wavefile";
import { z } from "zod";
import { type AuditActor, auditActorOf, recordAudit } from "../audit/record.ts";
import type { AppContext } from "../context.ts";
import { maybeOne } from "../db/index.ts";
import { attachmentHeaders, readAttachment } from "../demands/attachments.ts";
import { AppError, notFound } from "../errors.ts";
import { route, validate } from "../http/openapi.ts";
import { attachmentStoreOf } from "../storage/store.ts";
import { forgetRecordedPrompts, type PromptText, promptAudioPath, promptTexts } from "./prompts.ts";
import { loadIvrMenu } from "./queries.ts";

/** The longest recording taken (a greeting is seconds; a whole menu under a minute). */
export const MAX_PROMPT_SECONDS = 120;
const MAX_PROMPT_BYTES = 12 * 1024 * 1024;

const KeyParams = z.object({ key: z.string().regex(/^[0-9a-f]{64}$/) });
const FileParams = z.object({ file: z.string().regex(/^[0-9a-f]{64}\.wav$/) });

interface PromptRow {
  text_sha256: string;
  audio_sha256: string;
  duration_seconds: string | number;
  created_at: Date;
}

/** A WAV file the lines can play: its length in seconds, or the problem with it. */
function checkedWav(body: Buffer): number {
  let file: InstanceType<typeof wavefile.WaveFile>;
  try {
    file = new wavefile.WaveFile(body);
  } catch {
    throw new AppError(415, "voice_prompt_not_wav");
  }
  const fmt = file.fmt as { audioFormat: number; numChannels: number; sampleRate: number };
  const samples = (file.data as { samples: Uint8Array }).samples.length;
  const bytesPerSample = fmt.audioFormat === 1 ? Number(file.bitDepth) / 8 : 1;
  if (
    ![1, 6, 7].includes(fmt.audioFormat) ||
    fmt.sampleRate < 8000 ||
    fmt.sampleRate > 48000 ||
    samples === 0
  )
    throw new AppError(415, "voice_prompt_not_wav");
  const seconds = samples / bytesPerSample / fmt.numChannels / fmt.sampleRate;
  if (seconds > MAX_PROMPT_SECONDS)
    throw new AppError(422, "voice_prompt_too_long", { max: MAX_PROMPT_SECONDS });
  return Math.max(0.1, Math.round(seconds * 10) / 10);
}

/** The texts of the current menu with their recordings. */
async function listed(ctx: Pick<AppContext, "db">) {
  const texts = promptTexts(await loadIvrMenu(ctx.db));
  const rows = await ctx.db.query<PromptRow>(
    "SELECT text_sha256, audio_sha256, duration_seconds, created_at FROM voice_prompts",
  );
  const byKey = new Map(rows.map((r) => [r.text_sha256, r]));
  return texts.map((t) => {
    const r = byKey.get(t.key);
    return {
      ...t,
      recording: r
        ? {
            audioUrl: promptAudioPath(r.audio_sha256),
            durationSeconds: Number(r.duration_seconds),
            recordedAt: new Date(r.created_at).toISOString(),
          }
        : null,
    };
  });
}

async function record(ctx: AppContext, prompt: PromptText, body: Buffer, actor: AuditActor) {
  const seconds = checkedWav(body);
  const sha256 = createHash("sha256").update(body).digest("hex");
  // The file first, then the row that names it: a row never points at nothing.
  await attachmentStoreOf(ctx.config).put(
    `prompts/${sha256.slice(0, 2)}/${sha256}`,
    body,
    "audio/wav",
    sha256,
  );
  const created = await ctx.db.transaction(async (tx) => {
    const before = await maybeOne<PromptRow>(
      tx,
      "SELECT * FROM voice_prompts WHERE text_sha256 = $1 FOR UPDATE",
      [prompt.key],
    );
    await tx.query(
      `INSERT INTO voice_prompts (language, text, text_sha256, audio_sha256, media_type, size_bytes, duration_seconds,
                                  created_by)
       VALUES ($1, $2, $3, $4, 'audio/wav', $5, $6, $7)
       ON CONFLICT (tenant_id, text_sha256) DO UPDATE
         SET audio_sha256 = $4, size_bytes = $5, duration_seconds = $6, created_by = $7, created_at = now()`,
      [prompt.language, prompt.text, prompt.key, sha256, body.length, seconds, actor.staffId],
    );
    await recordAudit(tx, actor, {
      action: "voice_prompt.recorded",
      entityType: "voice_prompt",
      entityId: prompt.key,
      before: before ? { audioSha256: before.audio_sha256 } : null,
      after: { use: prompt.use, language: prompt.language, audioSha256: sha256, durationSeconds: seconds },
    });
    return !before;
  });
  forgetRecordedPrompts(ctx.db);
  return created;
}

export function registerPromptRoutes(app: FastifyInstance): void {
  const ctx = app.ctx;
  const tag = "telephony";
  route(
    app,
    {
      method: "GET",
      path: "/api/v1/ivr/prompts",
      summary:
        "The fixed texts the phone lines say, in each language, and the city's recording of each, if any",
      tag,
      action: "ivr.manage",
      responses: { 200: { description: "The texts with their recordings" } },
    },
    async () => listed(ctx),
  );

  const known = async (key: string) => {
    const prompt = promptTexts(await loadIvrMenu(ctx.db)).find((p) => p.key === key);
    if (!prompt) throw notFound(`/api/v1/ivr/prompts/${key}`);
    return prompt;
  };

  app.register(async (scope) => {
    // The body is the WAV file itself.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: MAX_PROMPT_BYTES }, (_req, body, done) =>
      done(null, body),
    );
    route(
      scope,
      {
        method: "PUT",
        path: "/api/v1/ivr/prompts/:key",
        summary:
          "Record the city's own voice for a text the lines say: the body is a WAV file (up to 2 minutes)",
        tag,
        action: "ivr.manage",
        bodyMediaTypes: ["audio/wav"],
        responses: {
          200: { description: "Replaced" },
          201: { description: "Recorded" },
          404: { description: "not_found (no such text now)" },
          415: { description: "voice_prompt_not_wav" },
          422: { description: "voice_prompt_too_long" },
        },
      },
      async (req, reply) => {
        const { key } = validate(KeyParams, req.params);
        const prompt = await known(key);
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const created = await record(ctx, prompt, body, auditActorOf(req));
        return reply.status(created ? 201 : 200).send((await listed(ctx)).find((p) => p.key === key));
      },
    );
  });

  route(
    app,
    {
      method: "DELETE",
      path: "/api/v1/ivr/prompts/:key",
      summary: "Remove the city's recording of a text: the line says it synthesised again",
      tag,
      action: "ivr.manage",
      responses: { 204: { description: "Removed" }, 404: { description: "not_found" } },
    },
    async (req, reply) => {
      const { key } = validate(KeyParams, req.params);
      const actor = auditActorOf(req);
      const removed = await ctx.db.transaction(async (tx) => {
        const [row] = await tx.query<PromptRow & { text: string; language: string }>(
          "DELETE FROM voice_prompts WHERE text_sha256 = $1 RETURNING *",
          [key],
        );
        if (!row) return false;
        await recordAudit(tx, actor, {
          action: "voice_prompt.removed",
          entityType: "voice_prompt",
          entityId: key,
          before: { language: row.language, audioSha256: row.audio_sha256 },
          after: null,
        });
        return true;
      });
      if (!removed) throw notFound(`/api/v1/ivr/prompts/${key}`);
      forgetRecordedPrompts(ctx.db);
      return reply.status(204).send();
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/telephony/prompts/:file",
      summary:
        "A recorded prompt's audio, as the telephony provider fetches it to play (WAV, named by its SHA-256)",
      tag,
      action: "public",
      cookies: false,
      produces: ["audio/wav"],
      responses: { 200: { description: "The WAV file" }, 404: { description: "not_found" } },
    },
    async (req, reply) => {
      const { file } = validate(FileParams, req.params);
      const sha256 = file.slice(0, 64);
      const row = await maybeOne<{ size_bytes: string }>(
        ctx.db,
        "SELECT size_bytes FROM voice_prompts WHERE audio_sha256 = $1 LIMIT 1",
        [sha256],
      );
      if (!row) throw notFound(promptAudioPath(sha256));
      const stored = await readAttachment(
        attachmentStoreOf(ctx.config),
        `prompts/${sha256.slice(0, 2)}/${sha256}`,
      );
      return reply
        .type("audio/wav")
        .headers({
          ...attachmentHeaders("audio/wav", sha256.slice(0, 16)),
          "content-length": Number(row.size_bytes),
          // Named by its content: it never changes.
          "cache-control": "public, max-age=86400, immutable",
        })
        .send(stored.body);
    },
  );
}
