/**
 * The in-memory service suggester: every active service becomes a weighted bag of terms (its name, groups,
 * keywords, description, the synonyms of server/classification/vocabulary.ts and any labelled examples), scored
 * against a message by TF-IDF cosine plus a small prior for services the city is asked for often. Misspelt words are
 * corrected to the index's own vocabulary by symmetric deletion (one edit: a letter missing, extra, wrong or two
 * swapped); close services of one family are then told apart by their discriminating cues
 * (server/classification/cues.ts). Pure, and in domain/ because two places build the very same index: the server
 * (server/classification/queries.ts, one index per process) and the agent console without the network, from the
 * documents, families and rules of its offline kit (decision 0058).
 */
import { isNonRequest } from "./non-request.ts";
import { contentWords, stem, type TextLanguage, termsOf, withoutPlaceNames, words } from "./text.ts";

/** One text about a service and how much it says about it. */
export interface WeightedText {
  text: string;
  weight: number;
}

/** What the index knows of one service. */
export interface ServiceDocument {
  code: string;
  /** The name in the index's language, or in pt-BR when the service has none in it. */
  name: string;
  /** The language `name` is in. */
  nameLanguage: TextLanguage;
  texts: WeightedText[];
  /** How often the service is asked for, any scale (requests in a period); 0 when unknown. */
  volume: number;
  /** The service's group (an SP156 Assunto): twins (below) are looked for within a group. */
  group?: string;
}

/** A ranked service with its score in [0, 1] and the message words that matched it. */
export interface Suggestion {
  code: string;
  name: string;
  nameLanguage: TextLanguage;
  score: number;
  matched: string[];
}

/** The tuning of the score; the defaults are the ones docs/classifier.md measured. */
export interface SuggesterOptions {
  /** Weight of the volume prior against the text's cosine. */
  priorWeight: number;
  /** A best raw score under this means "no service" (praise, greetings, spam): nothing is suggested. */
  minScore: number;
  /** Re-rank families of close services by their discriminating cues (the families given to buildIndex). */
  cues: boolean;
}

export const DEFAULT_OPTIONS: SuggesterOptions = { priorWeight: 0.4, minScore: 0.06, cues: true };

/** A built index: term vectors per service and the vocabulary for spelling correction. */
export interface SuggesterIndex {
  /** The language queries are read in (its stop words and spellings added to Portuguese's). */
  language: TextLanguage;
  services: {
    code: string;
    name: string;
    nameLanguage: TextLanguage;
    prior: number;
    norm: number;
    /** The more requested service of the same group whose name says nearly the same (an older name's row). */
    twin: number | undefined;
  }[];
  /** term → [service position, weight] pairs. */
  postings: Map<string, [number, number][]>;
  idf: Map<string, number>;
  /** Stems the index knows, to tell a misspelling from an unknown word. */
  stems: Set<string>;
  /** A word, and each word with one letter deleted → the index's words it comes from. */
  deletes: Map<string, string[]>;
  /** How many services use each known word: the most common candidate wins a correction. */
  wordCounts: Map<string, number>;
  /** Families of close services present in the index (cues.ts), and where each service sits. */
  families: ResolvedFamily[];
  positionOf: Map<string, number>;
  options: SuggesterOptions;
}

/** How deep the family must already be for its cues to re-rank it (the best this many candidates). */
export const CUE_DEPTH = 3;

/** A family of close services resolved to the codes of an index: member codes and, per cue, the code it names. */
export interface ResolvedFamily {
  name: string;
  members: Set<string>;
  needCue: Set<string>;
  cues: { code: string; when: RegExp; unless?: RegExp | undefined }[];
}

/** A family as JSON carries it (the offline kit): sets as lists, patterns as their source and flags. */
export interface PortableFamily {
  name: string;
  members: string[];
  needCue: string[];
  cues: { code: string; when: [string, string]; unless?: [string, string] | undefined }[];
}

/** A family made fit for JSON. */
export function portableFamily(family: ResolvedFamily): PortableFamily {
  return {
    name: family.name,
    members: [...family.members],
    needCue: [...family.needCue],
    cues: family.cues.map((c) => ({
      code: c.code,
      when: [c.when.source, c.when.flags],
      ...(c.unless ? { unless: [c.unless.source, c.unless.flags] as [string, string] } : {}),
    })),
  };
}

/** A family read back from JSON. */
export function resolvedFamily(family: PortableFamily): ResolvedFamily {
  return {
    name: family.name,
    members: new Set(family.members),
    needCue: new Set(family.needCue),
    cues: family.cues.map((c) => ({
      code: c.code,
      when: new RegExp(...c.when),
      unless: c.unless ? new RegExp(...c.unless) : undefined,
    })),
  };
}

/** The text as the cues read it: folded, abbreviations spelled out, stop words kept, single spaces. */
export function cueText(text: string, language: TextLanguage = "pt-BR"): string {
  return ` ${words(text, language).join(" ")} `;
}

