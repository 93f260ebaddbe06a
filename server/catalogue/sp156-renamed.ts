/**
 * SP156 services whose 2019 records use another name than the published catalogue (renamed, re-punctuated or
 * retired), each mapped to the catalogue service it became. Found by comparing every Tema|Assunto|Serviço of
 * sp156_solicitacoes_2019-01_a_2019-04.csv with sp156_catalogo_servicos.csv; the strings are the records' own.
 */

/** [Tema, Assunto, name in the records, name in the catalogue]. */
export const RENAMED: readonly (readonly [string, string, string, string])[] = [
  [
    "Animais",
    "Animais que podem causar doenças e/ou agravos à saúde",
    "Solicitar avaliação de local com pernilongo/mosquito",
    "Avaliação de local com pernilongo/mosquito",
  ],
  [
    "Animais",
    "Animais que podem causar doenças e/ou agravos à saúde",
    "Morcego - Reclamar sobre local com morcego",
    "Reclamação de local com morcego",
  ],
  [
    "Animais",
    "Animal agressor e/ou invasor",
    "Avisar sobre animal agressor em vias públicas",
    "Avaliação de animal agressor em vias públicas",
  ],
  [
    "Animais",
    "Registro de animais - RGA",
    "Avisar  sobre animal encontrado com Registro Geral do Animal (RGA)",
    "Animal encontrado com registro geral do animal (RGA)",
  ],
  [
    "Rua e bairro",
    "Drenagem de água de chuva",
    "(antigo) Reformar galerias de águas de chuvas (pluviais)",
    "Recuperar galerias de águas de chuvas (pluviais)",
  ],
  [
    "Trânsito e Transporte",
    "Sinalização e Circulação de Veículos e Pedestres",
    "Sinalização horizontal apagada (pintura de solo) – Solicitar repintura",
    "Manutenção de sinalização horizontal (pintura de solo)",
  ],
  [
    "Lixo e limpeza",
    "Coleta seletiva",
    "Coleta seletiva - Solicitar manutenção de contêiner",
    "Manutenção do contêiner de coleta seletiva",
  ],
  [
    "Trânsito e Transporte",
    "Bicicleta",
    "Ciclovias, ciclofaixas e ciclorrotas - Sugerir implantação",
    "Proposta para implantação de ciclovias, ciclofaixas e ciclorrotas",
  ],
  [
    "Trânsito e Transporte",
    "Bicicleta",
    "Ciclovias, ciclofaixas e ciclorrotas - solicitar manutenção da sinalização e pintura",
    "Manutenção de pintura e sinalização de ciclovias, ciclofaixas e ciclorrotas",
  ],
  [
    "Trânsito e Transporte",
    "Bicicleta",
    "Ciclovias, ciclofaixas e ciclorrotas - Solicitar avaliação da infraestrutura",
    "Avaliação da infraestrutura de ciclovias, ciclofaixas e ciclorrotas existentes",
  ],
  [
    "Trânsito e Transporte",
    "Bicicleta",
    "Ciclofaixas de lazer - Solicitar avaliação",
    "Avaliação de ciclofaixas de lazer",
  ],
];

/** Services of the records that the catalogue no longer lists: seeded inactive, so their history can be imported. */
export const RETIRED: readonly (readonly [string, string, string])[] = [
  ["Urgência", "Defesa Civil", "[Solicitado pela Defesa Civil - uso interno] Apoio a órgãos públicos"],
];

/**
 * A name a service had in the records, as citizens and staff may still type it ("formerly …"): tidied ("(antigo) "
 * prefix and doubled spaces off); undefined when it only re-spaces or re-cases the current name.
 */
export function formerNameOf(recorded: string, current: string): string | undefined {
  const tidy = (s: string) =>
    s
      .replace(/^\(antigo\)\s*/i, "")
      .replace(/\s+/g, " ")
      .trim();
  const name = tidy(recorded);
  return name.toLowerCase() === tidy(current).toLowerCase() ? undefined : name;
}

/** The former names of a catalogue service (by its Tema, Assunto and current name) in RENAMED. */
export function formerNamesOf(tema: string, assunto: string, current: string): string[] {
  return RENAMED.filter(
    ([t, a, , now]) => t === tema && a === assunto && formerNameOf(now, current) === undefined,
  )
    .map(([, , recorded]) => formerNameOf(recorded, current))
    .filter((name): name is string => name !== undefined);
}
