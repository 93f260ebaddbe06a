/**
 * How free text becomes the terms the suggester compares: lower case without accents, WhatsApp abbreviations and
 * slang spelled out, stop words of the reader's language (and always Portuguese's) dropped, a light stem, and
 * adjacent-word pairs. Pure functions, shared by the index (catalogue side) and the query (citizen side) so both
 * spell a word the same way. One stemmer serves the three languages: it only cuts plurals and keeps six letters,
 * which English and Spanish words survive as well as Portuguese ones.
 */

/** The languages the suggester reads; each adds its stop words and spellings to Portuguese's. */
export type TextLanguage = "pt-BR" | "en" | "es";

/** Lower case, no accents, letters and digits only, single spaces; runs of 3+ equal letters cut to one. */
export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .replace(/([a-z])\1{2,}/g, "$1")
    .trim();
}

/**
 * WhatsApp spellings and slang → the word the catalogue would use. Several words may stand for one ("dnv" → "de
 * novo"). Written by hand from common Brazilian chat usage; a wrong entry only costs recall on that word.
 */
const SPELLINGS: Record<string, string> = {
  vc: "voce",
  vcs: "voces",
  q: "que",
  oq: "o que",
  pq: "porque",
  pqp: "",
  tb: "tambem",
  tbm: "tambem",
  ta: "esta",
  tah: "esta",
  to: "estou",
  tao: "estao",
  n: "nao",
  naum: "nao",
  nd: "nada",
  dnv: "de novo",
  pfv: "por favor",
  pf: "por favor",
  pfvr: "por favor",
  plz: "por favor",
  mt: "muito",
  mto: "muito",
  mta: "muita",
  hj: "hoje",
  kd: "cade",
  aki: "aqui",
  aq: "aqui",
  eh: "e",
  msm: "mesmo",
  qdo: "quando",
  qnd: "quando",
  qd: "quando",
  td: "tudo",
  tds: "todos",
  cmg: "comigo",
  blz: "beleza",
  vlw: "obrigado",
  obg: "obrigado",
  obgd: "obrigado",
  pra: "para",
  pro: "para o",
  pros: "para os",
  num: "nao",
  ngm: "ninguem",
  nois: "nos",
  busao: "onibus",
  buzao: "onibus",
  bus: "onibus",
  omnibus: "onibus",
  buracao: "buraco",
  buraqueira: "buraco",
  cratera: "buraco",
  rataria: "rato",
  ratazana: "rato",
  ratazanas: "rato",
  boeiro: "bueiro",
  mosquitos: "mosquito",
  muricoca: "pernilongo",
  carapana: "pernilongo",
  pernilongos: "pernilongo",
  cachorro: "cao",
  cachorros: "cao",
  dog: "cao",
  sinaleiro: "semaforo",
  farol: "semaforo",
  cabo: "fio",
  treco: "objeto",
  trecos: "objetos",
  latinha: "lata",
  bituca: "lixo",
  sujeira: "lixo",
  imundo: "sujo",
  imunda: "suja",
  zoada: "barulho",
  zoeira: "barulho",
  batidao: "som alto",
  pancadao: "som alto",
  baile: "festa",
  funk: "som alto",
  mendigo: "morador rua",
  mendigos: "morador rua",
  noia: "morador rua",
  noias: "morador rua",
  cracolandia: "morador rua",
  bu: "bilhete unico",
  cnh: "carteira habilitacao",
  defis: "deficiente",
  cadeirante: "deficiente",
  idosa: "idoso",
  velhinho: "idoso",
  velhinha: "idoso",
  motora: "motorista",
  trocador: "cobrador",
  carao: "carro",
  carrao: "carro",
  corgo: "corrego",
  corguinho: "corrego",
  vespa: "vespeiro",
  vespas: "vespeiro",
  marimbondo: "vespeiro",
  marimbondos: "vespeiro",
  abelha: "colmeia",
  abelhas: "colmeia",
  enxame: "colmeia",
};

