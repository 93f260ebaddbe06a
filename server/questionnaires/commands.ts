/**
 * Changes to questionnaires (issue 17): create one with its first draft, replace or start the draft, publish it
 * (retiring the version published before), retire and archive. Each is one transaction holding its audit entry; a
 * definition is stored only after the domain's parseDefinition accepted it, and published versions never change
 * (the database's trigger refuses it too).
 */
import {
  type DefinitionProblem,
  parseDefinition,
  type QuestionnaireDefinition,
} from "../../domain/questionnaire.ts";
import { type AuditActor, recordAudit } from "../audit/record.ts";
import type { Db } from "../db/index.ts";
import { isUniqueViolation, maybeOne, one, type Sql } from "../db/index.ts";
import { AppError, conflict, notFound } from "../errors.ts";
import { hasText } from "../i18n.ts";
import { findQuestionnaireByCode } from "./queries.ts";
import { type ImportFields, type LocalTextInput, QuestionnaireCode } from "./schemas.ts";
import { readXlsForm, type XlsFormNote } from "./xlsform.ts";

/** Where a version's questions came from. */
export type VersionSource = "editor" | "xlsform";

/** 422 invalid_questionnaire with one field error per problem (path under `definition`). */
export function invalidQuestionnaire(
  problems: readonly DefinitionProblem[],
  prefix = "definition",
): AppError {
  return new AppError(
    422,
    "invalid_questionnaire",
    { count: problems.length },
    problems.map((p) => ({
      field: `${prefix}.${p.path}`,
      code: p.code,
      key: `questionnaires.fields.${p.code}`,
    })),
  );
}

/** The definition checked by the domain, or 422 invalid_questionnaire naming every problem. */
export function checkedDefinition(input: unknown): QuestionnaireDefinition {
  const parsed = parseDefinition(input);
  if (!parsed.ok) throw invalidQuestionnaire(parsed.problems);
  return parsed.definition;
}

/** The subject of a questionnaire: one service or one service group, by code. */
export interface Subject {
  service?: string | undefined;
  serviceGroup?: string | undefined;
}

async function subjectIds(
  tx: Sql,
  subject: Subject,
): Promise<{ serviceId: number | null; groupId: number | null }> {
  if (subject.service !== undefined) {
    const row = await maybeOne<{ id: number }>(tx, "SELECT id FROM services WHERE code = $1", [
      subject.service,
    ]);
    if (!row)
      throw new AppError(422, "unknown_service", { code: subject.service }, [
        { field: "service", code: "unknown_service" },
      ]);
    return { serviceId: row.id, groupId: null };
  }
  const code = subject.serviceGroup ?? "";
  const row = await maybeOne<{ id: number }>(tx, "SELECT id FROM service_groups WHERE code = $1", [code]);
  if (!row)
    throw new AppError(422, "unknown_group", { code }, [{ field: "serviceGroup", code: "unknown_group" }]);
  return { serviceId: null, groupId: row.id };
}

/** A new questionnaire and its first version, a draft. */
export async function createQuestionnaire(
  db: Db,
  input: { code: string; title: LocalTextInput; definition: unknown } & Subject,
  actor: AuditActor,
  source: VersionSource = "editor",
): Promise<{ id: number; versionId: number }> {
  const definition = checkedDefinition(input.definition);
  return db.transaction(async (tx) => {
    const { serviceId, groupId } = await subjectIds(tx, input);
    let id: number;
    try {
      ({ id } = await one<{ id: number }>(
        tx,
        `INSERT INTO questionnaires (code, title, service_id, service_group_id) VALUES ($1, $2::jsonb, $3, $4)
         RETURNING id`,
        [input.code, JSON.stringify(input.title), serviceId, groupId],
      ));
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict("questionnaire_code_taken", { code: input.code });
      throw error;
    }
    const version = await one<{ id: number }>(
      tx,
      `INSERT INTO questionnaire_versions (questionnaire_id, version, definition, source, created_by)
       VALUES ($1, 1, $2::jsonb, $3, $4) RETURNING id`,
      [id, JSON.stringify(definition), source, actor.staffId],
    );
    await recordAudit(tx, actor, {
      action: "questionnaire.created",
      entityType: "questionnaire",
      entityId: id,
      after: { code: input.code, title: input.title, ...subjectOf(input), version: 1, source },
    });
    return { id, versionId: version.id };
  });
}

const subjectOf = (s: Subject) =>
  s.service !== undefined ? { service: s.service } : { serviceGroup: s.serviceGroup };

