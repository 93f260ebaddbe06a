/**
 * Reads of questionnaires and their versions (issue 17): the admin list, one questionnaire with its versions, and
 * `findVersion`, which the tablet's download, the sync and the scores use to read the questions a response was
 * given on.
 */
import type { LocalText, QuestionnaireDefinition } from "../../domain/questionnaire.ts";
import { maybeOne, type Sql } from "../db/index.ts";

/** A questionnaire row with its subject and its current published and draft versions. */
export interface QuestionnaireRow {
  id: number;
  code: string;
  title: LocalText;
  archived_at: Date | null;
  service_id: number | null;
  service_group_id: number | null;
  subject_code: string;
  subject_name: LocalText;
  published_id: number | null;
  published_version: number | null;
  published_at: Date | null;
  draft_id: number | null;
  draft_version: number | null;
}

/** A version row without its questions. */
export interface VersionRow {
  id: number;
  questionnaire_id: number;
  version: number;
  state: "draft" | "published" | "retired";
  source: "editor" | "xlsform";
  created_at: Date;
  published_at: Date | null;
  retired_at: Date | null;
}

const QUESTIONNAIRES = `
  SELECT q.id, q.code, q.title, q.archived_at, q.service_id, q.service_group_id,
         COALESCE(s.code, g.code) AS subject_code, COALESCE(s.name, g.name) AS subject_name,
         p.id AS published_id, p.version AS published_version, p.published_at,
         d.id AS draft_id, d.version AS draft_version
    FROM questionnaires q
    LEFT JOIN services s ON s.id = q.service_id
    LEFT JOIN service_groups g ON g.id = q.service_group_id
    LEFT JOIN questionnaire_versions p ON p.questionnaire_id = q.id AND p.state = 'published'
    LEFT JOIN questionnaire_versions d ON d.questionnaire_id = q.id AND d.state = 'draft'`;

/** Every questionnaire of the tenant, by code. */
export function listQuestionnaires(db: Sql): Promise<QuestionnaireRow[]> {
  return db.query<QuestionnaireRow>(`${QUESTIONNAIRES} ORDER BY q.code`);
}

/** One questionnaire by id, or undefined. */
export function findQuestionnaire(db: Sql, id: number): Promise<QuestionnaireRow | undefined> {
  return maybeOne<QuestionnaireRow>(db, `${QUESTIONNAIRES} WHERE q.id = $1`, [id]);
}

/** One questionnaire by code, or undefined. */
export function findQuestionnaireByCode(db: Sql, code: string): Promise<QuestionnaireRow | undefined> {
  return maybeOne<QuestionnaireRow>(db, `${QUESTIONNAIRES} WHERE q.code = $1`, [code]);
}

const VERSION_COLUMNS = "id, questionnaire_id, version, state, source, created_at, published_at, retired_at";

/** A questionnaire's versions, newest first. */
export function listVersions(db: Sql, questionnaireId: number): Promise<VersionRow[]> {
  return db.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM questionnaire_versions WHERE questionnaire_id = $1 ORDER BY version DESC`,
    [questionnaireId],
  );
}

/** One version of a questionnaire by its number, with its questions, or undefined. */
export function findVersionByNumber(
  db: Sql,
  questionnaireId: number,
  version: number,
): Promise<(VersionRow & { definition: QuestionnaireDefinition }) | undefined> {
  return maybeOne(
    db,
    `SELECT ${VERSION_COLUMNS}, definition FROM questionnaire_versions WHERE questionnaire_id = $1 AND version = $2`,
    [questionnaireId, version],
  );
}

/** A version as the other parts of issue 17 read it: its questions and the service or group they are about. */
export interface FoundVersion {
  id: number;
  questionnaireId: number;
  version: number;
  state: "draft" | "published" | "retired";
  definition: QuestionnaireDefinition;
  /** The service of a questionnaire about one service (the service of its unnamed scored questions). */
  serviceCode: string | undefined;
  /** The group of a questionnaire about a service group (each scored question names its service). */
  serviceGroupCode: string | undefined;
}

/**
 * A version by id with its questions and subject, or undefined: what a response was (or is being) given on. Its
 * definition was checked by parseDefinition when stored.
 */
export async function findVersion(db: Sql, versionId: number): Promise<FoundVersion | undefined> {
  const row = await maybeOne<{
    id: number;
    questionnaire_id: number;
    version: number;
    state: FoundVersion["state"];
    definition: QuestionnaireDefinition;
    service_code: string | null;
    group_code: string | null;
  }>(
    db,
    `SELECT v.id, v.questionnaire_id, v.version, v.state, v.definition, s.code AS service_code, g.code AS group_code
       FROM questionnaire_versions v
       JOIN questionnaires q ON q.id = v.questionnaire_id
       LEFT JOIN services s ON s.id = q.service_id
       LEFT JOIN service_groups g ON g.id = q.service_group_id
      WHERE v.id = $1`,
    [versionId],
  );
  if (!row) return undefined;
  return {
    id: row.id,
    questionnaireId: row.questionnaire_id,
    version: row.version,
    state: row.state,
    definition: row.definition,
    serviceCode: row.service_code ?? undefined,
    serviceGroupCode: row.group_code ?? undefined,
  };
}