/** The service the first matching cue of a family names, or undefined. */
export function cuedService(family: ResolvedFamily, text: string): string | undefined {
  for (const cue of family.cues) if (cue.when.test(text) && !cue.unless?.test(text)) return cue.code;
  return undefined;
}

function deletionsOf(word: string): string[] {
  const out = [word];
  for (let i = 0; i < word.length; i++) out.push(word.slice(0, i) + word.slice(i + 1));
  return out;
}

/**
 * Builds the index of a set of services; `families` are the families of close services its cues re-rank (the
 * server's are server/classification/cues.ts RESOLVED_FAMILIES; none, no re-ranking).
 */
export function buildIndex(
  documents: readonly ServiceDocument[],
  options: SuggesterOptions = DEFAULT_OPTIONS,
  language: TextLanguage = "pt-BR",
  families: readonly ResolvedFamily[] = [],
): SuggesterIndex {
  const vectors: Map<string, number>[] = [];
  const df = new Map<string, number>();
  const wordCounts = new Map<string, number>();
  for (const doc of documents) {
    const tf = new Map<string, number>();
    const seenWords = new Set<string>();
    for (const { text, weight } of doc.texts) {
      const content = contentWords(text, language);
      for (const w of content) seenWords.add(w);
      for (const term of termsOf(content)) tf.set(term, (tf.get(term) ?? 0) + weight);
    }
    for (const term of tf.keys()) df.set(term, (df.get(term) ?? 0) + 1);
    for (const w of seenWords) wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
    vectors.push(tf);
  }
  const n = documents.length;
  const idf = new Map<string, number>();
  for (const [term, count] of df) idf.set(term, Math.log(1 + n / count));
  const maxVolume = Math.max(1, ...documents.map((d) => d.volume));
  const postings = new Map<string, [number, number][]>();
  const services = documents.map((doc, i) => {
    const vector = vectors[i] as Map<string, number>;
    let sumSquares = 0;
    for (const [term, tf] of vector) {
      const w = (1 + Math.log(tf)) * (idf.get(term) ?? 0);
      vector.set(term, w);
      sumSquares += w * w;
    }
    const norm = Math.sqrt(sumSquares) || 1;
    for (const [term, w] of vector) {
      const list = postings.get(term) ?? [];
      postings.set(term, list);
      list.push([i, w / norm]);
    }
    // log scale: a service asked for 100× more often is a few points likelier, never a different answer alone
    const prior = doc.volume > 0 ? Math.log(1 + doc.volume) / Math.log(1 + maxVolume) : 0;
    return { code: doc.code, name: doc.name, nameLanguage: doc.nameLanguage, prior, norm, twin: undefined };
  });
  twinsOf(documents).forEach((twin, i) => {
    (services[i] as SuggesterIndex["services"][number]).twin = twin;
  });
  const stems = new Set<string>();
  const deletes = new Map<string, string[]>();
  for (const word of wordCounts.keys()) {
    stems.add(stem(word));
    if (word.length < 4) continue;
    for (const d of deletionsOf(word)) {
      const list = deletes.get(d);
      if (!list) deletes.set(d, [word]);
      else if (!list.includes(word)) list.push(word);
    }
  }
  const positionOf = new Map(services.map((s, i) => [s.code, i]));
  const present = families.filter((f) => [...f.members].some((code) => positionOf.has(code)));
  return {
    language,
    services,
    postings,
    idf,
    stems,
    deletes,
    wordCounts,
    families: present,
    positionOf,
    options,
  };
}

/** Names this alike (shared stems over all stems) are one service asked for under two catalogue rows. */
const TWIN_SIMILARITY = 0.8;

/**
 * For each service, the most requested other service of its group with a name this alike ("Denunciar falta de
 * limpeza de terrenos…" → "Denúncia de falta de limpeza de terrenos…": SP156 keeps old rows beside the renamed
 * ones), or undefined. A text that matches the old row's words ranks the row citizens actually reach first.
 */
function twinsOf(documents: readonly ServiceDocument[]): (number | undefined)[] {
  const byGroup = new Map<string, number[]>();
  documents.forEach((doc, i) => {
    if (!doc.group) return;
    const members = byGroup.get(doc.group) ?? [];
    byGroup.set(doc.group, members);
    members.push(i);
  });
  const twins: (number | undefined)[] = documents.map(() => undefined);
  for (const members of byGroup.values()) {
    if (members.length < 2) continue;
    const stems = new Map(members.map((i) => [i, new Set(contentWords(documents[i]?.name ?? "").map(stem))]));
    for (const i of members) {
      const a = stems.get(i) as Set<string>;
      let best: number | undefined;
      let bestVolume = (documents[i] as ServiceDocument).volume;
      for (const j of members) {
        const volume = (documents[j] as ServiceDocument).volume;
        if (volume <= bestVolume) continue;
        const b = stems.get(j) as Set<string>;
        const shared = [...a].filter((x) => b.has(x)).length;
        if (shared / (a.size + b.size - shared) >= TWIN_SIMILARITY) {
          best = j;
          bestVolume = volume;
        }
      }
      twins[i] = best;
    }
  }
  return twins;
}

