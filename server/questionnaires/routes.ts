/**
 * The questionnaires' admin API (issue 17): list, create, edit the draft, publish, retire and archive, read a
 * version, and import an XLSForm (.xlsx) as a new questionnaire or a new draft of one with the same code.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { auditActorOf } from "../audit/record.ts";
import { AppError, notFound } from "../errors.ts";
import { guardedParts, partBytes } from "../http/input-guard.ts";
import { route, validate } from "../http/openapi.ts";
import {
  archiveQuestionnaire,
  createQuestionnaire,
  importXlsForm,
  publishQuestionnaire,
  retireQuestionnaire,
  saveDraft,
} from "./commands.ts";
import { presentQuestionnaire, presentQuestionnaireDetail, presentVersion } from "./present.ts";
import { findQuestionnaire, findVersionByNumber, listQuestionnaires, listVersions } from "./queries.ts";
import {
  DraftInput,
  ImportFields,
  ImportView,
  QuestionnaireDetailView,
  QuestionnaireInput,
  QuestionnaireParams,
  QuestionnaireView,
  VersionParams,
  VersionView,
} from "./schemas.ts";
import { MAX_XLSFORM_BYTES } from "./xlsform.ts";

/** Reads the import's multipart body: the .xlsx `file` and the text fields. */
async function readImport(req: FastifyRequest): Promise<{ content: Buffer; fields: Record<string, string> }> {
  if (!req.isMultipart()) throw new AppError(400, "file_required", {}, [{ field: "file", code: "required" }]);
  const fields: Record<string, string> = {};
  let content: Buffer | undefined;
  for await (const part of guardedParts(req, { fileSize: MAX_XLSFORM_BYTES, files: 1, fields: 3 })) {
    if (part.type === "file") {
      if (part.fieldname === "file") content = await partBytes(part, "file", MAX_XLSFORM_BYTES);
      else await part.toBuffer();
    } else if (typeof part.value === "string") {
      fields[part.fieldname] = part.value;
    }
  }
  if (!content) throw new AppError(400, "file_required", {}, [{ field: "file", code: "required" }]);
  return { content, fields };
}

/** Registers the questionnaires' admin routes. */
export async function registerQuestionnairesRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;
  const idOf = (req: FastifyRequest) => validate(QuestionnaireParams, req.params).id;
  const detail = async (id: number) => {
    const row = await findQuestionnaire(db, id);
    if (!row) throw notFound(`/api/v1/questionnaires/${id}`);
    return presentQuestionnaireDetail(row, await listVersions(db, id));
  };
  const tag = "questionnaires";
  const detailAnswer = {
    description: "The questionnaire with its versions",
    schema: QuestionnaireDetailView,
  };

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/questionnaires",
      summary: "Every questionnaire: its subject, published and draft versions",
      tag,
      action: "questionnaires.read",
      responses: {
        200: {
          description: "Questionnaires by code",
          schema: z.object({ items: QuestionnaireView.array() }),
        },
      },
    },
    async () => ({ items: (await listQuestionnaires(db)).map(presentQuestionnaire) }),
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/questionnaires",
      summary: "Create a questionnaire about a service or a service group; its first version is a draft",
      tag,
      action: "questionnaires.manage",
      body: QuestionnaireInput,
      responses: {
        201: detailAnswer,
        409: { description: "questionnaire_code_taken" },
        422: { description: "invalid_questionnaire, unknown_service, unknown_group" },
      },
    },
    async (req, reply) => {
      const input = validate(QuestionnaireInput, req.body);
      const { id } = await createQuestionnaire(db, input, auditActorOf(req));
      return reply.status(201).send(await detail(id));
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/questionnaires/import",
      summary:
        "Import an XLSForm (.xlsx, the subset in docs/questionnaires.md) as multipart/form-data: `file`, and " +
        "`service` or `serviceGroup` and `code` (else the form's form_id); a code in use gets a new draft",
      tag,
      action: "questionnaires.manage",
      bodyMediaTypes: ["multipart/form-data"],
      responses: {
        201: { description: "The questionnaire, its draft and the warnings", schema: ImportView },
        413: { description: "attachment_too_large" },
        415: { description: "not_an_xlsx" },
        422: { description: "invalid_xlsform, invalid_questionnaire, code_required, subject_required" },
      },
    },
    async (req, reply) => {
      const { content, fields } = await readImport(req);
      const input = validate(ImportFields, fields);
      const made = await importXlsForm(db, content, input, auditActorOf(req));
      const version = await findVersionByNumber(db, made.id, made.version);
      if (!version) throw notFound(`/api/v1/questionnaires/${made.id}`);
      return reply.status(201).send({
        questionnaire: await detail(made.id),
        version: presentVersion(version),
        warnings: made.warnings,
      });
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/questionnaires/:id",
      summary: "A questionnaire with its versions, newest first",
      tag,
      action: "questionnaires.read",
      responses: { 200: detailAnswer, 404: { description: "not_found" } },
    },
    async (req) => detail(idOf(req)),
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/questionnaires/:id/versions/:version",
      summary: "One version of a questionnaire with its questions",
      tag,
      action: "questionnaires.read",
      responses: {
        200: { description: "The version", schema: VersionView },
        404: { description: "not_found" },
      },
    },
    async (req) => {
      const { id, version } = validate(VersionParams, req.params);
      const row = await findVersionByNumber(db, id, version);
      if (!row) throw notFound(`/api/v1/questionnaires/${id}/versions/${version}`);
      return presentVersion(row);
    },
  );

  route(
    app,
    {
      method: "PUT",
      path: "/api/v1/questionnaires/:id/draft",
      summary: "Replace the draft's questions (and title), or start a draft with the next version number",
      tag,
      action: "questionnaires.manage",
      body: DraftInput,
      responses: {
        200: detailAnswer,
        404: { description: "not_found" },
        409: { description: "questionnaire_archived" },
        422: { description: "invalid_questionnaire" },
      },
    },
    async (req) => {
      const id = idOf(req);
      await saveDraft(db, id, validate(DraftInput, req.body), auditActorOf(req));
      return detail(id);
    },
  );

  const change = (
    path: string,
    summary: string,
    refusals: Record<number, { description: string }>,
    run: (id: number, req: FastifyRequest) => Promise<unknown>,
  ) =>
    route(
      app,
      {
        method: "POST",
        path: `/api/v1/questionnaires/:id/${path}`,
        summary,
        tag,
        action: "questionnaires.manage",
        responses: {
          200: detailAnswer,
          404: { description: "not_found" },
          ...refusals,
        },
      },
      async (req) => {
        const id = idOf(req);
        await run(id, req);
        return detail(id);
      },
    );
  change(
    "publish",
    "Publish the draft; the version published before is retired",
    {
      409: { description: "no_draft, questionnaire_archived" },
      422: { description: "question_needs_service, unknown_service, service_not_in_group" },
    },
    (id, req) => publishQuestionnaire(db, id, auditActorOf(req)),
  );
  change(
    "retire",
    "Retire the published version: the questionnaire is not asked until a draft is published",
    { 409: { description: "nothing_published, questionnaire_archived" } },
    (id, req) => retireQuestionnaire(db, id, auditActorOf(req)),
  );
  change(
    "archive",
    "Archive the questionnaire: no longer offered for new routes; its versions and answers stay",
    { 409: { description: "questionnaire_archived" } },
    (id, req) => archiveQuestionnaire(db, id, auditActorOf(req)),
  );
}
