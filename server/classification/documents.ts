/**
 * What the suggester reads about one service: the catalogue's own words (name, Assunto, Tema, keywords,
 * description, the names it had before), the citizens' words for it written in vocabulary.ts, labelled examples,
 * and, for an English or Spanish reader, its name, group and citizens' words in that language
 * (server/catalogue/translations/). One function, used by the database loader and by the evaluation, so what is
 * measured is what is served.
 */

import type { ServiceDocument, WeightedText } from "../../domain/classification/suggester.ts";
import { fold, type TextLanguage } from "../../domain/classification/text.ts";
import { searchKeywordsOf, serviceTranslation, type TranslatedLanguage } from "../catalogue/translations.ts";
import volumes from "./sp156-volumes.json" with { type: "json" };
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
  /** Names the service had before (aliases): a citizen or agent may still type one. */
  formerNames?: readonly string[];
  /** The service's and its group's names in English and Spanish, where the catalogue has them. */
  translations?: Partial<
    Record<TranslatedLanguage, { name?: string | undefined; group?: string | undefined }>
  >;
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
  formerName: 1.5,
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

/**
 * The document of one service for readers of `language`, with its labelled examples (texts citizens wrote about
 * it), if any. Portuguese is always in it (a Portuguese word on an English screen still finds the service); an
 * English or Spanish document adds the service's texts in that language.
 */
export function documentOf(
  entry: CatalogueEntry,
  examples: readonly string[] = [],
  { vocabulary = true, language = "pt-BR" }: { vocabulary?: boolean; language?: TextLanguage } = {},
): ServiceDocument {
  // The translations' words are in services.keywords for the catalogue search; here they count in their own
  // language's document only, at their own weight, so an English word never sits in the Portuguese index.
  const translated = new Set(searchKeywordsOf(entry.code));
  const texts: WeightedText[] = [
    { text: entry.name, weight: WEIGHTS.name },
    { text: entry.groupName, weight: WEIGHTS.group },
    { text: entry.keywords.filter((k) => !translated.has(k)).join(" "), weight: WEIGHTS.keywords },
    { text: entry.description, weight: WEIGHTS.description },
  ];
  if (entry.rootGroupName) texts.push({ text: entry.rootGroupName, weight: WEIGHTS.root });
  for (const former of entry.formerNames ?? []) texts.push({ text: former, weight: WEIGHTS.formerName });
  if (vocabulary)
    for (const phrase of vocabularyOf(entry)) texts.push({ text: phrase, weight: WEIGHTS.vocabulary });
  for (const example of examples) texts.push({ text: example, weight: WEIGHTS.example });
  let name = entry.name;
  let nameLanguage: TextLanguage = "pt-BR";
  if (language !== "pt-BR") {
    const own = entry.translations?.[language];
    if (own?.name) {
      name = own.name;
      nameLanguage = language;
      texts.push({ text: own.name, weight: WEIGHTS.name });
    }
    if (own?.group) texts.push({ text: own.group, weight: WEIGHTS.group });
    if (vocabulary)
      for (const phrase of serviceTranslation(entry.code, language)?.keywords ?? [])
        texts.push({ text: phrase, weight: WEIGHTS.vocabulary });
  }
  return {
    code: entry.code,
    name,
    nameLanguage,
    texts,
    volume: REQUESTS[entry.code] ?? 0,
    group: entry.groupName,
  };
}
