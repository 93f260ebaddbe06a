/**
 * Portuguese street addresses as people type them ("r augusta 1200", "Rua Prof. Artur Ramos, 183") and as the
 * city publishes its streets ("R AUGUSTA", "R ARTUR RAMOS"), brought to one comparable form: upper case, no accents,
 * the type word abbreviated the city's way, and the name without its titles and particles.
 */

/** Upper case, accents removed, anything but letters and digits turned into single spaces. */
export function normalizeText(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, " ")
    .trim();
}

// Type words as written in full or abbreviated, mapped to the abbreviation of São Paulo's street layer.
const TYPES: Record<string, string> = {
  R: "R",
  RUA: "R",
  AV: "AV",
  AVE: "AV",
  AVENIDA: "AV",
  AL: "AL",
  ALAMEDA: "AL",
  PC: "PC",
  PCA: "PC",
  PRACA: "PC",
  TV: "TV",
  TRAV: "TV",
  TRAVESSA: "TV",
  ES: "ES",
  EST: "ES",
  ESTR: "ES",
  ESTRADA: "ES",
  VE: "VE",
  VIELA: "VE",
  LG: "LG",
  LGO: "LG",
  LARGO: "LG",
  RV: "RV",
  ROD: "RV",
  RODOVIA: "RV",
  VD: "VD",
  VIADUTO: "VD",
  PTE: "PTE",
  PONTE: "PTE",
  PQ: "PQ",
  PARQUE: "PQ",
  PS: "PS",
  PASSAGEM: "PS",
  ESC: "ESC",
  ESCADARIA: "ESC",
  AC: "AC",
  ACESSO: "AC",
  VIA: "VIA",
  VL: "VL",
  CM: "CM",
  CAMINHO: "CM",
  TN: "TN",
  TUNEL: "TN",
  BC: "BC",
  BECO: "BC",
  LD: "LD",
  LADEIRA: "LD",
  SV: "SV",
  SERVIDAO: "SV",
  RP: "RP",
  VP: "VP",
  TVP: "TVP",
  VEP: "VEP",
  PQM: "PQM",
  CV: "CV",
  JD: "JD",
};

// Two-word types written in full: "Rua Particular", "Viela Particular".
const TWO_WORD_TYPES: Record<string, string> = {
  "RUA PARTICULAR": "RP",
  "VIELA PARTICULAR": "VEP",
  "TRAVESSA PARTICULAR": "TVP",
  "PARQUE MUNICIPAL": "PQM",
};

// Titles before a person's name. São Paulo's street layer leaves them out ("R ARTUR RAMOS" for Rua Professor Artur
// Ramos) and SP156 writes them in full, so both sides drop them when they lead the name.
const TITLES = new Set(
  (
    "PROF PROFA PROFESSOR PROFESSORA DR DRA DOUTOR DOUTORA GEN GENERAL CEL CORONEL PE PADRE PRES PRESIDENTE " +
    "SEN SENADOR SENADORA DEP DEPUTADO DEPUTADA ENG ENGENHEIRO ENGENHEIRA COM COMENDADOR BRIG BRIGADEIRO CAP " +
    "CAPITAO TEN TENENTE MAJ MAJOR MAL MARECHAL ALM ALMIRANTE SGT SARGENTO CB CABO SD SOLDADO VER VEREADOR " +
    "VEREADORA DES DESEMBARGADOR MIN MINISTRO GOV GOVERNADOR CONS CONSELHEIRO CON CONEGO MONS MONSENHOR FR FREI " +
    "D DOM DONA CONDE CONDESSA BARAO BARONESA VISC VISCONDE VISCONDESSA MARQUESA DUQUE DUQUESA PRINCESA " +
    "IMPERADOR IMPERATRIZ IRMA IRMAO MAESTRO POETA PREF PREFEITO JORNALISTA PASTOR BISPO CARDEAL ARCEBISPO " +
    "REGENTE ALFERES CMTE COMANDANTE DEL DELEGADO ARQ ARQUITETO MADRE SOR EMBAIXADOR REVERENDO BEATO"
  ).split(" "),
);

// Saints lead many names and the layer mostly leaves them out ("AV MIGUEL" for Avenida São Miguel, "AV SABARA" for
// Avenida Nossa Senhora de Sabará), so both sides drop them too. Each maps to one spelling, so that the geocoder can
// tell "Rua Dias da Silva" from "Praça Santo Dias da Silva" once both are "DIAS SILVA".
const SAINTS = new Map([
  ["S", "SAO"],
  ["SAO", "SAO"],
  ["STO", "SANTO"],
  ["SANTO", "SANTO"],
  ["STA", "SANTA"],
  ["SANTA", "SANTA"],
  ["NOSSA SENHORA", "NOSSA SENHORA"],
  ["N SRA", "NOSSA SENHORA"],
  ["NSA SRA", "NOSSA SENHORA"],
  ["N S", "NOSSA SENHORA"],
]);

const UNITS =
  "ZERO UM DOIS TRES QUATRO CINCO SEIS SETE OITO NOVE DEZ ONZE DOZE TREZE QUATORZE QUINZE DEZESSEIS DEZESSETE DEZOITO DEZENOVE".split(
    " ",
  );
const TENS = "_ _ VINTE TRINTA QUARENTA CINQUENTA SESSENTA SETENTA OITENTA NOVENTA".split(" ");
const HUNDREDS =
  "_ CENTO DUZENTOS TREZENTOS QUATROCENTOS QUINHENTOS SEISCENTOS SETECENTOS OITOCENTOS NOVECENTOS".split(" ");

