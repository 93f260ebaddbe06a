/**
 * How one row of the SP156 catalogue (Tema → Assunto → Serviço) becomes a service: stable codes, keywords, demand
 * type, place and risk flags, deadline and the charter text. Pure functions, so the rules are tested without a
 * database; docs/decisions/0003-catalogue-seed.md explains each default.
 */
import { createHash } from "node:crypto";
import type { LocalizedText } from "../../domain/attributes.ts";

/** One row of sp156_catalogo_servicos.csv, by its own column names. */
export interface CatalogueRow {
  Tema: string;
  Assunto: string;
  Serviço: string;
  "registros_amostra_2015-01_a_2019-04": string;
  orgao_principal_observado: string;
  orgaos_observados: string;
  dias_ate_parecer_p50: string;
  dias_ate_parecer_p90: string;
}

export type DemandType = "request" | "complaint" | "report" | "compliment" | "suggestion" | "information";
export type DeadlineUnit = "business_days" | "business_hours" | "calendar_days";

/** Upper case, no accents, single spaces: how names are compared. */
export function normalize(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .replace(/\s+/g, " ")
    .trim()
    .toUpperCase();
}

/** A URL-safe lower-case slug of a name. */
export function slugify(text: string): string {
  return normalize(text)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

const hex = (text: string, length: number) =>
  createHash("sha256").update(text).digest("hex").slice(0, length).toUpperCase();

/** The source key of a Tema, an Assunto or a Serviço: "sp156:Tema|Assunto|Serviço". */
export function sourceRef(...parts: string[]): string {
  return `sp156:${parts.map((p) => p.replace(/\s+/g, " ").trim()).join("|")}`;
}

/** The public code of a service: "SP-" and 8 hex digits of its source key, so it never changes between seeds. */
export function serviceCode(ref: string): string {
  return `SP-${hex(ref, 8)}`;
}

/** The code of a group: the Tema's slug for a root; the Assunto's slug plus 4 hex digits (slugs collide). */
export function groupCode(ref: string, name: string, isRoot: boolean): string {
  const slug = slugify(name).slice(0, 48) || "grupo";
  return isRoot ? slug : `${slug}-${hex(ref, 4).toLowerCase()}`;
}

const STOP_WORDS = new Set(
  "A AS O OS E OU DE DA DAS DO DOS EM NA NAS NO NOS UM UMA UNS UMAS AO AOS PARA POR PELA PELO PELAS PELOS COM SEM SOBRE QUE SE SUA SEU SUAS SEUS ATE APOS ENTRE NAO OUTROS USO ETC".split(
    " ",
  ),
);

/** Distinct normalised words of the names, lower case, without stop words or words shorter than 3 letters. */
export function keywordsOf(...names: string[]): string[] {
  const words = new Set<string>();
  for (const name of names) {
    for (const word of normalize(name).split(/[^A-Z0-9]+/)) {
      if (word.length >= 3 && !STOP_WORDS.has(word)) words.add(word.toLowerCase());
    }
  }
  return [...words];
}

const DEMAND_WORDS: [RegExp, DemandType][] = [
  [/\bRECLAMA|\bRECLAMAR\b/, "complaint"],
  [/\bDENUNCI/, "report"],
  [/\bELOGI/, "compliment"],
  [/\bSUGEST|\bSUGERIR\b|\bCRITICA/, "suggestion"],
  [/\bINFORMAC|\bCONSULTA/, "information"],
];

/** The demand type a name says: the first of its type words that occurs in it; "request" when none does. */
export function inferDemandType(name: string): DemandType | undefined {
  const text = normalize(name);
  let best: { at: number; type: DemandType } | undefined;
  for (const [pattern, type] of DEMAND_WORDS) {
    const at = text.search(pattern);
    if (at >= 0 && (!best || at < best.at)) best = { at, type };
  }
  return best?.type;
}

/** The service's demand type: from the Serviço, else from the Assunto, else a request. */
export function demandTypeOf(row: Pick<CatalogueRow, "Assunto" | "Serviço">): DemandType {
  return inferDemandType(row.Serviço) ?? inferDemandType(row.Assunto) ?? "request";
}

const PLACE_WORDS =
  /BURACO|PODA|ARVORE|GALHO|ILUMINACAO|LAMPADA|POSTE|LIXO|LIXEIRA|ENTULHO|CALCADA|GUIA|SARJETA|BUEIRO|BOCA DE LOBO|VIA PUBLICA|ASFALTO|PAVIMENTA|CORREGO|GALERIA|PRACA|PONTO DE ONIBUS|ABRIGO|SEMAFORO|SINALIZACAO|PLACA|CACAMBA|VARRICAO|CAPINACAO|ANIMAL MORTO|TERRENO|EROSAO|ALAGAMENTO|ENCHENTE|FEIRA|VIADUTO|PONTE|CONTEINER|CICLOVIA|CICLOFAIXA/;

/** True when the service needs a place: it has georeferenced sample records or its words name a place. */
export function isPlaceBased(row: CatalogueRow): boolean {
  if (Number(row["registros_amostra_2015-01_a_2019-04"] || 0) > 0) return true;
  return PLACE_WORDS.test(normalize(`${row.Assunto} ${row.Serviço}`));
}

const RISK_WORDS =
  /QUEDA DE ARVORE|QUEDA DE GALHO|ARVORE CAIDA|ARVORE OU GALHO CAIDO|RISCO|DESABAMENTO|DESLIZAMENTO|VAZAMENTO|ROMPIMENTO|EXPLOSAO|SOTERRAMENTO|EROSAO|INCENDIO|ALAGAMENTO/;

/** Priority 1 (most urgent) for the Urgência Tema, 2 for risk words, else 3. */
export function priorityOf(row: CatalogueRow): number {
  if (normalize(row.Tema) === "URGENCIA") return 1;
  return RISK_WORDS.test(normalize(`${row.Assunto} ${row.Serviço}`)) ? 2 : 3;
}

// Themes whose every demand tells something about a person: social assistance, health, the ombudsman's denúncias.
const SENSITIVE_TEMAS = new Set(["CIDADANIA E ASSISTENCIA SOCIAL", "SAUDE", "OUVIDORIA GERAL DO MUNICIPIO"]);
// Subjects and services elsewhere that do: police occurrences, violence, health, children, elderly and disabled
// people, benefits, people in the street (a subject starting with "Saúde" is health care itself).
const SENSITIVE_WORDS =
  /^SAUDE\b|GUARDA CIVIL|VIOLENCIA|MARIA DA PENHA|ESTUPRO|AGRESSAO|AMEACA|MAUS TRATOS DE PESSOAS|SUICIDIO|HOMICIDIO|SEQUESTRO|DROGA|PESSOA DESPROTEGIDA|MEDICA COM PESSOA|PESSOAS? COM DEFICIENCIA|\bPCD\b|CRIANCA|ADOLESCENTE|IDOSO|MULHER|LGBT|RACIS|PRECONCEITO|\bBPC\b|MEDICAMENTO|DESAPARECID|SITUACAO DE RUA|CADASTRO UNICO|BOLSA FAMILIA/;

/**
 * True when the service's demands may be published only at district level (no point, no street): its theme is
 * social assistance, health or the ombudsman, or its subject or name speaks of violence, police, health or
 * vulnerable people. docs/open-data.md lists the rule.
 */
export function isSensitive(row: Pick<CatalogueRow, "Tema" | "Assunto" | "Serviço">): boolean {
  if (SENSITIVE_TEMAS.has(normalize(row.Tema))) return true;
  return SENSITIVE_WORDS.test(normalize(`${row.Assunto} ${row.Serviço}`).replace(/-/g, " "));
}

/** Lei 13.460/2017 (art. 16): an ombudsman manifestation is answered within 30 days. */
const OMBUDSMAN_TYPES: DemandType[] = ["complaint", "report", "compliment", "suggestion"];
/** Lei 12.527/2011 (art. 11): an information request is answered within 20 days. */
const INFORMATION_DAYS = 20;
/** A request with no observed times: 20 business days, about the 30 calendar days of the other laws. */
const DEFAULT_BUSINESS_DAYS = 20;
/** Observed medians are turned into targets no shorter than 2 and no longer than 60 business days. */
const MIN_BUSINESS_DAYS = 2;
const MAX_BUSINESS_DAYS = 60;

/** The deadline of a service: by law for ombudsman and information types, else from the observed median. */
export function deadlineOf(row: CatalogueRow, type: DemandType): { amount: number; unit: DeadlineUnit } {
  if (OMBUDSMAN_TYPES.includes(type)) return { amount: 30, unit: "calendar_days" };
  if (type === "information") return { amount: INFORMATION_DAYS, unit: "calendar_days" };
  const p50 = Number.parseFloat(row.dias_ate_parecer_p50);
  if (!Number.isFinite(p50)) return { amount: DEFAULT_BUSINESS_DAYS, unit: "business_days" };
  // Five business days in seven calendar days; rounded up so the median demand meets its own target.
  const business = Math.ceil((p50 * 5) / 7);
  return {
    amount: Math.min(MAX_BUSINESS_DAYS, Math.max(MIN_BUSINESS_DAYS, business)),
    unit: "business_days",
  };
}

/** The service charter's "what you must provide", per locale, from the service's flags. */
export function requirementsOf(isPlace: boolean, anonymous: boolean, type: DemandType): LocalizedText {
  const pt: string[] = [];
  const en: string[] = [];
  const es: string[] = [];
  if (isPlace) {
    pt.push("Endereço com número ou ponto de referência; foto opcional.");
    en.push("Address with house number or a reference point; photo optional.");
    es.push("Dirección con número o punto de referencia; foto opcional.");
  }
  if (type === "information") {
    pt.push("Descrição clara da informação desejada.");
    en.push("A clear description of the information wanted.");
    es.push("Descripción clara de la información deseada.");
  } else {
    pt.push("Descrição do que acontece.");
    en.push("A description of what is happening.");
    es.push("Descripción de lo que ocurre.");
  }
  if (anonymous) {
    pt.push("Pode ser registrada sem identificação; com contato, você recebe a resposta.");
    en.push("May be filed anonymously; leave a contact to receive the answer.");
    es.push("Puede registrarse sin identificación; con un contacto recibe la respuesta.");
  } else {
    pt.push("Nome e um contato (telefone ou e-mail).");
    en.push("Name and a contact (phone or e-mail).");
    es.push("Nombre y un contacto (teléfono o correo electrónico).");
  }
  return { "pt-BR": pt.join(" "), en: en.join(" "), es: es.join(" ") };
}

/** English and Spanish names of the SP156 Temas; Assuntos and Serviços stay in Portuguese. */
export const TEMA_NAMES: Record<string, { en: string; es: string }> = {
  Acessibilidade: { en: "Accessibility", es: "Accesibilidad" },
  Animais: { en: "Animals", es: "Animales" },
  "Bilhete Único": { en: "Transit card (Bilhete Único)", es: "Tarjeta de transporte (Bilhete Único)" },
  "Canais de Atendimento": { en: "Service channels", es: "Canales de atención" },
  "Cidadania e assistência social": {
    en: "Citizenship and social assistance",
    es: "Ciudadanía y asistencia social",
  },
  "Comércio e serviços": { en: "Trade and services", es: "Comercio y servicios" },
  "Cultura, esporte e lazer": { en: "Culture, sport and leisure", es: "Cultura, deporte y ocio" },
  "Documentos e licenças": { en: "Documents and licences", es: "Documentos y licencias" },
  Educação: { en: "Education", es: "Educación" },
  Finanças: { en: "Finance and taxes", es: "Finanzas e impuestos" },
  "Lixo e limpeza": { en: "Waste and street cleaning", es: "Basura y limpieza" },
  "Localizacao de tumulo": { en: "Grave location", es: "Localización de tumba" },
  "Meio Ambiente": { en: "Environment", es: "Medio ambiente" },
  "Obras, imóveis e habitação": { en: "Works, property and housing", es: "Obras, inmuebles y vivienda" },
  "Ouvidoria Geral do Município": { en: "City Ombudsman", es: "Defensoría del Pueblo Municipal" },
  "Rua e bairro": { en: "Street and neighbourhood", es: "Calle y barrio" },
  "SAC/GRC": { en: "Customer service (SAC/GRC)", es: "Atención al cliente (SAC/GRC)" },
  Saúde: { en: "Health", es: "Salud" },
  "Segurança urbana": { en: "Public safety", es: "Seguridad urbana" },
  Trabalho: { en: "Work and employment", es: "Trabajo y empleo" },
  "Trânsito e Transporte": { en: "Traffic and transport", es: "Tránsito y transporte" },
  Urgência: { en: "Emergencies", es: "Urgencias" },
};
