/**
 * The citizens' words (see vocabulary.ts) for keeping the city clean and green: rubbish, rubble, sweeping, drains
 * and streams, trees, squares.
 */
import type { VocabularyEntry } from "./vocabulary.ts";

export const UPKEEP_VOCABULARY: readonly VocabularyEntry[] = [
  {
    service: "Avaliação e serviços em árvore em área pública",
    phrases: [
      "poda de arvore",
      "podar arvore",
      "cortar arvore",
      "remover arvore",
      "arvore galhos encostando fios",
      "arvore raiz quebrando calcada",
      "arvore seca morta",
      "avaliacao tecnica de arvore",
      "arvore muito grande precisa poda",
      "galhos da arvore na fiacao",
    ],
  },
  {
    service: "Roçada em praças e canteiro central",
    phrases: ["mato alto na praca", "cortar mato canteiro central", "grama alta praca", "rocada mato"],
  },
  {
    service: "Remoção de grandes objetos em vias públicas",
    phrases: [
      "sofa jogado na rua",
      "retirar sofa colchao",
      "geladeira fogao guarda roupa abandonado na calcada",
      "moveis velhos descartados",
      "colchao velho",
    ],
  },
  {
    service: "Remoção de entulho em via pública",
    phrases: [
      "entulho na rua",
      "retirar entulho",
      "restos de obra na calcada",
      "tijolo areia entulho jogado",
    ],
  },
  {
    service: "Reclamação de falta de varrição",
    phrases: [
      "rua suja",
      "ninguem varre a rua",
      "varredor nao passa",
      "falta varrer calcada folhas",
      "lixo acumulado na rua",
      "lixo espalhado pela calcada",
    ],
  },
  {
    service: "Limpeza de bueiros, boca de lobo e poços de visita",
    phrases: [
      "bueiro entupido",
      "boca de lobo entupida",
      "bueiro cheio de lixo",
      "limpar bueiro alaga quando chove",
      "bueiro entupido com folhas e terra",
    ],
  },
  {
    service: "Fiscalização de descarte irregular de entulho e outros resíduos em área pública",
    phrases: [
      "pessoas jogando lixo em terreno",
      "descarte irregular multa",
      "caminhao despeja entulho flagrante",
      "carroceiro jogando lixo ponto viciado",
    ],
  },
  {
    service: "Reclamação de não retirada de material",
    phrases: [
      "pedi retirada e nao retiraram",
      "protocolo fechado mas o material continua",
      "nao vieram buscar",
    ],
  },
  {
    service: "Reforma de bueiros, boca de lobo e poços de visita",
    phrases: ["tampa do bueiro quebrada", "grelha quebrada", "bueiro quebrado", "tampa bueiro sumiu"],
  },
  {
    service: "Reclamações sobre coleta de lixo domiciliar",
    phrases: ["caminhao do lixo nao passou", "coleta de lixo nao passa", "lixo nao foi recolhido"],
  },
  {
    service: "Denúncia de reciclagem irregular",
    phrases: ["ferro velho irregular", "deposito de reciclagem", "catador acumulando material reciclavel"],
  },
  {
    service: "Execução de serviços em árvore localizada em área pública",
    phrases: [
      "poda autorizada e ninguem veio",
      "vistoria aprovou e nao executaram",
      "ja avaliaram a arvore falta executar",
    ],
  },
  {
    service: "Instalação e remoção de lixeira",
    phrases: ["lixeira publica", "colocar lixeira", "lixeira quebrada", "tirar lixeira"],
  },
  {
    service: "Cata Bagulho - Reclamação de não retirada de material",
    phrases: ["cata bagulho nao passou", "cata bagulho nao levou", "cata-bagulho"],
  },
  {
    service: "Capinação em guias e sarjetas",
    phrases: ["mato na sarjeta", "capinar guia", "mato crescendo na guia"],
  },
  {
    service: "Denunciar despejo irregular de água usada ou esgoto",
    phrases: [
      "esgoto a ceu aberto",
      "vizinho joga esgoto na rua",
      "agua suja escorrendo",
      "cheiro de esgoto",
    ],
  },
  {
    service: "Queda de árvore",
    assunto: "Defesa Civil",
    phrases: ["arvore caiu", "arvore caida na rua", "arvore tombou em cima do carro"],
  },
  { service: "Limpeza de córrego", phrases: ["corrego sujo", "lixo no corrego", "limpar rio corrego"] },
  {
    service: "Denúncia de poda/remoção não autorizada",
    phrases: ["cortaram arvore sem autorizacao", "vizinho cortou arvore", "arrancaram arvore"],
  },
  {
    service: "Risco iminente de queda de árvore",
    phrases: ["arvore vai cair", "arvore inclinada", "tronco rachado", "arvore tombando"],
  },
  {
    service: "Plantio de árvore em vias e áreas públicas",
    phrases: ["plantar arvore", "plantio de muda", "quero uma arvore na calcada"],
  },
  {
    service: "Reforma e revitalização de praças",
    phrases: ["reformar praca", "praca abandonada", "bancos quebrados praca", "parquinho quebrado"],
  },
  {
    service: "Recuperar galerias de águas de chuvas (pluviais)",
    phrases: ["galeria desmoronou", "cano de agua de chuva quebrado", "cratera galeria"],
  },
  {
    service: "Limpeza da via pública após enchentes ou eventos",
    phrases: ["limpeza apos enchente", "lama depois da chuva", "sujeira depois do evento feira"],
  },
  {
    service: "Denúncia de colocação de lixo domiciliar fora do horário de coleta",
    phrases: ["vizinho coloca lixo fora do horario", "saco de lixo na calcada depois da coleta"],
  },
  {
    service: "Queda de galho",
    phrases: ["galho caiu", "galho caido na rua", "galho quebrado caido na fiacao"],
  },
  {
    service: "Construção de bueiros, boca de lobo e poços de visita",
    phrases: ["rua sem bueiro", "nao tem boca de lobo", "construir bueiro"],
  },
];
