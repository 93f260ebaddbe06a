/**
 * The citizens' words for SP156 services: how people say, in chat or on the phone, what the catalogue names
 * formally ("buraco na rua" for Tapa-buraco). Written by hand for the most requested services; matched to the
 * catalogue by the Serviço name (and the Assunto where a name repeats). Each phrase counts as a short document
 * about the service, so a phrase is best when it holds the words a citizen would use and few others.
 */

/** The citizens' phrases for one service of the catalogue. */
export interface VocabularyEntry {
  /** The catalogue's Serviço name (compared without accents or case). */
  service: string;
  /** The Assunto, when the Serviço name alone is not unique. */
  assunto?: string;
  phrases: readonly string[];
}

export const VOCABULARY: readonly VocabularyEntry[] = [
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
    service: "Cartão de estacionamento idoso",
    phrases: ["credencial idoso", "cartao idoso estacionar vaga idoso", "vaga de idoso credencial vencida"],
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
    service: "Reclamação de não retirada de material",
    phrases: [
      "pedi retirada e nao retiraram",
      "protocolo fechado mas o material continua",
      "nao vieram buscar",
    ],
  },
  {
    service: "Vistoria de colmeia/vespeiro instalado",
    phrases: ["abelhas", "enxame de abelhas", "vespeiro", "marimbondo", "casa de marimbondo"],
  },
  {
    service: "Reforma de bueiros, boca de lobo e poços de visita",
    phrases: ["tampa do bueiro quebrada", "grelha quebrada", "bueiro quebrado", "tampa bueiro sumiu"],
  },
  {
    service: "Vistas de processos",
    phrases: ["vista de processo", "consultar processo administrativo", "ver processo copia"],
  },
  {
    service: "Manutenção de calçadas em áreas públicas e praças",
    phrases: ["calcada quebrada praca", "calcada esburacada", "passeio quebrado", "calcada da praca"],
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
    service: "Denúncia de calçada particular irregular, danificada ou inexistente",
    phrases: [
      "calcada do vizinho quebrada",
      "dono do imovel nao faz calcada",
      "calcada particular irregular",
      "rampa na calcada",
    ],
  },
  {
    service: "Denúncia de local com roedores/ratos",
    phrases: ["rato", "ratos", "ratazana", "infestacao de ratos", "roedores", "ratos saindo do bueiro"],
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
    service: "Reclamações sobre coleta de lixo domiciliar",
    phrases: ["caminhao do lixo nao passou", "coleta de lixo nao passa", "lixo nao foi recolhido"],
  },
  {
    service: "Denúncia de reciclagem irregular",
    phrases: ["ferro velho irregular", "deposito de reciclagem", "catador acumulando material reciclavel"],
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
    service: "Execução de serviços em árvore localizada em área pública",
    phrases: [
      "poda autorizada e ninguem veio",
      "vistoria aprovou e nao executaram",
      "ja avaliaram a arvore falta executar",
    ],
  },
  {
    service: "Obstáculo dificultando acessibilidade",
    phrases: ["obstaculo na calcada", "cadeirante nao passa calcada", "poste no meio da calcada", "degrau"],
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
    service: "Instalação e remoção de lixeira",
    phrases: ["lixeira publica", "colocar lixeira", "lixeira quebrada", "tirar lixeira"],
  },
  {
    service: "Leve Leite - Reclamação de não entrega do leite",
    phrases: ["leite nao chegou", "leve leite", "leite da escola nao entregaram"],
  },
  {
    service: "Bilhete Único Estudante - Liberação de gratuidade mensal",
    phrases: ["passe livre estudante", "gratuidade estudante nao liberou", "bilhete estudante liberar"],
  },
  {
    service: "Remoção de animal morto em via pública",
    phrases: ["cachorro morto na rua", "gato morto", "animal morto", "bicho morto"],
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
    service: "Comunicação de erro em cobrança de integração (ônibus e metrô ou trem)",
    phrases: ["cobrou duas vezes integracao", "integracao nao funcionou cobrou", "paguei duas passagens"],
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
    service: "Queda de árvore",
    assunto: "Defesa Civil",
    phrases: ["arvore caiu", "arvore caida na rua", "arvore tombou em cima do carro"],
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
    service: "Fiscalização de ambulantes",
    phrases: ["camelo", "ambulante na calcada", "vendedor ambulante"],
  },
  { service: "Limpeza de córrego", phrases: ["corrego sujo", "lixo no corrego", "limpar rio corrego"] },
  {
    service: "Recapeamento",
    phrases: ["asfalto novo", "rua inteira esburacada", "remendo em cima de remendo", "recapear rua"],
  },
  {
    service: "Avaliação de animal em sofrimento sem proprietário para eutanásia (morte sem dor)",
    phrases: ["animal agonizando", "cachorro atropelado sofrendo", "animal ferido sofrendo"],
  },
  {
    service: "Denúncia de poda/remoção não autorizada",
    phrases: ["cortaram arvore sem autorizacao", "vizinho cortou arvore", "arrancaram arvore"],
  },
  {
    service: "Manutenção de guias, sarjetas e sarjetões",
    phrases: ["guia quebrada", "sarjeta quebrada", "meio fio quebrado"],
  },
  {
    service: "Denúncia de loteamento irregular ou clandestino",
    phrases: ["loteamento clandestino", "vendendo lotes", "terreno loteado irregular"],
  },
  {
    service:
      "Bilhete Único Estudante - Apresentação de justificativa após bloqueio por reconhecimento facial",
    phrases: ["bilhete bloqueado reconhecimento facial", "cartao estudante bloqueado foto"],
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
    service: "Denúncia de edificação não adaptada às normas de segurança",
    phrases: ["predio sem avcb", "sem saida de emergencia", "risco de incendio predio"],
  },
  {
    service: "Avaliação de travessia de pedestres",
    phrases: ["faixa de pedestre", "semaforo de pedestre", "travessia perigosa", "atravessar a rua"],
  },
  { service: "SPTrans - Sugestão", phrases: ["sugestao de linha de onibus", "sugiro nova linha"] },
  {
    service: "Reforma e revitalização de praças",
    phrases: ["reformar praca", "praca abandonada", "bancos quebrados praca", "parquinho quebrado"],
  },
  {
    service: "Comunicação de problema em posto de recarga",
    phrases: ["posto de recarga fechado", "maquina de recarga quebrada", "recarregar bilhete"],
  },
  {
    service: "Manutenção de placas de trânsito",
    phrases: ["placa de transito caida", "placa torta", "placa pichada"],
  },
  {
    service: "Recuperar galerias de águas de chuvas (pluviais)",
    phrases: ["galeria desmoronou", "cano de agua de chuva quebrado", "cratera galeria"],
  },
  {
    service: "Invasão de áreas municipais",
    phrases: ["invadiram terreno da prefeitura", "ocupacao area publica", "construcao em area publica"],
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
    service: "Limpeza da via pública após enchentes ou eventos",
    phrases: ["limpeza apos enchente", "lama depois da chuva", "sujeira depois do evento feira"],
  },
  {
    service: "Empreenda Fácil - Suporte Técnico",
    phrases: ["empreenda facil", "abrir empresa sistema erro", "licenca de funcionamento online"],
  },
  {
    service: "Denúncia de colocação de lixo domiciliar fora do horário de coleta",
    phrases: ["vizinho coloca lixo fora do horario", "saco de lixo na calcada depois da coleta"],
  },
  {
    service: "Tapa-buraco em faixa exclusiva ou corredor de ônibus",
    phrases: ["buraco no corredor de onibus", "buraco na faixa exclusiva"],
  },
  {
    service: "Queda de galho",
    phrases: ["galho caiu", "galho caido na rua", "galho quebrado caido na fiacao"],
  },
  { service: "Denúncia de local com pombos", phrases: ["pombos", "pombo", "pombas sujeira"] },
  {
    service: "Construção de bueiros, boca de lobo e poços de visita",
    phrases: ["rua sem bueiro", "nao tem boca de lobo", "construir bueiro"],
  },
];
