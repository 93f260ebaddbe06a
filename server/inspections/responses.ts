/**
 * The one table of answers (issue 17): responses of every channel (the inspectors' tablets now, the auditors'
 * calls and chats later) with who answered, on which questionnaire, where, when and how, and each one's answers
 * and files. A citizen auditor is named by kind only: the table carries nothing of a citizen.
 */
import { maybeOne, type Sql } from "../db/index.ts";
import { decodeCursor, pageOf } from "../http/pagination.ts";
import type { ResponseListQuery } from "./schemas.ts";

/** A response row as the table lists it. */
export interface ResponseRow {
  id: number;
  client_id: string;
  questionnaire_id: number;
  questionnaire_code: string;
  questionnaire_title: Record<string, string>;
  version_id: number;
  version: number;
  channel: string;
  respondent_kind: "inspector" | "auditor";
  staff_user_id: number | null;
  staff_name: string | null;
  block_id: number | null;
  sector: string | null;
  block: string | null;
  visit_id: number | null;
  lat: number | null;
  lng: number | null;
  accuracy_m: number | null;
  started_at: Date | null;
  answered_at: Date;
  received_at: Date;
  device_id: string | null;
  state: "accepted" | "rejected";
  flags: string[];
  rejection: unknown;
  note: string | null;
  answer_count: number;
}

const RESPONSES = `
  SELECT r.id, r.client_id, q.id AS questionnaire_id, q.code AS questionnaire_code, q.title AS questionnaire_title,
         r.version_id, v.version, r.channel, r.respondent_kind, r.staff_user_id, u.name AS staff_name, r.block_id,
         b.sector, b.block, r.visit_id, ST_Y(r.location) AS lat, ST_X(r.location) AS lng, r.accuracy_m, r.started_at,
         r.answered_at, r.received_at, r.device_id, r.state, r.flags, r.rejection, r.note,
         (SELECT count(*)::int FROM answers a WHERE a.response_id = r.id) AS answer_count
    FROM responses r
    JOIN questionnaire_versions v ON v.id = r.version_id
    JOIN questionnaires q ON q.id = v.questionnaire_id
    LEFT JOIN staff_users u ON u.id = r.staff_user_id
    LEFT JOIN blocks b ON b.id = r.block_id`;

/** A page of responses, newest answered first, by the table's filters. */
export async function listResponses(
  sql: Sql,
  query: ResponseListQuery,
): Promise<{ rows: ResponseRow[]; next: string | null }> {
  const after = decodeCursor(query.cursor, ["string", "number"]);
  const rows = await sql.query<ResponseRow>(
    `${RESPONSES}
      WHERE ($1::bigint IS NULL OR r.block_id = $1)
        AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM answers a JOIN services s ON s.id = a.service_id
                                          WHERE a.response_id = r.id AND s.code = $2))
        AND ($3::bigint IS NULL OR r.staff_user_id = $3)
        AND ($4::timestamptz IS NULL OR r.answered_at >= $4)
        AND ($5::text IS NULL OR r.state = $5)
        AND ($6::timestamptz IS NULL OR (r.answered_at, r.id) < ($6::timestamptz, $7::bigint))
      ORDER BY r.answered_at DESC, r.id DESC
      LIMIT $8`,
    [
      query.block ?? null,
      query.service ?? null,
      query.inspector ?? null,
      query.since ?? null,
      query.state ?? null,
      after?.[0] ?? null,
      after?.[1] ?? null,
      query.limit + 1,
    ],
  );
  return pageOf(rows, query.limit, (r) => [r.answered_at.toISOString(), r.id]);
}

/** One answer of a response, with its service and files. */
export interface AnswerRow {
  id: number;
  question: string;
  /** The question's label in its version, per locale (null for a name the version no longer has). */
  label: Record<string, string> | null;
  value: unknown;
  service_code: string | null;
  score: number | null;
  files: { sha256: string; media_type: string }[];
}

/** One response with its answers in the order they were stored, or undefined. */
export async function findResponse(
  sql: Sql,
  id: number,
): Promise<{ response: ResponseRow; answers: AnswerRow[] } | undefined> {
  const response = await maybeOne<ResponseRow>(sql, `${RESPONSES} WHERE r.id = $1`, [id]);
  if (!response) return undefined;
  const answers = await sql.query<AnswerRow>(
    `SELECT a.id, a.question, a.value, s.code AS service_code, a.score,
            -- The question's label in the version it was answered on.
            (SELECT q->'label' FROM jsonb_array_elements(v.definition->'questions') q
              WHERE q->>'name' = a.question LIMIT 1) AS label,
            coalesce((SELECT jsonb_agg(jsonb_build_object('sha256', f.sha256, 'media_type', f.media_type)
                                       ORDER BY af.position)
                        FROM answer_files af JOIN field_files f ON f.id = af.file_id
                       WHERE af.answer_id = a.id), '[]'::jsonb) AS files
       FROM answers a
       JOIN responses r ON r.id = a.response_id
       JOIN questionnaire_versions v ON v.id = r.version_id
       LEFT JOIN services s ON s.id = a.service_id
      WHERE a.response_id = $1 ORDER BY a.id`,
    [id],
  );
  return { response, answers };
}
