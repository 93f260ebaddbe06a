/**
 * The demo city's questionnaires (issue 17), as data for server/questionnaires/seed.ts: street cleaning, household
 * waste collection and public lighting, in pt-BR, en and es, with the prompts an automated call reads (keypad keys)
 * and a chat writes, skip logic ("if no, ask why"), photos, a location and scoring.
 */
import type { Condition, LocalText, Question, QuestionnaireDefinition } from "../../domain/questionnaire.ts";

const t = (pt: string, en: string, es: string): LocalText => ({ "pt-BR": pt, en, es });

/** A question's label followed by what to answer, in each language: a call's or a chat's prompt. */
const ask = (label: LocalText, pt: string, en: string, es: string) =>
  t(`${label["pt-BR"]} ${pt}`, `${label.en} ${en}`, `${label.es} ${es}`);

/** A choice: [value, pt-BR, en, es, score?]. */
type ChoiceRow = [string, string, string, string, number?];

/**
 * A choice question whose choices are keyed on the keypad by position (1, 2 …); a call reads the label and then
 * "press 1 for …", a chat asks for the option's number.
 */
function choice(
  name: string,
  type: "single_choice" | "multiple_choice",
  label: LocalText,
  rows: ChoiceRow[],
  extra: Partial<Question> = {},
): Question {
  const keys = (word: string, or: string, i: 1 | 2 | 3) =>
    rows
      .map((r, n) => `${n === rows.length - 1 ? `${or} ` : ""}${n + 1} ${word} ${r[i].toLowerCase()}`)
      .join(", ");
  return {
    name,
    type,
    label,
    prompts: {
      voice: ask(
        label,
        `Tecle ${keys("para", "ou", 1)}.`,
        `Press ${keys("for", "or", 2)}.`,
        `Marque ${keys("para", "o", 3)}.`,
      ),
      chat: ask(
        label,
        "Responda com o número da opção.",
        "Answer with the option's number.",
        "Responda con el número de la opción.",
      ),
    },
    choices: rows.map(([value, pt, en, es, score], i) => ({
      value,
      label: t(pt, en, es),
      key: String(i + 1),
      ...(score === undefined ? {} : { score }),
    })),
    ...extra,
  };
}

/** A required yes/no question: a call asks for 1 (yes) or 2 (no), a chat for yes or no. */
function yesNo(name: string, label: LocalText, extra: Partial<Question> = {}): Question {
  return {
    name,
    type: "yes_no",
    label,
    prompts: {
      voice: ask(
        label,
        "Tecle 1 para sim ou 2 para não.",
        "Press 1 for yes or 2 for no.",
        "Marque 1 para sí o 2 para no.",
      ),
      chat: ask(label, "Responda sim ou não.", "Answer yes or no.", "Responda sí o no."),
    },
    required: true,
    ...extra,
  };
}

/** A required 1–5 scale question, scored, with the call's and the chat's instructions. */
function scale(name: string, label: LocalText, service: string): Question {
  return {
    name,
    type: "scale",
    label,
    prompts: {
      voice: ask(
        label,
        "Tecle de 1, muito ruim, a 5, muito bom.",
        "Press 1 for very bad up to 5 for very good.",
        "Marque de 1, muy malo, a 5, muy bueno.",
      ),
      chat: ask(
        label,
        "Responda com uma nota de 1 (muito ruim) a 5 (muito bom).",
        "Answer with a mark from 1 (very bad) to 5 (very good).",
        "Responda con una nota de 1 (muy malo) a 5 (muy bueno).",
      ),
    },
    required: true,
    scoring: "scale",
    service,
  };
}

/** An optional photo question (up to five), asked when `relevant` holds. */
function photo(relevant: Question["relevant"]): Question {
  return {
    name: "foto",
    type: "photo",
    label: t("Fotografe o problema", "Take a photo of the problem", "Fotografíe el problema"),
    hint: t(
      "Até cinco fotos, com a placa da rua ou o número do imóvel quando possível.",
      "Up to five photos, with the street sign or the house number when possible.",
      "Hasta cinco fotos, con la placa de la calle o el número del inmueble cuando sea posible.",
    ),
    constraint: { max: 5 },
    relevant,
  };
}

/** An optional note of at most 500 characters. */
const note: Question = {
  name: "observacao",
  type: "text",
  label: t("Observações", "Notes", "Observaciones"),
  constraint: { maxLength: 500 },
};

