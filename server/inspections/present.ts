/**
 * The JSON shapes of inspection routes and of the table of answers. Texts given per locale (a questionnaire's
 * title) are read in the caller's language.
 */
import { type Locale, pickLocalized } from "../i18n.ts";
import type { RouteRow, VisitRow } from "./queries.ts";
import type { AnswerRow, ResponseRow } from "./responses.ts";

/** A route with its inspector and its visits not removed, in order. */
export function presentRoute(data: { route: RouteRow; visits: VisitRow[] }, locale: Locale) {
  const { route, visits } = data;
  return {
    id: route.id,
    inspector: { id: route.inspector_id, name: route.inspector_name },
    day: route.day,
    state: route.state,
    revision: route.revision,
    note: route.note,
    visits: visits.map((v) => ({
      id: v.id,
      position: v.position,
      block: { id: v.block_id, sector: v.sector, block: v.block, districtCode: v.district_code },
      questionnaire: {
        id: v.questionnaire_id,
        code: v.questionnaire_code,
        title: pickLocalized(v.questionnaire_title, locale),
      },
      reason: v.reason,
      evidence: v.evidence,
      state: v.state,
      note: v.note,
      doneAt: v.done_at?.toISOString() ?? null,
    })),
  };
}

/** A response as the table of answers lists it: who, what, where, when and how. */
export function presentResponse(r: ResponseRow, locale: Locale) {
  return {
    id: r.id,
    clientId: r.client_id,
    questionnaire: {
      id: r.questionnaire_id,
      code: r.questionnaire_code,
      title: pickLocalized(r.questionnaire_title, locale),
    },
    version: { id: r.version_id, version: r.version },
    channel: r.channel,
    // An auditor is a citizen: named by kind only.
    respondent:
      r.respondent_kind === "inspector"
        ? { kind: r.respondent_kind, staff: { id: r.staff_user_id, name: r.staff_name } }
        : { kind: r.respondent_kind },
    block: r.block_id === null ? null : { id: r.block_id, sector: r.sector, block: r.block },
    visitId: r.visit_id,
    location:
      r.lat === null || r.lng === null
        ? null
        : { lat: r.lat, lng: r.lng, accuracy: r.accuracy_m ?? undefined },
    startedAt: r.started_at?.toISOString() ?? null,
    answeredAt: r.answered_at.toISOString(),
    receivedAt: r.received_at.toISOString(),
    deviceId: r.device_id,
    state: r.state,
    flags: r.flags,
    answerCount: r.answer_count,
  };
}

/** A response with its answers, the reasons it was rejected, and a link to each file. */
export function presentResponseDetail(data: { response: ResponseRow; answers: AnswerRow[] }, locale: Locale) {
  return {
    ...presentResponse(data.response, locale),
    note: data.response.note,
    problems: data.response.rejection ?? undefined,
    answers: data.answers.map((a) => ({
      question: a.question,
      label: a.label ? pickLocalized(a.label, locale) : a.question,
      value: a.value,
      service: a.service_code,
      score: a.score,
      files: a.files.map((f) => ({
        sha256: f.sha256,
        mediaType: f.media_type,
        url: `/api/v1/field-files/${f.sha256}`,
      })),
    })),
  };
}
