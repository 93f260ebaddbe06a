/**
 * The citizens' words (see vocabulary.ts) for streets, pavements, traffic, parking and public transport: holes,
 * kerbs, signs, bus lines, the Bilhete Único, parking cards.
 */
import type { VocabularyEntry } from "./vocabulary.ts";

export const STREETS_AND_TRANSPORT_VOCABULARY: readonly VocabularyEntry[] = [
  {
    service: "Tapa-buraco",
    phrases: [
      "buraco na rua",
      "buraco no asfalto",
      "buraco grande na via",
      "cratera na rua",
      "tapar buraco",
      "buraco na pista carro caiu pneu furou",
      "asfalto com buraco perigoso para motos",
      "buraco aberto na rua ninguem tapa",
    ],
  },
  {
    service: "Remoção de veículo/carcaça abandonado na via pública",
    phrases: [
      "carro abandonado",
      "carcaca de carro",
      "veiculo abandonado parado ha meses",
      "moto abandonada",
      "carro velho parado na rua ha meses sem placa",
      "caminhao abandonado",
    ],
  },
  {
    service: "Cartão de estacionamento idoso",
    phrases: ["credencial idoso", "cartao idoso estacionar vaga idoso", "vaga de idoso credencial vencida"],
  },
  {
    service: "Ônibus - Denúncia de problemas no embarque/desembarque",
    phrases: [
      "onibus nao parou no ponto",
      "motorista nao parou",
      "onibus passou direto",
      "elevador cadeirante nao baixou",
      "nao esperou subir",
      "motorista nao abriu a porta",
      "arrancou antes de descer",
    ],
  },
  {
    service: "Ônibus - Denúncia de conduta do motorista, cobrador ou fiscal",
    phrases: [
      "motorista grosso mal educado",
      "cobrador grosseiro",
      "motorista xingou passageiro",
      "cobrador desrespeitou idoso",
      "motorista fumando no onibus",
      "fiscal mal educado",
    ],
  },
  {
    service: "Ônibus - Reclamação de intervalo excessivo da linha",
    phrases: [
      "onibus demora",
      "esperei uma hora o onibus",
      "linha demora passar",
      "onibus nao passa",
      "intervalo muito grande entre os onibus",
      "onibus sempre lotado demora demais",
    ],
  },
  {
    service: "Manutenção de calçadas em áreas públicas e praças",
    phrases: ["calcada quebrada praca", "calcada esburacada", "passeio quebrado", "calcada da praca"],
  },
  {
    service: "Denúncia de calçada particular irregular, danificada ou inexistente",
    phrases: [
      "calcada do vizinho quebrada",
      "dono do imovel nao faz calcada",
      "calcada particular irregular",
      "rampa na calcada",
    ],
  },
  {
    service: "Reparo de lâmpada",
    phrases: [
      "lampada queimada",
      "poste apagado",
      "luz do poste nao acende",
      "poste piscando",
      "luz acesa de dia",
      "rua escura",
    ],
  },
  {
    service: "Avaliação da circulação e acesso de veículos",
    phrases: ["lombada", "quebra molas", "redutor de velocidade", "mao unica", "carros em alta velocidade"],
  },
  {
    service: "Intensificar fiscalização de veículos estacionados/parados irregularmente",
    phrases: [
      "carro estacionado na calcada",
      "estacionado em frente garagem",
      "carro parado em fila dupla",
      "estacionamento irregular",
      "guinchar carro",
    ],
  },
  {
    service: "Ônibus - Denúncia de direção inadequada ou perigosa de veículo",
    phrases: [
      "motorista correndo",
      "onibus em alta velocidade",
      "motorista no celular dirigindo",
      "freada brusca",
    ],
  },
  {
    service: "Cartão de estacionamento DeFis (pessoa com deficiência)",
    phrases: ["credencial deficiente", "vaga deficiente cartao", "cartao defis cadeirante"],
  },
  {
    service: "Obstáculo dificultando acessibilidade",
    phrases: ["obstaculo na calcada", "cadeirante nao passa calcada", "poste no meio da calcada", "degrau"],
  },
  {
    service: "Bilhete Único Estudante - Liberação de gratuidade mensal",
    phrases: ["passe livre estudante", "gratuidade estudante nao liberou", "bilhete estudante liberar"],
  },
  {
    service: "Análise da proibição de estacionamento na via",
    phrases: ["proibir estacionar", "placa proibido estacionar", "proibicao estacionamento lado da rua"],
  },
  {
    service: "Ônibus - Reclamação de descumprimento de partida no ponto inicial/final",
    phrases: ["onibus sai atrasado do terminal", "horario de partida nao cumpre", "ponto final saida"],
  },
  {
    service: "Comunicação de erro em cobrança de integração (ônibus e metrô ou trem)",
    phrases: ["cobrou duas vezes integracao", "integracao nao funcionou cobrou", "paguei duas passagens"],
  },
  {
    service: "Reclamação de afundamento da pavimentação em vias públicas",
    phrases: ["asfalto afundando", "rua afundou", "asfalto cedendo"],
  },
  {
    service: "Manutenção de sinalização horizontal (pintura de solo)",
    phrases: ["faixa de pedestre apagada", "pintura da faixa sumiu", "sinalizacao no chao apagada"],
  },
  {
    service: "Recapeamento",
    phrases: ["asfalto novo", "rua inteira esburacada", "remendo em cima de remendo", "recapear rua"],
  },
  {
    service: "Manutenção de guias, sarjetas e sarjetões",
    phrases: ["guia quebrada", "sarjeta quebrada", "meio fio quebrado"],
  },
  {
    service:
      "Bilhete Único Estudante - Apresentação de justificativa após bloqueio por reconhecimento facial",
    phrases: ["bilhete bloqueado reconhecimento facial", "cartao estudante bloqueado foto"],
  },
  {
    service: "Avaliação de travessia de pedestres",
    phrases: ["faixa de pedestre", "semaforo de pedestre", "travessia perigosa", "atravessar a rua"],
  },
  { service: "SPTrans - Sugestão", phrases: ["sugestao de linha de onibus", "sugiro nova linha"] },
  {
    service: "Comunicação de problema em posto de recarga",
    phrases: ["posto de recarga fechado", "maquina de recarga quebrada", "recarregar bilhete"],
  },
  {
    service: "Manutenção de placas de trânsito",
    phrases: ["placa de transito caida", "placa torta", "placa pichada"],
  },
  {
    service: "Implantação de abrigo ou ponto de ônibus",
    phrases: ["ponto de onibus sem cobertura", "abrigo de onibus", "colocar ponto de onibus"],
  },
  {
    service: "Bilhete Único Comum - Correção de dado cadastral",
    phrases: ["nome errado no bilhete", "corrigir cadastro bilhete unico", "data de nascimento errada"],
  },
  {
    service: "Tapa-buraco em faixa exclusiva ou corredor de ônibus",
    phrases: ["buraco no corredor de onibus", "buraco na faixa exclusiva"],
  },
];
