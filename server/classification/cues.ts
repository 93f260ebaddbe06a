/**
 * Discriminating cues for families of close SP156 services: the text suggester finds the family (a tree, the
 * pavement, a drain, rubbish to remove, a bus, a street lamp) but TF-IDF cannot tell "the tree fell" from "the tree
 * is about to fall", or "there is no drain" from "the drain is blocked". Each family lists its services and, in
 * order, the cues that pick one of them: the first cue whose pattern holds (and whose `unless` does not) names the
 * service. The re-ranking happens only when a family member is already among the best candidates, and only among
 * the family: the cued service takes the best family member's place; every other service keeps its score.
 *
 * The cues are written from the labelling conventions of shared/data/classifier/README.md (SP156's own split of
 * these services) and general Brazilian Portuguese phrasing, negation first ("não tem bueiro" is a construction,
 * "bueiro sem tampa" a repair), never from the labelled messages. Patterns run on the folded, spelled-out words
 * (no accents, lower case, "ta" → "esta", "n" → "nao"). Pure. The re-ranking itself is the suggester's
 * (domain/classification/suggester.ts), which also reads these families from the console's offline kit.
 */
import type { ResolvedFamily } from "../../domain/classification/suggester.ts";
import { serviceCode, sourceRef } from "../catalogue/sp156.ts";

/** One cue: when `when` holds on the text (and `unless` does not), `service` is the family's answer. */
interface Cue {
  service: string;
  when: RegExp;
  unless?: RegExp;
}

/** Services that citizens confuse, with the cues that tell them apart (services as "Tema|Assunto|Serviço"). */
interface Family {
  name: string;
  members: string[];
  cues: Cue[];
  /**
   * Members the conventions give only on an explicit signal (a report of an unauthorised cut, "already approved,
   * nobody came", "the request was closed but it is still there"): without their cue they never lead the family.
   */
  needCue?: string[];
}

const TREE = "Rua e bairro|Árvore|";
const DEFESA = "Urgência|Defesa Civil|";
const PAVE = "Rua e bairro|Reparos em asfalto, pontes e viadutos|";
const DRAIN = "Rua e bairro|Drenagem de água de chuva|";
const BIG = "Lixo e limpeza|Remoção de grandes objetos|";
const DEBRIS = "Lixo e limpeza|Ponto viciado, entulho e caçamba de entulho|";
const BUS = "Trânsito e Transporte|Reclamação ônibus|Ônibus - ";
const LIGHT = "Rua e bairro|Iluminação pública|";

// Shared pieces. "Not done": nobody came, never done, still waiting; "closed": the request was marked as done.
const NOT_DONE =
  "(ninguem|nunca|nao) (\\w+ ){0,2}(veio|vieram|vem|apareceu|apareceram|aparece|executou|executaram|fez|fizeram|realizou|realizaram|cortou|cortaram|podou|podaram|retirou|retiraram|removeu|removeram|voltou|voltaram)|ainda nao|ate (hoje|agora) (\\w+ ){0,2}nao|ate (hoje|agora) nada|nao foi (\\w+ )?(executad|realizad|feit|cumprid)|aguardando (a )?execu|falta (executar|fazer|cortar|podar)|nada (foi )?feito|e nada\\b|nada ainda|ate hoje\\b|ate agora\\b|continua (\\w+ ){0,2}(la|ai|aqui|igual|mesmo jeito|mesmo lugar|do mesmo)|esquece\\w*|so (na|ficou na) promessa|nao cumpri\\w*|(ha|faz|fazem|mais de) (\\w+ ){0,2}(mes|meses|ano|anos|semanas)";
const FALLEN =
  "caiu|cairam|caid[ao]s?|tombou|tombaram|tombad[ao]|desabou|despencou|no chao|derrubad[ao] pel[ao]|arrancad[ao] pel[ao]|veio abaixo|foi ao chao";
const ABOUT_TO_FALL =
  "vai cair|vao cair|pode cair|podem cair|possa cair|prestes a (cair|tombar)|ameac\\w* (cair|tombar|desabar)|risco (\\w+ ){0,2}(queda|cair|tombar|desabar)|perigo (\\w+ ){0,2}(queda|cair|tombar|desabar)|(medo|receio) (\\w+ ){0,3}(caia|tombe|desabe|caiam)|inclinad|pendend|pendid|tombando|(arvore|tronco) (\\w+ ){0,2}caindo|tronco (\\w+ ){0,2}(oco|podre|partido|rachad|trincad|apodrecid|comprometid)|(rachad|trincad|partid)\\w* (\\w+ ){0,2}tronco|oca por dentro|desenraiz|raiz(es)? (\\w+ )?(solt|expost|arrancad)|balanca(ndo)? (\\w+ ){0,2}(vento|muito)";
