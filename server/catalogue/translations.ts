/**
 * English and Spanish names and citizens' words for the SP156 services that carry 95% of the demand, and for their
 * groups (translations/en.json, es.json: reviewed data, keyed by service code with the Portuguese name beside it
 * for the reviewer). The seed writes the names into services.name and the words into services.keywords; the
 * suggester indexes the words per language (decision 0027). A service without a translation keeps its pt-BR name,
 * and the API says so (`nameLanguage`).
 */
import { isContentWord } from "../../domain/classification/text.ts";
import { keywordsOf } from "./sp156.ts";
import en from "./translations/en.json" with { type: "json" };
import es from "./translations/es.json" with { type: "json" };

/** The languages services are translated into (pt-BR is the catalogue's own). */
export const TRANSLATED_LANGUAGES = ["en", "es"] as const;
export type TranslatedLanguage = (typeof TRANSLATED_LANGUAGES)[number];

/** One service in one language: its name and the words citizens use for it. */
export interface ServiceTranslation {
  /** The Portuguese name it translates, as the catalogue writes it (checked by the catalogue tests). */
  pt: string;
  name: string;
  keywords: string[];
}

interface TranslationFile {
  groups: Record<string, string>;
  services: Record<string, ServiceTranslation>;
}

const FILES: Record<TranslatedLanguage, TranslationFile> = { en, es };

/** The translation of a service (by code) in `language`; undefined when it has none. */
export function serviceTranslation(code: string, language: string): ServiceTranslation | undefined {
  const file = FILES[language as TranslatedLanguage];
  return file ? file.services[code] : undefined;
}

/** The name of a service group (by its pt-BR name, an SP156 Assunto) in `language`; undefined when none. */
export function groupTranslation(ptName: string, language: string): string | undefined {
  const file = FILES[language as TranslatedLanguage];
  return file ? file.groups[ptName] : undefined;
}

/** Every translated service code with its translation, per language (for the catalogue tests and the docs). */
export function allServiceTranslations(language: TranslatedLanguage): Record<string, ServiceTranslation> {
  return FILES[language].services;
}

/**
 * The search keywords a service's translations add to services.keywords: the words of its names and citizens'
 * phrases in each language, without that language's stop words ("the", "street", "calle").
 */
export function searchKeywordsOf(code: string): string[] {
  const words = new Set<string>();
  for (const language of TRANSLATED_LANGUAGES) {
    const translation = serviceTranslation(code, language);
    if (!translation) continue;
    for (const word of keywordsOf(translation.name, ...translation.keywords))
      if (isContentWord(word, language)) words.add(word);
  }
  return [...words];
}