/** The index's word one edit away from `word` (the most used one), or the word itself when none is. */
export function correctWord(index: SuggesterIndex, word: string): string {
  if (word.length < 4 || index.stems.has(stem(word))) return word;
  let best = word;
  let bestCount = 0;
  for (const d of deletionsOf(word)) {
    for (const candidate of index.deletes.get(d) ?? []) {
      if (Math.abs(candidate.length - word.length) > 1) continue;
      const count = index.wordCounts.get(candidate) ?? 0;
      if (count > bestCount) {
        best = candidate;
        bestCount = count;
      }
    }
  }
  return best;
}

/** The services a message is most likely about, best first; empty when nothing scores above minScore. */
export function suggest(index: SuggesterIndex, text: string, limit: number): Suggestion[] {
  if (isNonRequest(text)) return [];
  const content = contentWords(withoutPlaceNames(text), index.language).map((w) => correctWord(index, w));
  const terms = [...new Set(termsOf(content))];
  const scores = new Map<number, number>();
  const matched = new Map<number, Set<string>>();
  let queryNorm = 0;
  for (const term of terms) {
    const idf = index.idf.get(term);
    if (idf === undefined) continue;
    queryNorm += idf * idf;
    for (const [service, weight] of index.postings.get(term) ?? []) {
      scores.set(service, (scores.get(service) ?? 0) + idf * weight);
      const set = matched.get(service) ?? new Set<string>();
      matched.set(service, set);
      if (!term.includes("_")) set.add(term);
    }
  }
  if (queryNorm === 0) return [];
  // A row's twin scores at least what the row scores (and then wins on its larger prior).
  for (const [i, dot] of [...scores]) {
    const twin = index.services[i]?.twin;
    if (twin === undefined || (scores.get(twin) ?? 0) >= dot) continue;
    scores.set(twin, dot);
    matched.set(twin, new Set([...(matched.get(twin) ?? []), ...(matched.get(i) ?? [])]));
  }
  const norm = Math.sqrt(queryNorm);
  const { priorWeight, minScore } = index.options;
  const ranked = [...scores]
    .map(([i, dot]) => {
      const service = index.services[i] as SuggesterIndex["services"][number];
      return { i, service, cosine: dot / norm, score: dot / norm + priorWeight * service.prior };
    })
    .sort((a, b) => b.score - a.score || a.service.code.localeCompare(b.service.code));
  if (!ranked[0] || ranked[0].cosine < minScore) return [];
  if (index.options.cues) rerankFamilies(index, text, ranked);
  return ranked.slice(0, limit).map((r) => ({
    code: r.service.code,
    name: r.service.name,
    nameLanguage: r.service.nameLanguage,
    score: Math.round(Math.min(1, r.score) * 1000) / 1000,
    matched: [...(matched.get(r.i) ?? [])],
  }));
}

type Ranked = { i: number; service: SuggesterIndex["services"][number]; cosine: number; score: number };

/**
 * Families of close services (server/classification/cues.ts): when a family member is among the best CUE_DEPTH candidates and one of the
 * family's cues holds on the text, the service it names takes the best family member's place (just above it);
 * nothing outside the family moves. In place; `ranked` stays sorted.
 */
function rerankFamilies(index: SuggesterIndex, text: string, ranked: Ranked[]): void {
  let cues: string | undefined;
  for (const family of index.families) {
    const best = ranked.findIndex((r, k) => k < CUE_DEPTH && family.members.has(r.service.code));
    if (best < 0) continue;
    cues ??= cueText(text, index.language);
    const top = ranked[best] as Ranked;
    // the cued service, or (no cue) the best member that needs none when the leader needs one
    const code =
      cuedService(family, cues) ??
      // (the cues are Portuguese: an English or Spanish text would never show the signal, so only in pt-BR)
      (index.language === "pt-BR" && family.needCue.has(top.service.code)
        ? ranked.find((r) => family.members.has(r.service.code) && !family.needCue.has(r.service.code))
            ?.service.code
        : undefined);
    if (code === undefined || code === top.service.code) continue;
    const i = index.positionOf.get(code);
    if (i === undefined) continue;
    const at = ranked.findIndex((r) => r.i === i);
    const entry =
      at >= 0
        ? (ranked.splice(at, 1)[0] as Ranked)
        : { i, service: index.services[i] as Ranked["service"], cosine: 0, score: 0 };
    entry.score = top.score + 1e-6;
    ranked.splice(best, 0, entry);
  }
}
