/**
 * The in-memory service suggester: every active service becomes a weighted bag of terms (its name, groups,
 * keywords, description, the synonyms of vocabulary.ts and any labelled examples), scored against a message by
 * TF-IDF cosine plus a small prior for services the city is asked for often. Misspelt words are corrected to the
 * index's own vocabulary by symmetric deletion (one edit: a letter missing, extra, wrong or two swapped). Pure:
 * the database side (queries.ts) builds the documents and keeps one index per process.
 */
import { contentWords, stem, termsOf } from "./text.ts";

/** One text about a service and how much it says about it. */
export interface WeightedText {
  text: string;
  weight: number;
}

/** What the index knows of one service. */
export interface ServiceDocument {
  code: string;
  name: string;
  texts: WeightedText[];
  /** How often the service is asked for, any scale (requests in a period); 0 when unknown. */
  volume: number;
}

/** A ranked service with its score in [0, 1] and the message words that matched it. */
export interface Suggestion {
  code: string;
  name: string;
  score: number;
  matched: string[];
}

/** The tuning of the score; the defaults are the ones docs/classifier.md measured. */
export interface SuggesterOptions {
  /** Weight of the volume prior against the text's cosine. */
  priorWeight: number;
  /** A best raw score under this means "no service" (praise, greetings, spam): nothing is suggested. */
  minScore: number;
}

export const DEFAULT_OPTIONS: SuggesterOptions = { priorWeight: 0.4, minScore: 0.06 };

/** A built index: term vectors per service and the vocabulary for spelling correction. */
export interface SuggesterIndex {
  services: { code: string; name: string; prior: number; norm: number }[];
  /** term → [service position, weight] pairs. */
  postings: Map<string, [number, number][]>;
  idf: Map<string, number>;
  /** Stems the index knows, to tell a misspelling from an unknown word. */
  stems: Set<string>;
  /** A word, and each word with one letter deleted → the index's words it comes from. */
  deletes: Map<string, string[]>;
  /** How many services use each known word: the most common candidate wins a correction. */
  wordCounts: Map<string, number>;
  options: SuggesterOptions;
}

function deletionsOf(word: string): string[] {
  const out = [word];
  for (let i = 0; i < word.length; i++) out.push(word.slice(0, i) + word.slice(i + 1));
  return out;
}

/** Builds the index of a set of services. */
export function buildIndex(
  documents: readonly ServiceDocument[],
  options: SuggesterOptions = DEFAULT_OPTIONS,
): SuggesterIndex {
  const vectors: Map<string, number>[] = [];
  const df = new Map<string, number>();
  const wordCounts = new Map<string, number>();
  for (const doc of documents) {
    const tf = new Map<string, number>();
    const seenWords = new Set<string>();
    for (const { text, weight } of doc.texts) {
      const content = contentWords(text);
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
    return { code: doc.code, name: doc.name, prior, norm };
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
  return { services, postings, idf, stems, deletes, wordCounts, options };
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
  const content = contentWords(text).map((w) => correctWord(index, w));
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
  const norm = Math.sqrt(queryNorm);
  const { priorWeight, minScore } = index.options;
  const ranked = [...scores]
    .map(([i, dot]) => {
      const service = index.services[i] as SuggesterIndex["services"][number];
      return { i, service, cosine: dot / norm, score: dot / norm + priorWeight * service.prior };
    })
    .sort((a, b) => b.score - a.score || a.service.code.localeCompare(b.service.code));
  if (!ranked[0] || ranked[0].cosine < minScore) return [];
  return ranked.slice(0, limit).map((r) => ({
    code: r.service.code,
    name: r.service.name,
    score: Math.round(Math.min(1, r.score) * 1000) / 1000,
    matched: [...(matched.get(r.i) ?? [])],
  }));
}