/** The services a demo questionnaire names, by their place in the SP156 catalogue (Tema, Assunto, Serviço). */
export const SERVICES = {
  varricao: ["Lixo e limpeza", "Varrição e limpeza urbana", "Reclamação de falta de varrição"],
  sacos: ["Lixo e limpeza", "Varrição e limpeza urbana", "Reclamação de não remoção dos sacos de varrição"],
  coleta: ["Lixo e limpeza", "Coleta de lixo domiciliar", "Reclamações sobre coleta de lixo domiciliar"],
  lampada: ["Rua e bairro", "Iluminação pública", "Reparo de lâmpada"],
  poste: ["Rua e bairro", "Iluminação pública", "Reparo de poste de luz metálico"],
  fiacao: ["Rua e bairro", "Iluminação pública", "Reparo da fiação elétrica"],
} as const;
export type ServiceKey = keyof typeof SERVICES;

/** Street cleaning ("Zeladoria da rua"), about the group of sweeping and urban cleaning. */
function streetCleaning(s: Record<ServiceKey, string>): QuestionnaireDefinition {
  const dirty: Condition = { question: "rua_varrida", op: "eq", value: false };
  const bags: Condition = { question: "sacos_esperando", op: "eq", value: true };
  return {
    questions: [
      yesNo(
        "rua_varrida",
        t(
          "A rua em volta da quadra está varrida?",
          "Is the street around the block swept?",
          "¿La calle alrededor de la manzana está barrida?",
        ),
        { scoring: "yes_good", service: s.varricao },
      ),
      choice(
        "sujeira",
        "single_choice",
        t("O que há na rua?", "What is on the street?", "¿Qué hay en la calle?"),
        [
          ["folhas", "Folhas", "Leaves", "Hojas"],
          ["lixo_espalhado", "Lixo espalhado", "Scattered litter", "Basura esparcida"],
          ["entulho", "Entulho", "Rubble", "Escombros"],
          ["areia_terra", "Areia e terra", "Sand and soil", "Arena y tierra"],
        ],
        { required: true, relevant: dirty },
      ),
      scale(
        "calcadas",
        t(
          "Como está a limpeza das calçadas e sarjetas?",
          "How clean are the pavements and gutters?",
          "¿Cómo está la limpieza de las aceras y cunetas?",
        ),
        s.varricao,
      ),
      yesNo(
        "sacos_esperando",
        t(
          "Há sacos de varrição esperando para ser recolhidos?",
          "Are there street-sweeping bags waiting to be collected?",
          "¿Hay bolsas de barrido esperando ser recogidas?",
        ),
        { scoring: "no_good", service: s.sacos },
      ),
      photo({ any: [dirty, bags] }),
      note,
    ],
  };
}

/** Household waste collection, about the one service of complaints on it. */
function wasteCollection(): QuestionnaireDefinition {
  const missed: Condition = { question: "lixo_recolhido", op: "eq", value: false };
  return {
    questions: [
      yesNo(
        "lixo_recolhido",
        t(
          "A coleta passou e recolheu o lixo da quadra?",
          "Did the collection come and take the block's waste?",
          "¿Pasó la recolección y se llevó la basura de la manzana?",
        ),
        { scoring: "yes_good" },
      ),
      choice(
        "motivo",
        "single_choice",
        t("O que aconteceu?", "What happened?", "¿Qué pasó?"),
        [
          ["nao_passou", "A coleta não passou", "It did not come", "No pasó"],
          ["parcial", "Recolheu só uma parte", "It took only part", "Se llevó solo una parte"],
          [
            "fora_do_horario",
            "Lixo fora do horário",
            "Waste out at the wrong time",
            "Basura fuera de horario",
          ],
        ],
        { required: true, relevant: missed },
      ),
      choice(
        "lixeiras",
        "single_choice",
        t("Como estão as lixeiras?", "How are the bins?", "¿Cómo están los cestos?"),
        [
          ["limpas", "Limpas", "Clean", "Limpios", 1],
          ["cheias", "Cheias", "Full", "Llenos", 0.5],
          ["transbordando", "Transbordando", "Overflowing", "Rebosando", 0],
          ["sem_lixeira", "Não há lixeira", "There is no bin", "No hay cesto"],
        ],
        { required: true, scoring: "choices" },
      ),
      photo(missed),
      note,
    ],
  };
}