/** The questionnaire locked for a change: 404 when there is none, 409 when it is archived. */
async function lockQuestionnaire(tx: Sql, id: number) {
  const row = await maybeOne<{
    id: number;
    code: string;
    archived_at: Date | null;
    service_group_id: number | null;
  }>(tx, "SELECT id, code, archived_at, service_group_id FROM questionnaires WHERE id = $1 FOR UPDATE", [id]);
  if (!row) throw notFound(`/api/v1/questionnaires/${id}`);
  if (row.archived_at) throw conflict("questionnaire_archived", { code: row.code });
  return row;
}

/** Replaces the draft's questions (and the title), or starts a draft with the next version number. */
export async function saveDraft(
  db: Db,
  id: number,
  input: { definition: unknown; title?: LocalTextInput | undefined },
  actor: AuditActor,
  source: VersionSource = "editor",
): Promise<{ versionId: number; version: number }> {
  const definition = checkedDefinition(input.definition);
  return db.transaction(async (tx) => {
    await lockQuestionnaire(tx, id);
    const json = JSON.stringify(definition);
    const draft = await maybeOne<{ id: number; version: number }>(
      tx,
      `UPDATE questionnaire_versions SET definition = $2::jsonb, source = $3, created_by = $4
        WHERE questionnaire_id = $1 AND state = 'draft' RETURNING id, version`,
      [id, json, source, actor.staffId],
    );
    const saved =
      draft ??
      (await one<{ id: number; version: number }>(
        tx,
        `INSERT INTO questionnaire_versions (questionnaire_id, version, definition, source, created_by)
         SELECT $1, COALESCE(max(version), 0) + 1, $2::jsonb, $3, $4 FROM questionnaire_versions
          WHERE questionnaire_id = $1
         RETURNING id, version`,
        [id, json, source, actor.staffId],
      ));
    if (input.title) {
      await tx.query("UPDATE questionnaires SET title = $2::jsonb, updated_at = now() WHERE id = $1", [
        id,
        JSON.stringify(input.title),
      ]);
    }
    await recordAudit(tx, actor, {
      action: "questionnaire.draft_saved",
      entityType: "questionnaire",
      entityId: id,
      after: { version: saved.version, source, questions: definition.questions.length, title: input.title },
    });
    return { versionId: saved.id, version: saved.version };
  });
}

/**
 * Checks that every scored question measures a known service: in a questionnaire about a group, each names one of
 * the group's services (422 question_needs_service, service_not_in_group); elsewhere a named one must exist.
 */
async function checkServices(
  tx: Sql,
  definition: QuestionnaireDefinition,
  groupId: number | null,
): Promise<void> {
  const named = [...new Set(definition.questions.flatMap((q) => (q.service ? [q.service] : [])))];
  const rows = await tx.query<{ code: string; group_id: number }>(
    "SELECT code, group_id FROM services WHERE code = ANY($1::text[])",
    [named],
  );
  const groupOf = new Map(rows.map((r) => [r.code, r.group_id]));
  for (const [i, q] of definition.questions.entries()) {
    const field = `definition.questions.${i}.service`;
    if (groupId !== null && q.scoring !== undefined && q.service === undefined) {
      throw new AppError(422, "question_needs_service", { question: q.name }, [
        { field, code: "question_needs_service" },
      ]);
    }
    if (q.service === undefined) continue;
    const group = groupOf.get(q.service);
    if (group === undefined) {
      throw new AppError(422, "unknown_service", { code: q.service }, [{ field, code: "unknown_service" }]);
    }
    if (groupId !== null && group !== groupId) {
      throw new AppError(422, "service_not_in_group", { code: q.service }, [
        { field, code: "service_not_in_group" },
      ]);
    }
  }
}

/** Publishes the draft and retires the version published before it, together; answers keep their own version. */
export async function publishQuestionnaire(
  db: Db,
  id: number,
  actor: AuditActor,
): Promise<{ versionId: number }> {
  return db.transaction(async (tx) => {
    const questionnaire = await lockQuestionnaire(tx, id);
    const draft = await maybeOne<{ id: number; version: number; definition: unknown }>(
      tx,
      "SELECT id, version, definition FROM questionnaire_versions WHERE questionnaire_id = $1 AND state = 'draft'",
      [id],
    );
    if (!draft) throw conflict("no_draft", { code: questionnaire.code });
    await checkServices(tx, checkedDefinition(draft.definition), questionnaire.service_group_id);
    const retired = await tx.query<{ version: number }>(
      `UPDATE questionnaire_versions SET state = 'retired', retired_at = now()
        WHERE questionnaire_id = $1 AND state = 'published' RETURNING version`,
      [id],
    );
    await tx.query(
      "UPDATE questionnaire_versions SET state = 'published', published_at = now() WHERE id = $1",
      [draft.id],
    );
    await tx.query("UPDATE questionnaires SET updated_at = now() WHERE id = $1", [id]);
    await recordAudit(tx, actor, {
      action: "questionnaire.published",
      entityType: "questionnaire",
      entityId: id,
      before: retired[0] ? { published: retired[0].version } : undefined,
      after: { published: draft.version },
    });
    return { versionId: draft.id };
  });
}

