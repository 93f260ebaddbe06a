/**
 * The citizens' words for SP156 services: how people say, in chat or on the phone, what the catalogue names
 * formally ("buraco na rua" for Tapa-buraco). Written by hand for the most requested services; matched to the
 * catalogue by the Serviço name (and the Assunto where a name repeats). Each phrase counts as a short document
 * about the service, so a phrase is best when it holds the words a citizen would use and few others. The phrases
 * are kept in one file per family of services (vocabulary-streets.ts, vocabulary-upkeep.ts, vocabulary-inspection.ts).
 */
import { INSPECTION_AND_HEALTH_VOCABULARY } from "./vocabulary-inspection.ts";
import { STREETS_AND_TRANSPORT_VOCABULARY } from "./vocabulary-streets.ts";
import { UPKEEP_VOCABULARY } from "./vocabulary-upkeep.ts";

/** The citizens' phrases for one service of the catalogue. */
export interface VocabularyEntry {
  /** The catalogue's Serviço name (compared without accents or case). */
  service: string;
  /** The Assunto, when the Serviço name alone is not unique. */
  assunto?: string;
  phrases: readonly string[];
}

/** Every service's citizens' phrases; a Serviço name (with its Assunto) appears once. */
export const VOCABULARY: readonly VocabularyEntry[] = [
  ...STREETS_AND_TRANSPORT_VOCABULARY,
  ...UPKEEP_VOCABULARY,
  ...INSPECTION_AND_HEALTH_VOCABULARY,
];
