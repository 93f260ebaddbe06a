/**
 * The citizens' words (see vocabulary.ts) for inspection, health and social care: noise, works, trade, pests and
 * animals, private land, the ombudsman, social assistance and the other services.
 */
import type { VocabularyEntry } from "./vocabulary.ts";

export const INSPECTION_AND_HEALTH_VOCABULARY: readonly VocabularyEntry[] = [
  {
    service: "Serviço Especializado de Abordagem Social às Pessoas em Situação de Rua - SEAS",
    phrases: [
      "morador de rua",
      "pessoa em situacao de rua dormindo na calcada",
      "mendigo morando na praca",
      "familia com criancas morando na rua barraca",
      "abordagem social pessoa desabrigada",
      "homem dormindo na porta",
      "pessoa dormindo na calcada precisa de ajuda",
      "morando debaixo do viaduto",
    ],
  },
  {
    service: "Reclamação de poluição sonora - PSIU",
    phrases: [
      "barulho",
      "som alto",
      "musica alta bar",
      "barulho a noite toda nao deixa dormir",
      "igreja barulho culto",
      "festa barulho vizinho bar",
      "som automotivo alto na rua",
      "bar com caixa de som ate de madrugada",
    ],
  },
  {
    service: "Denúncias de locais com acúmulo de água limpa e parada",
    phrases: [
      "dengue",
      "agua parada",
      "foco de dengue",
      "piscina abandonada agua parada",
      "pneus acumulando agua mosquito da dengue",
    ],
  },
  {
    service: "Reclamação",
    assunto: "Ouvidoria Geral do Município",
    phrases: ["reclamar na ouvidoria", "ouvidoria reclamacao atendimento pessimo", "quero reclamar ouvidor"],
  },
  {
    service: "Solicitação",
    assunto: "Ouvidoria Geral do Município",
    phrases: ["ouvidoria solicito informacao andamento", "pedido a ouvidoria"],
  },
  {
    service: "Fiscalização de obra e reforma em imóvel particular",
    phrases: [
      "obra irregular vizinho",
      "construcao sem alvara",
      "reforma vizinho sem licenca",
      "obra fazendo barulho domingo",
      "puxadinho",
    ],
  },
  {
    service: "Fiscalização de comércio, serviço e indústria   funcionamento e operação",
    phrases: [
      "comercio irregular",
      "estabelecimento sem alvara",
      "oficina na calcada",
      "loja funcionando irregular",
      "bar aberto fora do horario",
    ],
  },
  {
    service: "Vistoria de colmeia/vespeiro instalado",
    phrases: ["abelhas", "enxame de abelhas", "vespeiro", "marimbondo", "casa de marimbondo"],
  },
  {
    service: "Vistas de processos",
    phrases: ["vista de processo", "consultar processo administrativo", "ver processo copia"],
  },
  {
    service: "Denúncia de condições inadequadas de criação",
    phrases: [
      "maus tratos animal",
      "cachorro preso sem comida",
      "animal acorrentado",
      "cavalo maltratado",
      "galinhas porcos criacao",
    ],
  },
  {
    service: "Denúncia de local com roedores/ratos",
    phrases: ["rato", "ratos", "ratazana", "infestacao de ratos", "roedores", "ratos saindo do bueiro"],
  },
  {
    service: "Denúncia de falta de limpeza de terrenos e imóveis particulares",
    phrases: [
      "terreno baldio sujo",
      "terreno com mato e lixo",
      "terreno abandonado mato alto",
      "casa abandonada",
    ],
  },
  {
    service: "Leve Leite - Reclamação de não entrega do leite",
    phrases: ["leite nao chegou", "leve leite", "leite da escola nao entregaram"],
  },
  {
    service: "Remoção de animal morto em via pública",
    phrases: ["cachorro morto na rua", "gato morto", "animal morto", "bicho morto"],
  },
  {
    service: "Avaliação de animal agressor em vias públicas",
    phrases: ["cachorro bravo atacando", "cao mordeu", "cachorro agressivo solto"],
  },
  {
    service: "Avaliação de local com pernilongo/mosquito",
    phrases: ["pernilongo", "muito mosquito", "muricoca"],
  },
  {
    service: "Fiscalização de ambulantes",
    phrases: ["camelo", "ambulante na calcada", "vendedor ambulante"],
  },
  {
    service: "Avaliação de animal em sofrimento sem proprietário para eutanásia (morte sem dor)",
    phrases: ["animal agonizando", "cachorro atropelado sofrendo", "animal ferido sofrendo"],
  },
  {
    service: "Denúncia de loteamento irregular ou clandestino",
    phrases: ["loteamento clandestino", "vendendo lotes", "terreno loteado irregular"],
  },
  {
    service: "Denúncia de edificação não adaptada às normas de segurança",
    phrases: ["predio sem avcb", "sem saida de emergencia", "risco de incendio predio"],
  },
  {
    service: "Invasão de áreas municipais",
    phrases: ["invadiram terreno da prefeitura", "ocupacao area publica", "construcao em area publica"],
  },
  {
    service: "Empreenda Fácil - Suporte Técnico",
    phrases: ["empreenda facil", "abrir empresa sistema erro", "licenca de funcionamento online"],
  },
  { service: "Denúncia de local com pombos", phrases: ["pombos", "pombo", "pombas sujeira"] },
];
