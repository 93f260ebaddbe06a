/**
 * What the suggester reads about one service: the catalogue's own words (name, Assunto, Tema, keywords,
 * description), the citizens' words for it written in vocabulary.ts, and labelled examples. One function, used by
 * the database loader and by the evaluation, so what is measured is what is served.
 */
import volumes from "./sp156-volumes.json" with { type: "json" };
import type { ServiceDocument, WeightedText } from "./suggester.ts";
import { fold } from "./text.ts";
import { VOCABULARY } from "./vocabulary.ts";

/** A catalogue service as the suggester needs it. */
export interface CatalogueEntry {
  code: string;
  name: string;
  /** The service's group (an SP156 Assunto). */
  groupName: string;
  /** The group above it (an SP156 Tema), if any. */
  rootGroupName: string | null;
  keywords: readonly string[];
  description: string;
}

/** How much each kind of text counts; the name says most, a long example message least per word. */
const WEIGHTS = {
  name: 3,
  group: 1.5,
  root: 0.5,
  keywords: 0.5,
  description: 0.5,
  vocabulary: 2,
  example: 1,
};

const REQUESTS: Record<string, number> = volumes;

// Vocabulary entries by folded service name, each with the folded Assunto it needs (if any).
const vocabularyByName = new Map<string, { assunto: string | null; phrases: readonly string[] }[]>();
for (const entry of VOCABULARY) {
  const key = fold(entry.service);
  const list = vocabularyByName.get(key) ?? [];
  list.push({ assunto: entry.assunto ? fold(entry.assunto) : null, phrases: entry.phrases });
  vocabularyByName.set(key, list);
}

/** The citizens' words for a service, from vocabulary.ts (matched by name, and Assunto where names repeat). */
export function vocabularyOf(entry: Pick<CatalogueEntry, "name" | "groupName">): readonly string[] {
  const group = fold(entry.groupName);
  const found = (vocabularyByName.get(fold(entry.name)) ?? []).filter(
    (v) => v.assunto === null || v.assunto === group,
  );
  return found.flatMap((v) => v.phrases);
}

/** The document of one service, with its labelled examples (texts citizens wrote about it), if any. */
export function documentOf(
  entry: CatalogueEntry,
  examples: readonly string[] = [],
  { vocabulary = true }: { vocabulary?: boolean } = {},
): ServiceDocument {
  const texts: WeightedText[] = [
    { text: entry.name, weight: WEIGHTS.name },
    { text: entry.groupName, weight: WEIGHTS.group },
    { text: entry.keywords.join(" "), weight: WEIGHTS.keywords },
    { text: entry.description, weight: WEIGHTS.description },
  ];
  if (entry.rootGroupName) texts.push({ text: entry.rootGroupName, weight: WEIGHTS.root });
  if (vocabulary)
    for (const phrase of vocabularyOf(entry)) texts.push({ text: phrase, weight: WEIGHTS.vocabulary });
  for (const example of examples) texts.push({ text: example, weight: WEIGHTS.example });
  return { code: entry.code, name: entry.name, texts, volume: REQUESTS[entry.code] ?? 0 };
}