/** Retires the published version: the questionnaire is no longer asked until a draft is published. */
export async function retireQuestionnaire(db: Db, id: number, actor: AuditActor): Promise<void> {
  await db.transaction(async (tx) => {
    const questionnaire = await lockQuestionnaire(tx, id);
    const retired = await tx.query<{ version: number }>(
      `UPDATE questionnaire_versions SET state = 'retired', retired_at = now()
        WHERE questionnaire_id = $1 AND state = 'published' RETURNING version`,
      [id],
    );
    if (!retired[0]) throw conflict("nothing_published", { code: questionnaire.code });
    await tx.query("UPDATE questionnaires SET updated_at = now() WHERE id = $1", [id]);
    await recordAudit(tx, actor, {
      action: "questionnaire.retired",
      entityType: "questionnaire",
      entityId: id,
      before: { published: retired[0].version },
    });
  });
}

/** Archives a questionnaire: no longer offered for new routes; its versions and answers stay as they are. */
export async function archiveQuestionnaire(db: Db, id: number, actor: AuditActor): Promise<void> {
  await db.transaction(async (tx) => {
    await lockQuestionnaire(tx, id);
    await tx.query("UPDATE questionnaires SET archived_at = now(), updated_at = now() WHERE id = $1", [id]);
    await recordAudit(tx, actor, {
      action: "questionnaire.archived",
      entityType: "questionnaire",
      entityId: id,
    });
  });
}

/** 422 invalid_xlsform: each problem a field error naming the sheet and row, with the text that was refused. */
function invalidXlsForm(problems: readonly XlsFormNote[]): AppError {
  return new AppError(
    422,
    "invalid_xlsform",
    { count: problems.length },
    problems.map((p) => ({
      field: ["file", p.sheet, p.row].filter((x) => x !== undefined).join("."),
      code: p.code,
      key: hasText(`questionnaires.xlsform.${p.code}`)
        ? `questionnaires.xlsform.${p.code}`
        : `questionnaires.fields.${p.code}`,
      params: { sheet: p.sheet ?? "", row: p.row ?? "", text: p.text },
    })),
  );
}

// An .xlsx is a ZIP archive (its content, not its name, decides).
const isZip = (content: Buffer) => content.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));

/**
 * Imports an XLSForm: a new questionnaire (its service or group given) or, when the code is in use, a new draft of
 * that questionnaire. Refused with every problem of the form (422 invalid_xlsform) and nothing stored.
 */
export async function importXlsForm(
  db: Db,
  content: Buffer,
  fields: ImportFields,
  actor: AuditActor,
): Promise<{ id: number; version: number; warnings: XlsFormNote[] }> {
  if (!isZip(content)) throw new AppError(415, "not_an_xlsx", {}, [{ field: "file", code: "not_an_xlsx" }]);
  const form = await readXlsForm(content);
  if (form.problems.length > 0 || !form.definition) throw invalidXlsForm(form.problems);
  const code = fields.code ?? form.formId?.toLowerCase();
  if (!code || !QuestionnaireCode.safeParse(code).success) {
    throw new AppError(422, "code_required", {}, [{ field: "code", code: "code_required" }]);
  }
  const title = form.title ?? { "pt-BR": code };
  const existing = await findQuestionnaireByCode(db, code);
  if (existing) {
    const given = fields.service ?? fields.serviceGroup;
    if (given !== undefined && given !== existing.subject_code) {
      form.warnings.push({ code: "subject_kept", text: existing.subject_code });
    }
    const saved = await saveDraft(
      db,
      existing.id,
      { definition: form.definition, title: clip(title) },
      actor,
      "xlsform",
    );
    return { id: existing.id, version: saved.version, warnings: form.warnings };
  }
  if ((fields.service === undefined) === (fields.serviceGroup === undefined)) {
    throw new AppError(422, "subject_required", {}, [{ field: "service", code: "subject_required" }]);
  }
  const made = await createQuestionnaire(
    db,
    {
      code,
      title: clip(title),
      definition: form.definition,
      service: fields.service,
      serviceGroup: fields.serviceGroup,
    },
    actor,
    "xlsform",
  );
  return { id: made.id, version: 1, warnings: form.warnings };
}

// A form title longer than a questionnaire's is cut rather than refused.
const clip = (t: LocalTextInput): LocalTextInput =>
  Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v?.slice(0, 200)])) as LocalTextInput;
