/** The JSON shapes of questionnaires and their versions that leave the server (issue 17). */
import type { QuestionnaireDefinition } from "../../domain/questionnaire.ts";
import type { QuestionnaireRow, VersionRow } from "./queries.ts";

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/** A questionnaire as listed: its subject, its published and draft versions and whether it is archived. */
export function presentQuestionnaire(row: QuestionnaireRow) {
  return {
    id: row.id,
    code: row.code,
    title: row.title,
    subject: {
      kind: row.service_id !== null ? ("service" as const) : ("group" as const),
      code: row.subject_code,
      name: row.subject_name,
    },
    published:
      row.published_id !== null && row.published_version !== null
        ? {
            id: row.published_id,
            version: row.published_version,
            publishedAt: iso(row.published_at) as string,
          }
        : null,
    draft:
      row.draft_id !== null && row.draft_version !== null
        ? { id: row.draft_id, version: row.draft_version }
        : null,
    archived: row.archived_at !== null,
  };
}

/** A version as listed under its questionnaire. */
export function presentVersionSummary(row: VersionRow) {
  return {
    id: row.id,
    version: row.version,
    state: row.state,
    source: row.source,
    createdAt: iso(row.created_at) as string,
    publishedAt: iso(row.published_at),
    retiredAt: iso(row.retired_at),
  };
}

/** A questionnaire with its versions, newest first. */
export function presentQuestionnaireDetail(row: QuestionnaireRow, versions: VersionRow[]) {
  return { ...presentQuestionnaire(row), versions: versions.map(presentVersionSummary) };
}

/** One version with its questions. */
export function presentVersion(row: VersionRow & { definition: QuestionnaireDefinition }) {
  return {
    id: row.id,
    version: row.version,
    state: row.state,
    definition: row.definition,
    source: row.source,
    publishedAt: iso(row.published_at),
    retiredAt: iso(row.retired_at),
  };
}