/** A number below 1000 in Portuguese words without "E", as the layer writes dates: 23 → "VINTE TRES". */
function numberWords(n: number): string {
  if (n === 100) return "CEM";
  const words: string[] = [];
  if (n >= 100) words.push(HUNDREDS[Math.floor(n / 100)] as string);
  const rest = n % 100;
  if (rest >= 20) {
    words.push(TENS[Math.floor(rest / 10)] as string);
    if (rest % 10) words.push(UNITS[rest % 10] as string);
  } else if (rest > 0 || n === 0) words.push(UNITS[rest] as string);
  return words.join(" ");
}

const PARTICLES = new Set(["DE", "DA", "DO", "DAS", "DOS", "E", "D"]);

// Words that introduce the house number: "nº 1000", "n. 12", "numero 5".
const NUMBER_WORDS = new Set(["N", "NO", "NRO", "NUM", "NUMERO"]);

/** An address split into its street (type, name, comparable name) and house number. */
export interface ParsedAddress {
  /** The type word, abbreviated as the city's street layer writes it: R, AV, AL, PC … */
  type?: string;
  /** The street name as typed, upper case and without accents, without its type word. */
  name: string;
  /** The name without titles, saints and particles: what `streets.normalized_name` holds. */
  normalizedName: string;
  /** The leading saint dropped from the name, in one spelling ("SAO" for S/São, "NOSSA SENHORA" …), if any. */
  saint?: string;
  number?: number;
}

/** Splits the leading type word off a list of normalised words. */
function takeType(words: string[]): { type?: string; rest: string[] } {
  const two = TWO_WORD_TYPES[`${words[0]} ${words[1]}`];
  if (two && words.length > 2) return { type: two, rest: words.slice(2) };
  const one = words[0] === undefined ? undefined : TYPES[words[0]];
  if (one && words.length > 1) return { type: one, rest: words.slice(1) };
  return { rest: words };
}

/** The comparable form of a street name given without its type word, and the saint it dropped. */
function comparableName(words: string[]): { normalizedName: string; saint?: string } {
  let start = 0;
  let saint: string | undefined;
  // Leading titles and saints go, however many ("Professor Doutor"), but never the whole name ("Rua General").
  for (;;) {
    const two = `${words[start]} ${words[start + 1]}`;
    if (start < words.length - 2 && SAINTS.has(two)) {
      saint = SAINTS.get(two);
      start += 2;
    } else if (start < words.length - 1 && TITLES.has(words[start] as string)) start++;
    else if (start < words.length - 1 && SAINTS.has(words[start] as string)) {
      saint = SAINTS.get(words[start] as string);
      start++;
    } else break;
  }
  const kept = words
    .slice(start)
    .flatMap((w) => (/^\d{1,3}$/.test(w) ? numberWords(Number(w)).split(" ") : [w]));
  const core = kept.filter((w) => !PARTICLES.has(w));
  return { normalizedName: (core.length > 0 ? core : kept).join(" "), ...(saint ? { saint } : {}) };
}

/** Splits an official street name ("R PROF ARTUR RAMOS (V. X)") into its type and comparable name. */
export function parseStreetName(officialName: string): {
  type?: string;
  normalizedName: string;
  saint?: string;
} {
  // The layer adds the neighbourhood of numbered streets in brackets: "R SEIS (V. PAULISTA)".
  const words = normalizeText(officialName.replace(/\([^)]*\)?/g, " "))
    .split(" ")
    .filter(Boolean);
  const { type, rest } = takeType(words);
  return { ...(type ? { type } : {}), ...comparableName(rest) };
}

/** The comparable form of an official street name, stored in `streets.normalized_name`. */
export function normalizeStreetName(officialName: string): string {
  return parseStreetName(officialName).normalizedName;
}

/** Parses a typed address ("av paulista nº 1000", "Rua X, 12 - apto 3") into street and house number. */
export function parseAddress(text: string): ParsedAddress {
  // Text after the first comma never belongs to the street name; it holds the number and the complement.
  const raw = text.replace(/n[º°]/gi, " N ");
  const comma = raw.indexOf(",");
  const head = normalizeText(comma >= 0 ? raw.slice(0, comma) : raw)
    .split(" ")
    .filter(Boolean);
  const tail = comma >= 0 ? normalizeText(raw.slice(comma + 1)).split(" ") : [];
  const { type, rest } = takeType(head);
  let nameWords = rest;
  let number: number | undefined;
  // A number right after the type is part of the name ("Rua 25 de Março"); a later one is the house number.
  const at = rest.findIndex((w, i) => i > 0 && /^\d+[A-Z]?$/.test(w));
  if (at > 0) {
    number = Number.parseInt(rest[at] as string, 10);
    nameWords = rest.slice(0, at);
  } else {
    const inTail = tail.find((w) => /^\d+[A-Z]?$/.test(w));
    if (inTail) number = Number.parseInt(inTail, 10);
  }
  while (nameWords.length > 1 && NUMBER_WORDS.has(nameWords[nameWords.length - 1] as string)) {
    nameWords = nameWords.slice(0, -1);
  }
  return {
    ...(type ? { type } : {}),
    name: nameWords.join(" "),
    ...comparableName(nameWords),
    ...(number !== undefined && number > 0 ? { number } : {}),
  };
}

/** The comparable form of an area name ("M'Boi Mirim" → "M BOI MIRIM"), as `area_aliases.alias` stores it. */
export function normalizeAreaName(name: string): string {
  return normalizeText(name);
}
