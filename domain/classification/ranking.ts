/**
 * How the managers' rules and the text suggester make one ranking: a matching 'override' rule puts its service
 * first (heavier rules first), a matching 'boost' rule adds its weight to the service's text score. Pure: the
 * server ranks with it, and so does the agent console without the network (decision 0058).
 */
import { type SuggesterIndex, type Suggestion, suggest } from "./suggester.ts";
import { words } from "./text.ts";

/** An active rule of an active service, as the ranking reads it. */
export interface ActiveRule {
  id: number;
  serviceCode: string;
  serviceName: string;
  phrases: string[];
  channels: string[];
  areaCodes: string[];
  effect: "boost" | "override";
  weight: number;
}

/** Why a candidate is proposed. */
export interface Reason {
  kind: "text" | "rule";
  ruleId?: number;
  matched: string[];
}

/** A ranked service with every reason that proposed it. */
export interface Candidate {
  code: string;
  /** The name in the reader's language, or pt-BR (then nameLanguage says so). */
  name: string;
  nameLanguage?: "pt-BR" | "en" | "es";
  /** The service's former name the text was looking for, if it named one. */
  formerly?: string | undefined;
  score: number;
  reasons: Reason[];
}

/** Where a text came from, for the rules' conditions. */
export interface Circumstances {
  channel?: string | undefined;
  /** The district and subprefeitura codes of the place, when known. */
  areaCodes: string[];
}

const spaced = (text: string) => ` ${words(text).join(" ")} `;

/** The rules whose conditions hold and one of whose phrases the text holds, with the phrase found. */
export function matchRules(
  rules: readonly ActiveRule[],
  text: string,
  where: Circumstances,
): { rule: ActiveRule; phrase: string }[] {
  const haystack = spaced(text);
  const found: { rule: ActiveRule; phrase: string }[] = [];
  for (const rule of rules) {
    if (rule.channels.length > 0 && !(where.channel && rule.channels.includes(where.channel))) continue;
    if (rule.areaCodes.length > 0 && !where.areaCodes.some((a) => rule.areaCodes.includes(a))) continue;
    const phrase = rule.phrases.find((p) => spaced(p).trim() && haystack.includes(spaced(p)));
    if (phrase) found.push({ rule, phrase });
  }
  return found;
}

/** Merges text suggestions and matched rules into one ranking of at most `limit` services. */
export function rankCandidates(
  suggestions: readonly Suggestion[],
  matches: readonly { rule: ActiveRule; phrase: string }[],
  limit: number,
): Candidate[] {
  type Ranked = Candidate & { raw: number; override: number; order: number };
  const byCode = new Map<string, Ranked>();
  suggestions.forEach((s, order) => {
    byCode.set(s.code, {
      code: s.code,
      name: s.name,
      score: s.score,
      raw: s.score,
      override: 0,
      order,
      reasons: [{ kind: "text", matched: s.matched }],
    });
  });
  for (const { rule, phrase } of matches) {
    let candidate = byCode.get(rule.serviceCode);
    if (!candidate) {
      candidate = {
        code: rule.serviceCode,
        name: rule.serviceName,
        score: 0,
        raw: 0,
        override: 0,
        order: suggestions.length,
        reasons: [],
      };
      byCode.set(rule.serviceCode, candidate);
    }
    candidate.reasons.push({ kind: "rule", ruleId: rule.id, matched: [phrase] });
    if (rule.effect === "override") candidate.override = Math.max(candidate.override, rule.weight);
    else candidate.raw += rule.weight;
  }
  // Equal scores keep the suggester's order: its family cues put a service just above another (suggester.ts), a
  // difference the rounding of the scores hides.
  const order = (a: Ranked, b: Ranked) =>
    b.override - a.override || b.raw - a.raw || a.order - b.order || a.code.localeCompare(b.code);
  return [...byCode.values()]
    .sort(order)
    .slice(0, limit)
    .map(({ code, name, raw, override, reasons }) => ({
      code,
      name,
      score: override > 0 ? 1 : Math.round(Math.min(1, raw) * 1000) / 1000,
      reasons,
    }));
}

// Extra text suggestions fetched beyond the limit, so that a boosting rule can lift one into the answer.
const HEADROOM = 10;

/**
 * The services a text is most likely about, best first, at most `limit`: the text suggester's, merged with the
 * managers' rules that hold for the circumstances. The one ranking of the server and of the offline console.
 */
export function suggestWithRules(
  index: SuggesterIndex,
  rules: readonly ActiveRule[],
  text: string,
  where: Circumstances,
  limit: number,
): Candidate[] {
  const matches = rules.length > 0 ? matchRules(rules, text, where) : [];
  return rankCandidates(suggest(index, text, limit + HEADROOM), matches, limit);
}
