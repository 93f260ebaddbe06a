/** The JSON shapes of the classification concept that leave the server. */

import type { Candidate } from "../../domain/classification/ranking.ts";
import type { ClassificationRule } from "./queries.ts";
import type { ClassificationRuleView, DemandChannel, SuggestionView } from "./schemas.ts";

/** A suggested service: code, name (and the language it is in), the former name typed, score and why. */
export function presentSuggestion(candidate: Candidate): SuggestionView {
  return {
    code: candidate.code,
    name: candidate.name,
    nameLanguage: candidate.nameLanguage ?? "pt-BR",
    ...(candidate.formerly ? { formerly: candidate.formerly } : {}),
    score: candidate.score,
    reasons: candidate.reasons.map((r) => ({
      kind: r.kind,
      ...(r.ruleId === undefined ? {} : { ruleId: r.ruleId }),
      matched: r.matched,
    })),
  };
}

/** A classification rule, naming its service by code. */
export function presentClassificationRule(rule: ClassificationRule): ClassificationRuleView {
  return {
    id: rule.id,
    service: rule.serviceCode,
    serviceName: rule.serviceName,
    phrases: rule.phrases,
    channels: rule.channels as DemandChannel[],
    areas: rule.areaCodes,
    effect: rule.effect,
    weight: rule.weight,
    active: rule.active,
    note: rule.note,
    updatedAt: rule.updatedAt,
    updatedBy: rule.updatedBy,
  };
}
