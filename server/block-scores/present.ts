/** The JSON shapes of block scores that leave the server. */
import { type Locale, pickLocalized } from "../i18n.ts";
import type { BlockEvidence, DistrictRow, LayerRow, ScoreRow } from "./queries.ts";
import type { StoredScoreSettings } from "./settings.ts";

/** How far a score can be trusted, from its evidence count (docs/quality-scores.md, "Confidence"). */
export type Confidence = "low" | "medium" | "high";

/** Evidence counts from which a score is of medium and of high confidence. */
export const CONFIDENCE_FROM = { medium: 5, high: 20 } as const;

/** The confidence of a score read from `evidence` answers, demands and ratings. */
export function confidenceOf(evidence: number): Confidence {
  if (evidence >= CONFIDENCE_FROM.high) return "high";
  if (evidence >= CONFIDENCE_FROM.medium) return "medium";
  return "low";
}

/**
 * The map layer as a GeoJSON FeatureCollection: each block's score (the one service asked for, or the mean over the
 * services read) with its evidence and confidence, and its worst service.
 */
export function presentLayer(rows: readonly LayerRow[], service: string | null) {
  return {
    type: "FeatureCollection" as const,
    features: rows.map((r) => ({
      type: "Feature" as const,
      id: Number(r.block_id),
      geometry: JSON.parse(r.geometry) as unknown,
      properties: {
        blockId: Number(r.block_id),
        sector: r.sector,
        block: r.block,
        score: round(r.score),
        evidence: r.evidence,
        confidence: confidenceOf(r.evidence),
        service,
        services: r.services,
        worst: { service: r.worst_service, score: round(r.worst_score) },
      },
    })),
  };
}

function presentScore(s: ScoreRow, locale: Locale) {
  return {
    service: { code: s.service_code, name: pickLocalized(s.service_name, locale) },
    score: round(s.score),
    evidence: s.evidence,
    confidence: confidenceOf(s.evidence),
    components: s.components,
    computedAt: s.computed_at.toISOString(),
  };
}

/** One block's scores per service, each with the evidence behind it (answers, open demands, ratings). */
export function presentBlockEvidence(e: BlockEvidence, locale: Locale) {
  return {
    block: { id: Number(e.block.id), sector: e.block.sector, block: e.block.block },
    services: e.scores.map((s) => ({
      ...presentScore(s, locale),
      answers: e.answers
        .filter((a) => Number(a.service_id) === Number(s.service_id))
        .map((a) => ({
          responseId: Number(a.response_id),
          question: a.question,
          label: a.label ? pickLocalized(a.label, locale) : a.question,
          value: a.value,
          score: round(a.score, 2),
          answeredAt: a.answered_at.toISOString(),
          respondentKind: a.respondent_kind,
          // A citizen auditor is never named: their answer counts, who they are stays with them.
          inspector: a.respondent_kind === "inspector" ? a.inspector_name : null,
        })),
      demands: e.demands
        .filter((d) => Number(d.service_id) === Number(s.service_id))
        .map((d) => ({
          protocol: d.protocol,
          service: d.service_code,
          status: d.status,
          dueAt: d.due_at?.toISOString() ?? null,
          late: d.late,
        })),
      ratings: e.ratings
        .filter((r) => Number(r.service_id) === Number(s.service_id))
        .map((r) => ({
          protocol: r.protocol,
          rating: r.rating,
          solved: r.solved,
          answeredAt: r.answered_at.toISOString(),
        })),
    })),
  };
}

/** The public figure per district: a score only where enough blocks have one (MIN_PUBLIC_BLOCKS). */
export function presentDistricts(rows: readonly DistrictRow[], minBlocks: number) {
  return {
    minBlocks,
    items: rows.map((r) => ({
      district: { code: r.code, name: r.name },
      score: r.score === null ? null : round(r.score),
      blocks: r.blocks,
      evidence: r.evidence,
    })),
  };
}

/** The settings of the score method, with when they were last saved (null: never, the defaults). */
export function presentSettings(s: StoredScoreSettings) {
  const { updatedAt, ...settings } = s;
  return { ...settings, updatedAt: updatedAt?.toISOString() ?? null };
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(Number(value) * f) / f;
}