const FURNITURE =
  "sofa|colch|geladeira|fogao|armario|guarda roupa|moveis|movel|estante|cama|maquina de lavar|tanquinho|televis|eletrodomest|poltrona|rack|guarda roupas|comoda|mesa velha|cadeiras velhas";

const FAMILIES: Family[] = [
  {
    name: "tree",
    members: [
      `${TREE}Avaliação e serviços em árvore em área pública`,
      `${TREE}Execução de serviços em árvore localizada em área pública`,
      `${TREE}Denúncia de poda/remoção não autorizada`,
      `${TREE}Plantio de árvore em vias e áreas públicas`,
      `${TREE}Árvore ou galho caído`,
      `${DEFESA}Queda de árvore`,
      `${DEFESA}Risco iminente de queda de árvore`,
      `${DEFESA}Queda de galho`,
      "SAC/GRC|Árvore(Praça Pública)|Galhos Caídos",
      "SAC/GRC|Árvore(Praça Pública)|Árvore Caída",
    ],
    needCue: [
      `${TREE}Denúncia de poda/remoção não autorizada`,
      `${TREE}Execução de serviços em árvore localizada em área pública`,
    ],
    cues: [
      {
        // someone cut it without permission: a report, not a request
        service: `${TREE}Denúncia de poda/remoção não autorizada`,
        when: /\b(sem (\w+ )?(autorizacao|permissao|licenca|alvara)|nao autorizad|por conta propria|ilegalmente|clandestin)/,
      },
      {
        // already assessed or approved, then nobody came to do it
        service: `${TREE}Execução de serviços em árvore localizada em área pública`,
        when: new RegExp(
          `\\b(vistoriad\\w*|vistoriaram|vistoriou|(fizeram|feita|houve|teve|realizaram|ja) (\\w+ ){0,2}(vistoria|avaliacao)|(vistoria|avaliacao) (\\w+ ){0,3}(feita|realizada|concluida|aprovou|autorizou)|avaliad[ao]|avaliaram|avaliou|aprovad|aprovaram|aprovou|autorizad|autorizaram|autorizou|deferid|laudo|(agronom\\w*|tecnico|engenheiro|fiscal) (\\w+ ){0,4}(veio|vieram|esteve|passou|avaliou|vistoriou|disse|falou|constatou|aprovou|autorizou|marcou)|(disseram|falaram|informaram|prometeram|garantiram) que (\\w+ ){0,3}(ia|iam|vai|vao|seria|sera) (\\w+ ){0,2}(remov|cortad|podad|retirad|feit|realizad|execut)\\w*|ficaram de (vir|cortar|podar|remover|retirar)|agendad[ao]|programad[ao]|ja (\\w+ ){0,2}(veio|vieram|passou|passaram|olhou|olharam|marcou|marcaram|fizeram|fez))\\b.*\\b(${NOT_DONE})`,
        ),
      },
      {
        // a branch came down (the whole tree did not)
        service: `${DEFESA}Queda de galho`,
        when: new RegExp(
          `\\bgalh\\w* (\\w+ ){0,3}(${FALLEN}|quebrad|quebrou|solt|pendurad)|\\b(${FALLEN}) (\\w+ ){0,3}galh`,
        ),
        unless: new RegExp(
          // "the tree fell" (not "the branch of the tree fell": "da árvore" is the branch's complement)
          `(?<!\\bd[aeo] )\\barvore (\\w+ ){0,3}(${FALLEN})|\\b(caiu|tombou|desabou|cairam) ((?!galh)\\w+ ){0,2}arvore|arvore (inteira|toda)`,
        ),
      },
      {
        // about to fall: before "fallen" so that "ainda não caiu, mas vai cair" reads as a risk
        service: `${DEFESA}Risco iminente de queda de árvore`,
        when: new RegExp(`\\b(${ABOUT_TO_FALL}|nao caiu|ainda nao caiu)`),
      },
      {
        service: `${DEFESA}Queda de árvore`,
        when: new RegExp(`\\b(${FALLEN})\\b`),
      },
      {
        service: `${TREE}Plantio de árvore em vias e áreas públicas`,
        when: /\b(plant(ar|em|io|arem|e|ando)|mudas? (\w+ ){0,2}arvore|arvore nova|nova arvore|arborizar|arborizacao)\b/,
        unless: /\b(remov|cort|retir|arranc|pod)/,
      },
    ],
  },
  {
    name: "pavement",
    members: [
      `${PAVE}Tapa-buraco`,
      `${PAVE}Tapa-buraco em faixa exclusiva ou corredor de ônibus`,
      `${PAVE}Reclamação de afundamento da pavimentação em vias públicas`,
      `${PAVE}Recapeamento`,
      `${PAVE}Pavimentação de ruas não asfaltadas`,
      `${PAVE}Reclamação de má execução do serviço de tapa-buraco`,
      `${PAVE}Reclamação de má execução do serviço de recapeamento e pavimentação`,
    ],
    cues: [
      {
        service: `${PAVE}Tapa-buraco em faixa exclusiva ou corredor de ônibus`,
        when: /\b(corredor|faixa (\w+ )?(exclusiva|de onibus|do onibus|dos onibus|seletiva)|brt)\b/,
      },
      {
        // the whole street worn out, patches no longer help
        service: `${PAVE}Recapeamento`,
        when: /\b(recape\w*|recapar|asfalto novo|novo asfalto|asfaltar (\w+ ){0,3}(de novo|novamente|toda|inteira)|(rua|via|avenida|pista|asfalto) (\w+ ){0,2}(toda|inteira|todo|inteiro) (\w+ ){0,2}(esburacad|remendad|detonad|acabad|destruid|desgastad|deteriorad|ruim|estragad)|(toda|todo|inteira|inteiro) (remendad|esburacad|desgastad)|(nao|sem) (\w+ ){0,2}(adianta|resolve|resolvem|resolveu) (\w+ ){0,3}(remend|tapa|tapar|taparem)|(cheia|cheio) de remendo|remendo (sobre|em cima de|atras de) remendo|mais (um )?remendo|chega de remendo|so remend|(vez|vezes) (\w+ ){0,3}(tapad|tapar|taparam|remend)|(tapad|taparam|remend\w*) (\w+ ){0,3}(vez|vezes))/,
      },
      {
        service: `${PAVE}Reclamação de afundamento da pavimentação em vias públicas`,
        when: /\b(afund\w*|cedendo|cedeu|rebaix\w*|abatimento|(asfalto|pista|rua|chao|pavimento|leito) (\w+ ){0,2}(descendo|baixando|abaixando|cedendo|abatid|abaulad)|(vazio|oco|buraco|vao) (\w+ ){0,2}(por baixo|embaixo|debaixo))\b/,
        unless: /\b(buraco (\w+ ){0,3}(tampa|bueiro|boca de lobo))/,
      },
    ],
  },
  {
    name: "drain",
    members: [
      `${DRAIN}Limpeza de bueiros, boca de lobo e poços de visita`,
      `${DRAIN}Reforma de bueiros, boca de lobo e poços de visita`,
      `${DRAIN}Construção de bueiros, boca de lobo e poços de visita`,
      `${DRAIN}Recuperar galerias de águas de chuvas (pluviais)`,
      `${DRAIN}Drenagem de água da chuva - Bueiros e bocas de lobo`,
      `${DRAIN}Construção de galerias`,
      "SAC/GRC|Vistoria/Limpeza|Obstruir bueiros e passagens de água pluvial",
    ],
    cues: [
      {
        // the lid, grate or walls are broken: a repair ("bueiro sem tampa" included)
        service: `${DRAIN}Reforma de bueiros, boca de lobo e poços de visita`,
        when: /\b(tampa\b|tampas\b|tampao|grelha|grade\b|grades\b|quebrad|quebrou|danificad|rachad|solt[ao]|estragad|destruid|desmoron|reform|consert|arrumar|afundad)/,
        unless:
          /\b(entupid|entupiu|tampad|obstru|cheio de|cheia de|sujeira|lixo|terra|folha|lama|limp|desentup)/,
      },
      {
        // no drain at all: negation before the noun ("não tem bueiro", "falta boca de lobo"), or build one
        service: `${DRAIN}Construção de bueiros, boca de lobo e poços de visita`,
        when: /\b((nao (tem|ha|existe|existem|possui)|sem|falta(m)?( de)?|nenhum|nenhuma|inexist\w*) ((um|uma|o|a|os|as|nenhum|nenhuma|qualquer|de|do|da|mais) )*(bueiro|bueiros|boca|bocas|galeria|galerias|escoamento|drenagem|captacao)|(constru\w*|instal\w*|colocar|colocarem|implant\w*|fazer|fazerem|abrir|abrirem) (\w+ ){0,2}(bueiro|bueiros|boca|bocas)|precis\w* (de )?(um |uma |mais )?(bueiro|boca))/,
      },
      {
        // the underground pipe collapsed
        service: `${DRAIN}Recuperar galerias de águas de chuvas (pluviais)`,
        when: /\b(galeria|tubulacao|manilha|cano (\w+ ){0,2}(pluvial|chuva)|rede (de )?(pluvial|drenagem))\w* (\w+ ){0,3}(romp|desab|quebr|estour|cedeu|afund|caiu|cratera)/,
      },
      {
        service: `${DRAIN}Limpeza de bueiros, boca de lobo e poços de visita`,
        when: /\b(entupid|entupiu|tampad|obstru|cheio de|cheia de|sujeira|lixo|terra|folha|lama|limp|desentup|transbord)/,
      },
    ],
  },
  {
    name: "rubbish",
    members: [
      `${DEBRIS}Remoção de entulho em via pública`,
      `${DEBRIS}Fiscalização de descarte irregular de entulho e outros resíduos em área pública`,
      `${BIG}Remoção de grandes objetos em vias públicas`,
      `${BIG}Reclamação de não retirada de material`,
      `${BIG}Cata Bagulho - Reclamação de não retirada de material`,
    ],
    needCue: [`${BIG}Reclamação de não retirada de material`],
    cues: [
      {
        service: `${BIG}Cata Bagulho - Reclamação de não retirada de material`,
        when: /\bcata ?bagulho\b/,
      },
      {
        // a removal request was closed or done on paper, but the things are still there
        service: `${BIG}Reclamação de não retirada de material`,
        when: /\b(protocolo|solicitacao|pedido|chamado|pedi|solicitei|abri)\b.*\b(encerr\w*|fechad\w*|fecharam|finaliz\w*|conclu\w*|atendid\w*|baixad\w*|deram baixa|consta)\b.*\b(continua|continuam|ainda|mesmo lugar|permanece|permanecem|nao (\w+ ){0,2}(retir|recolh|remov|levad|levou|levaram|buscou|buscaram|tirad|tiraram))|\b(pedi|solicitei|abri|fiz|protocolo|pedido)\b.*\bnao (\w+ ){0,2}(retiraram|recolheram|removeram|levaram|buscaram|tiraram|foi (retirad|recolhid|removid|levad|tirad))/,
      },
      {
        // the citizen reports who dumps, and wants them fined
        service: `${DEBRIS}Fiscalização de descarte irregular de entulho e outros resíduos em área pública`,
        when: /\b(multa\w*|multe\w*|multar\w*|autu\w*|fiscaliz\w*|punir|punid\w*|punicao|flagra\w*|placa d[oa] (carro|caminh\w*|veiculo|carroca)|descarte irregular|(quem|pessoas|pessoal|gente|vizinho|vizinhos|caminh\w*|carroc\w*|caminhonete|empresa|obra|moradores) (\w+ ){0,3}(joga|jogam|jogou|despej\w*|descart\w*|larga|largam|deposit\w*|desova\w*)|(despej\w*|descart\w*|jogam|jogando|largam) (\w+ ){0,4}(toda (noite|semana|hora)|todo dia|todos os dias|sempre|direto|madrugada|de noite))\b/,
      },
      {
        service: `${BIG}Remoção de grandes objetos em vias públicas`,
        when: new RegExp(`\\b(${FURNITURE})`),
        unless: /\b(entulho|restos? de (obra|construcao|reforma)|tijolo|cimento|areia)/,
      },
      {
        service: `${DEBRIS}Remoção de entulho em via pública`,
        when: /\b(entulho|restos? de (obra|construcao|reforma)|tijolo|tijolos|telha|telhas|azulejo|caliça|calica)\b/,
      },
    ],
  },
  {
    name: "bus",
    members: [
      `${BUS}Denúncia de problemas no embarque/desembarque`,
      `${BUS}Denúncia de conduta do motorista, cobrador ou fiscal`,
      `${BUS}Denúncia de direção inadequada ou perigosa de veículo`,
      `${BUS}Reclamação de intervalo excessivo da linha`,
      `${BUS}Reclamação de descumprimento de partida no ponto inicial/final`,
      `${BUS}Reclamação de demora na partida`,
    ],
    cues: [
      {
        // leaves the first/last stop off schedule
        service: `${BUS}Reclamação de descumprimento de partida no ponto inicial/final`,
        when: /\b(terminal|ponto (inicial|final)|inicio da linha|final da linha)\b.*\b(sai|sair|saindo|saem|partida|partir|parte|horario|tabela|atras\w*|parad[oa]s?)\b|\b(sai|sair|saindo|saem|partida|partir)\b.*\b(terminal|ponto (inicial|final)|inicio da linha|final da linha)\b/,
      },
      {
        // did not stop, did not wait, lift or doors
        service: `${BUS}Denúncia de problemas no embarque/desembarque`,
        when: /\b(nao (\w+ )?(parou|para|param|pararam|abriu|abre|abriram|esperou|espera|esperaram|baixou|baixa|aguardou)|passou (direto|reto)|passaram (direto|reto)|(arrancou|arrancaram|fechou a porta|fecharam a porta|saiu) (\w+ ){0,5}(antes|enquanto|sem esperar|comigo)|elevador|plataforma|rampa|cadeirante|embarc\w*|desembarc\w*|dando sinal|dei sinal|fiz sinal|acenei|(porta) (\w+ ){0,2}(prend|fech))/,
      },
      {
        // reckless driving
        service: `${BUS}Denúncia de direção inadequada ou perigosa de veículo`,
        when: /\b(correndo|corre muito|corria|alta velocidade|velocidade|racha|fur(ou|ando|a|am) (\w+ )?(sinal|farol|semaforo)|avanc\w* (\w+ )?(sinal|farol|semaforo)|ultrapass\w*|fread\w*|freiad\w*|brusc\w*|celular|imprudent\w*|perigos\w*|irresponsav\w*|quase (bateu|atropel\w*|capot\w*)|costurando|cortando os carros|barbeiro|dirig\w* (\w+ )?(mal|como|feito|perig\w*|louco)|como (um )?louco|feito (um )?louco)\b/,
      },
      {
        // rude staff
        service: `${BUS}Denúncia de conduta do motorista, cobrador ou fiscal`,
        when: /\b(grosso|grossa|grosseir\w*|mal educad\w*|sem educacao|falta de educacao|xing\w*|gritou|gritando|grita|ofend\w*|desrespeit\w*|ignorou|rispid\w*|estupid\w*|agressiv\w*|agrediu|humilh\w*|discrimin\w*|racis\w*|assedi\w*|brigou|tratou mal|trata mal|tratam mal|atendeu mal|ironic\w*|debochou|deboche|conduta|postura|comportamento)\b/,
      },
      {
        // long wait between buses
        service: `${BUS}Reclamação de intervalo excessivo da linha`,
        when: /\b(demor\w*|esper\w* (\w+ ){0,4}(hora|horas|minutos|min)|(\d+|uma|meia|duas|tres) (hora|horas|minutos|min)\b|intervalo|nada de onibus|nao passa|nao vem|sumiu|sumiram|frota|poucos onibus|nunca passa)/,
      },
    ],
  },
  {
    name: "lamp",
    members: [
      `${LIGHT}Reparo de lâmpada`,
      `${LIGHT}Reclamação sobre iluminação pública (ILUME)`,
      `${LIGHT}Reparo de luminária`,
      `${LIGHT}Reparo da fiação elétrica`,
    ],
    cues: [
      {
        // off, flickering or lit by day: the lamp (the README's convention, even where "luminária" would fit)
        service: `${LIGHT}Reparo de lâmpada`,
        when: /\b(apagad\w*|apagou|apagando|queimad\w*|queimou|pisca\w*|acesa (\w+ ){0,3}dia|acesas (\w+ ){0,3}dia|ligad[ao]s? (\w+ ){0,3}dia|(nao|sem) (\w+ )?(acende|acendem|ascende|liga|luz)|escur\w*|breu|lampada)/,
        unless: /\b(fio|fios|fiacao|faisc\w*|curto)\b/,
      },
    ],
  },
];

const codeOf = (key: string) => serviceCode(sourceRef(...key.split("|")));

/** The families with their services as catalogue codes (a city without those services gets no cue). */
export const RESOLVED_FAMILIES: ResolvedFamily[] = FAMILIES.map((f) => ({
  name: f.name,
  members: new Set(f.members.map(codeOf)),
  needCue: new Set((f.needCue ?? []).map(codeOf)),
  cues: f.cues.map((c) => ({ code: codeOf(c.service), when: c.when, unless: c.unless })),
}));