/** English and Spanish spellings that would otherwise miss their stem: irregular plurals, contractions. */
const SPELLINGS_BY_LANGUAGE: Record<Exclude<TextLanguage, "pt-BR">, Record<string, string>> = {
  en: {
    leaves: "leaf",
    mice: "mouse",
    streetlight: "street light",
    streetlights: "street light",
    lamppost: "lamp post",
    lampposts: "lamp post",
    trashcan: "trash can",
    sidewalks: "sidewalk",
    wasnt: "",
    isnt: "",
    dont: "",
    doesnt: "",
    didnt: "",
    cant: "",
    wont: "",
    theres: "",
    ive: "",
    im: "",
    pls: "please",
    plz: "please",
  },
  es: {
    arboles: "arbol",
    luces: "luz",
    raices: "raiz",
    ratones: "raton",
    semaforos: "semaforo",
    camiones: "camion",
    autobuses: "autobus",
    porfa: "por favor",
    xfa: "por favor",
    xq: "porque",
    q: "que",
  },
};

/** Words too common in citizens' messages or catalogue names to tell services apart. */
const STOP_WORDS = new Set(
  (
    "a as o os e ou de da das do dos d em na nas no nos num numa um uma uns umas ao aos para por pela pelo pelas " +
    "pelos com sem sobre que se sua seu suas seus ate apos entre etc me mim meu minha meus minhas eu ele ela eles " +
    "elas voce voces nos gente isso isto esse essa este esta estes estas aquele aquela aqui ali la ai ja so mais " +
    "muito muita muitos muitas tudo todo toda todos todas nada quando como onde porque pois mas tambem ainda " +
    "estou esta estao estava foi sao ser ter tem tinha teve fica ficou faz fazer ha vai vao vem veio " +
    "bom boa dia tarde noite ola oi prezado prezados prezada senhor senhora favor obrigado obrigada " +
    "gostaria solicito solicita solicitar pedir peco pede queria quero preciso precisa alguem algum alguma " +
    "hoje ontem dias semana semanas mes meses ano anos vez vezes nao sim de novo mesmo cade"
  ).split(" "),
);

/**
 * English and Spanish function words and the filler of complaints ("there is a huge pothole on my street" must
 * not match on "is"). A reader's language adds its list to Portuguese's, so Portuguese is still read on en/es screens.
 */
const STOP_WORDS_BY_LANGUAGE: Record<Exclude<TextLanguage, "pt-BR">, Set<string>> = {
  en: new Set(
    (
      "a an the is are was were be been being am there here this that these those it its it s i me my mine we us " +
      "our you your he him his she her they them their of to in on at by for from with without into onto over " +
      "under near next about and or but if so as than then also too very really quite just still again already " +
      "not no yes do does did done doing have has had having can could would should will shall may might must " +
      "please thanks thank hello hi hey dear sir madam good morning afternoon evening day days week weeks month " +
      "months year years today yesterday since ago some any all every lot lots huge big large small little one " +
      "someone somebody anyone nobody something anything nothing get got getting want wanted need needs like " +
      "report reporting complain complaining request requesting help which what when where who why how outside " +
      "front behind across street road st ave avenue"
    ).split(" "),
  ),
  es: new Set(
    (
      "el la los las lo un una unos unas de del al a en y o u e ni que se su sus mi mis tu tus nuestro nuestra es " +
      "son era fue ser estar esta estan estaba hay habia ha han he con sin por para sobre entre desde hasta hacia " +
      "como cuando donde porque pero tambien muy mucho mucha muchos muchas mas menos ya aun todavia este esta " +
      "estos estas ese esa esos esas aquel aqui alli ahi yo me te le les nos usted ustedes ellos ellas no si " +
      "hola buenos buenas dias tardes noches gracias favor senor senora quiero quisiera necesito necesita pido " +
      "solicito reportar denunciar ayuda hoy ayer semana semanas mes meses ano anos hace desde todo toda todos " +
      "todas nada algo alguien nadie enorme grande gran pequeno otra otro vez veces calle avenida frente delante"
    ).split(" "),
  ),
};

