/**
 * The review of auditors' spoken answers (issue 18, docs/auditors.md "Voice answers"): the queue of recordings a
 * person listens to (oldest first), and the review that writes down what was said or discards it.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { auditActorOf } from "../audit/record.ts";
import { route, validate } from "../http/openapi.ts";
import { decodeCursor, linkNext, pageFields, pageOf } from "../http/pagination.ts";
import { pickLocalized } from "../i18n.ts";
import { AuditorParams } from "./schemas.ts";
import { listVoiceAnswers, reviewVoiceAnswer, type VoiceAnswerRow } from "./voice-answers.ts";

const VoiceAnswerQuery = z.object({
  /** Which answers: waiting for a person (the default), written down, accepted as audio, or discarded. */
  state: z.enum(["pending", "transcribed", "accepted", "discarded"]).default("pending"),
  ...pageFields(50, 200),
});

/** What a person heard: the words said (1–2,000 characters), or `discard: true` when nothing usable was said. */
const VoiceReviewInput = z.union([
  z.object({ transcript: z.string().trim().min(1).max(2000) }).strict(),
  z.object({ discard: z.literal(true) }).strict(),
]);

/** A voice answer as the review queue shows it: the question, the block, the audio's link, the review. */
function presentVoiceAnswer(row: VoiceAnswerRow, locale: Parameters<typeof pickLocalized>[1]) {
  const question = row.definition.questions?.find((q) => q.name === row.question);
  const title = row.questionnaire_title;
  return {
    id: Number(row.id),
    callId: Number(row.auditor_call_id),
    responseId: row.response_id === null ? null : Number(row.response_id),
    question: {
      name: row.question,
      label: question?.label ? pickLocalized(question.label, locale) : row.question,
    },
    questionnaire: typeof title === "string" ? title : pickLocalized(title, locale),
    block: row.sector === null ? null : { sector: row.sector, block: row.block },
    durationSeconds: row.duration_seconds,
    recordedAt: new Date(row.created_at).toISOString(),
    // The audio is heard through the audited recordings route, while it is kept.
    audio: row.state === "stored" ? `/api/v1/call-recordings/${row.id}/audio` : null,
    audioState: row.state,
    state: row.review_state,
    transcript: row.transcript,
    reviewedAt: row.reviewed_at === null ? null : new Date(row.reviewed_at).toISOString(),
    reviewedBy: row.reviewer_name,
  };
}

/** Registers the review routes. */
export async function registerVoiceAnswerRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;
  const tag = "auditors";

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/voice-answers",
      summary:
        "Auditors' spoken answers by review state, oldest first: the queue a person listens to and writes down",
      tag,
      action: "responses.read",
      query: VoiceAnswerQuery,
      paginated: true,
      responses: { 200: { description: "A page of voice answers" } },
    },
    async (req, reply) => {
      const query = validate(VoiceAnswerQuery, req.query);
      const after = decodeCursor(query.cursor, ["number"]);
      const rows = await listVoiceAnswers(db, {
        state: query.state,
        after: after ? Number(after[0]) : undefined,
        limit: query.limit + 1,
      });
      const page = pageOf(rows, query.limit, (r) => [Number(r.id)]);
      linkNext(req, reply, page.next);
      return page.rows.map((r) => presentVoiceAnswer(r, req.locale));
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/voice-answers/:id/review",
      summary:
        "Review a spoken answer: the words heard become the text question's answer, or it is discarded (audited)",
      tag,
      action: "responses.review",
      body: VoiceReviewInput,
      responses: {
        204: { description: "Reviewed; the answer is in the table of answers" },
        404: { description: "not_found" },
        409: { description: "voice_answer_reviewed, voice_answer_not_stored" },
      },
    },
    async (req, reply) => {
      const { id } = validate(AuditorParams, req.params);
      const input = validate(VoiceReviewInput, req.body ?? {});
      await db.transaction((tx) =>
        reviewVoiceAnswer(tx, auditActorOf(req), id, "discard" in input ? { discard: true } : input),
      );
      return reply.status(204).send();
    },
  );
}
