/**
 * How free Portuguese text becomes the terms the suggester compares: lower case without accents, WhatsApp
 * abbreviations and slang spelled out, stop words dropped, a light stem, and adjacent-word pairs. Pure functions,
 * shared by the index (catalogue side) and the query (citizen side) so both spell a word the same way.
 */

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

/** A light stem: plural and a few endings removed, then the first six letters (Portuguese words share roots). */
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
  return w.slice(0, 6);
}

/** The words of a text after folding and spelling out abbreviations and slang (stop words kept). */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const token of fold(text).split(" ")) {
    if (!token) continue;
    const spelled = SPELLINGS[token];
    if (spelled === undefined) out.push(token);
    else if (spelled) out.push(...spelled.split(" "));
  }
  return out;
}

/** True when a folded word carries meaning: not a stop word, not a bare number, at least two letters. */
export function isContentWord(word: string): boolean {
  return word.length >= 2 && !STOP_WORDS.has(word) && !/^\d+$/.test(word) && !/^\d+[a-z]?$/.test(word);
}

/** The content words of a text, folded and spelled out, in order. */
export function contentWords(text: string): string[] {
  return words(text).filter(isContentWord);
}

/** The terms of a list of content words: each stem, and each pair of neighbouring stems ("boca_lobo"). */
export function termsOf(content: readonly string[]): string[] {
  const stems = content.map(stem);
  const terms = [...stems];
  for (let i = 1; i < stems.length; i++) terms.push(`${stems[i - 1]}_${stems[i]}`);
  return terms;
}