// Portuguese inflection: nouns of action (-amento, -ção), gerund, participle, past and infinitive, final vowel.
const VERB_NOUN_ENDINGS = (
  "amentos imentos amento imento mente acao icao ando endo indo adas idas ados idos ada ida ado ido aram eram " +
  "iram ou eu iu ar er ir am em a o e"
).split(" ");

/**
 * A light stem: plural, diminutive, then one verb or noun ending removed, then the first six letters (Portuguese
 * words share roots; English and Spanish words, cut the same way on both sides, still meet).
 */
export function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith("coes")) w = `${w.slice(0, -4)}cao`;
  else if (w.length > 4 && w.endsWith("oes")) w = `${w.slice(0, -3)}ao`;
  else if (w.length > 3 && w.endsWith("s") && !w.endsWith("us")) w = w.slice(0, -1);
  for (const ending of ["zinho", "zinha", "inho", "inha"]) {
    if (w.length > ending.length + 3 && w.endsWith(ending)) {
      w = `${w.slice(0, -ending.length)}o`;
      break;
    }
  }
  // verb and noun endings, longest first, only while a root of four letters is left: "afundou", "afundando" and
  // "afundamento" all read "afund"; "varrida" and "varrição" read "varr"
  for (const ending of VERB_NOUN_ENDINGS) {
    if (w.length - ending.length >= 4 && w.endsWith(ending)) {
      w = w.slice(0, -ending.length);
      break;
    }
  }
  return w.slice(0, 6);
}

// A street-type word, then up to five capitalised words (or "de", "da", "dos"…): the name of a street or place.
const PLACE_NAME =
  /\b((?:[Rr]ua|R\.|[Aa]v\.?|[Aa]venida|[Aa]lameda|[Tt]ravessa|[Ee]strada|[Rr]odovia|[Ll]argo|[Jj]d\.?|[Jj]ardim|[Vv]ila|[Vv]l\.|[Pp]arque|[Bb]airro|[Ss]treet|[Cc]alle))\s+(?:(?:\p{Lu}[\p{L}'.]*|d[aeo]s?|del?)(?:\s+|$|(?=[,.;:!?0-9]))){1,6}/gu;

/**
 * A citizen's message without the names of streets and places ("na Rua Harmonia, 120" keeps "na Rua"): a street
 * named after a tree, a saint or a river must not pull its services. Only capitalised names are cut, so
 * "rua suja" and "buraco na rua" are untouched.
 */
export function withoutPlaceNames(text: string): string {
  return text.replace(PLACE_NAME, "$1 ");
}

/** The words of a text after folding and spelling out abbreviations and slang (stop words kept). */
export function words(text: string, language: TextLanguage = "pt-BR"): string[] {
  const extra = language === "pt-BR" ? undefined : SPELLINGS_BY_LANGUAGE[language];
  const out: string[] = [];
  for (const token of fold(text).split(" ")) {
    if (!token) continue;
    const spelled = extra?.[token] ?? SPELLINGS[token];
    if (spelled === undefined) out.push(token);
    else if (spelled) out.push(...spelled.split(" "));
  }
  return out;
}

/** True when a folded word carries meaning: not a stop word, not a bare number, at least two letters. */
export function isContentWord(word: string, language: TextLanguage = "pt-BR"): boolean {
  if (word.length < 2 || STOP_WORDS.has(word) || /^\d+[a-z]?$/.test(word)) return false;
  return language === "pt-BR" || !STOP_WORDS_BY_LANGUAGE[language].has(word);
}

/** The content words of a text in `language`, folded and spelled out, in order. */
export function contentWords(text: string, language: TextLanguage = "pt-BR"): string[] {
  return words(text, language).filter((w) => isContentWord(w, language));
}

/** The terms of a list of content words: each stem, and each pair of neighbouring stems ("boca_lobo"). */
export function termsOf(content: readonly string[]): string[] {
  const stems = content.map(stem);
  const terms = [...stems];
  for (let i = 1; i < stems.length; i++) terms.push(`${stems[i - 1]}_${stems[i]}`);
  return terms;
}
