/**
 * The few SP156 services seeded with Open311-style extra fields: clearly place-based ones where a field spares the
 * field team a visit (where the tree stands, how big the pothole is). Keyed by the Serviço name as in the CSV.
 */
import { ServiceAttribute } from "../../domain/attributes.ts";

type Choice = [key: string, pt: string, en: string, es: string];

function list(
  code: string,
  required: boolean,
  order: number,
  question: [pt: string, en: string, es: string],
  choices: Choice[],
): ServiceAttribute {
  return ServiceAttribute.parse({
    code,
    datatype: "singlevaluelist",
    required,
    order,
    description: { "pt-BR": question[0], en: question[1], es: question[2] },
    values: choices.map(([key, pt, en, es]) => ({ key, name: { "pt-BR": pt, en, es } })),
  });
}

const treeLocation = list(
  "tree_location",
  true,
  1,
  ["Onde está a árvore?", "Where is the tree?", "¿Dónde está el árbol?"],
  [
    ["calcada", "Calçada", "Pavement", "Acera"],
    ["praca", "Praça", "Square", "Plaza"],
    ["canteiro", "Canteiro central", "Central reservation", "Mediana"],
  ],
);

const fallenTreeBlocking = list(
  "blocking",
  true,
  1,
  [
    "O que a árvore ou o galho atingiu?",
    "What did the tree or branch hit?",
    "¿Qué alcanzó el árbol o la rama?",
  ],
  [
    ["road", "Bloqueia a via", "Blocks the road", "Bloquea la calle"],
    ["pavement", "Bloqueia a calçada", "Blocks the pavement", "Bloquea la acera"],
    ["wires", "Está sobre a fiação", "Lies on power lines", "Está sobre el cableado"],
    ["property", "Atingiu imóvel ou veículo", "Hit a building or vehicle", "Alcanzó un inmueble o vehículo"],
    ["none", "Não bloqueia nada", "Blocks nothing", "No bloquea nada"],
  ],
);

const potholeSize = list(
  "size",
  false,
  1,
  ["Qual o tamanho do buraco?", "How big is the pothole?", "¿De qué tamaño es el bache?"],
  [
    ["small", "Pequeno (até 30 cm)", "Small (up to 30 cm)", "Pequeño (hasta 30 cm)"],
    ["medium", "Médio (30 cm a 1 m)", "Medium (30 cm to 1 m)", "Mediano (30 cm a 1 m)"],
    ["large", "Grande (mais de 1 m)", "Large (over 1 m)", "Grande (más de 1 m)"],
  ],
);

const lampProblem = list(
  "lamp_problem",
  true,
  1,
  [
    "Qual é o problema da iluminação?",
    "What is wrong with the lighting?",
    "¿Cuál es el problema del alumbrado?",
  ],
  [
    ["off", "Lâmpada apagada", "Lamp off", "Lámpara apagada"],
    ["on_by_day", "Acesa durante o dia", "On during the day", "Encendida durante el día"],
    ["flickering", "Piscando", "Flickering", "Parpadea"],
    ["damaged", "Poste ou luminária danificada", "Damaged post or fitting", "Poste o luminaria dañada"],
  ],
);

const rubbleVolume = list(
  "volume",
  false,
  1,
  ["Quanto entulho há?", "How much rubble is there?", "¿Cuántos escombros hay?"],
  [
    [
      "up_to_1m3",
      "Até 1 m³ (cabe num carrinho)",
      "Up to 1 m³ (a wheelbarrow)",
      "Hasta 1 m³ (una carretilla)",
    ],
    ["1_to_5m3", "De 1 a 5 m³", "1 to 5 m³", "De 1 a 5 m³"],
    ["over_5m3", "Mais de 5 m³ (caminhão)", "Over 5 m³ (a truckload)", "Más de 5 m³ (un camión)"],
  ],
);

/** Extra fields per SP156 Serviço name. */
export const SP156_ATTRIBUTES: Record<string, ServiceAttribute[]> = {
  "Avaliação e serviços em árvore em área pública": [treeLocation],
  "Execução de serviços em árvore localizada em área pública": [treeLocation],
  "Queda de árvore": [fallenTreeBlocking],
  "Queda de galho": [fallenTreeBlocking],
  "Árvore ou galho caído": [fallenTreeBlocking],
  "Tapa-buraco": [potholeSize],
  "Tapa-buraco em faixa exclusiva ou corredor de ônibus": [potholeSize],
  "Reclamação sobre iluminação pública (ILUME)": [lampProblem],
  "Remoção de entulho em via pública": [rubbleVolume],
};