/** Public lighting, about the group of its repairs: lamps, poles and wiring. */
function publicLighting(s: Record<ServiceKey, string>): QuestionnaireDefinition {
  const lampsOut: Condition = { question: "lampadas_ok", op: "eq", value: false };
  const problem: Condition = {
    any: [
      lampsOut,
      { question: "postes_ok", op: "eq", value: false },
      { question: "fiacao_exposta", op: "eq", value: true },
    ],
  };
  return {
    questions: [
      yesNo(
        "lampadas_ok",
        t(
          "Todas as lâmpadas da quadra funcionam?",
          "Do all the block's street lamps work?",
          "¿Funcionan todas las farolas de la manzana?",
        ),
        { scoring: "yes_good", service: s.lampada },
      ),
      {
        name: "apagadas",
        type: "number",
        label: t("Quantas lâmpadas têm defeito?", "How many lamps are faulty?", "¿Cuántas farolas fallan?"),
        prompts: {
          voice: t(
            "Quantas lâmpadas têm defeito? Digite o número e tecle sustenido.",
            "How many lamps are faulty? Key in the number, then press hash.",
            "¿Cuántas farolas fallan? Marque el número y luego numeral.",
          ),
        },
        required: true,
        relevant: lampsOut,
        constraint: {
          min: 1,
          max: 30,
          integer: true,
          message: t("De 1 a 30 lâmpadas.", "From 1 to 30 lamps.", "De 1 a 30 farolas."),
        },
      },
      choice(
        "defeito",
        "multiple_choice",
        t("O que você viu?", "What did you see?", "¿Qué vio?"),
        [
          ["apagada", "Apagada", "Off", "Apagada"],
          ["piscando", "Piscando", "Flickering", "Parpadeando"],
          ["acesa_de_dia", "Acesa de dia", "On in daylight", "Encendida de día"],
          ["luminaria_quebrada", "Luminária quebrada", "Broken fitting", "Luminaria rota"],
        ],
        { relevant: lampsOut, constraint: { min: 1 } },
      ),
      yesNo(
        "postes_ok",
        t(
          "Os postes estão em bom estado, sem ferrugem, inclinação ou base danificada?",
          "Are the poles in good order, with no rust, lean or damaged base?",
          "¿Los postes están en buen estado, sin óxido, inclinación ni base dañada?",
        ),
        { scoring: "yes_good", service: s.poste },
      ),
      yesNo(
        "fiacao_exposta",
        t(
          "Há fiação elétrica exposta ou solta?",
          "Is there exposed or loose electric wiring?",
          "¿Hay cableado eléctrico expuesto o suelto?",
        ),
        { scoring: "no_good", service: s.fiacao },
      ),
      photo(problem),
      {
        name: "local",
        type: "location",
        label: t("Onde fica o problema?", "Where is the problem?", "¿Dónde está el problema?"),
        hint: t("Fique ao lado do poste.", "Stand beside the pole.", "Párese junto al poste."),
        relevant: problem,
      },
      note,
    ],
  };
}

/** A demo questionnaire: its code, title, subject and questions (given the services' codes). */
export interface DemoQuestionnaire {
  code: string;
  title: LocalText;
  /** The subject: a group by its place in the catalogue (Tema, Assunto), or one of SERVICES. */
  group?: readonly [string, string];
  service?: ServiceKey;
  needs: readonly ServiceKey[];
  definition: (services: Record<ServiceKey, string>) => QuestionnaireDefinition;
}

/** The demo questionnaires, by code. */
export const DEMO_QUESTIONNAIRES: readonly DemoQuestionnaire[] = [
  {
    code: "zeladoria-rua",
    title: t("Zeladoria da rua", "Street upkeep", "Mantenimiento de la calle"),
    group: ["Lixo e limpeza", "Varrição e limpeza urbana"],
    needs: ["varricao", "sacos"],
    definition: streetCleaning,
  },
  {
    code: "coleta-lixo",
    title: t("Coleta de lixo domiciliar", "Household waste collection", "Recolección de basura domiciliaria"),
    service: "coleta",
    needs: ["coleta"],
    definition: wasteCollection,
  },
  {
    code: "iluminacao-publica",
    title: t("Iluminação pública", "Public lighting", "Alumbrado público"),
    group: ["Rua e bairro", "Iluminação pública"],
    needs: ["lampada", "poste", "fiacao"],
    definition: publicLighting,
  },
];
