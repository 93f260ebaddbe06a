/**
 * The discriminating cues of close services (cues.ts): each cue on its own, negation included, then through the
 * suggester built from the real SP156 catalogue, and the measured effect on the labelled sets.
 */
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import {
  buildIndex,
  cuedService,
  cueText,
  DEFAULT_OPTIONS,
  suggest,
} from "../../domain/classification/suggester.ts";
import { serviceCode, sourceRef } from "../catalogue/sp156.ts";
import { RESOLVED_FAMILIES } from "./cues.ts";
import { documentOf } from "./documents.ts";
import { catalogueEntries, evaluate, readLabelled } from "./evaluate.ts";

const shared = resolve(process.env.SHARED_DATA_DIR ?? "../shared/data");
const entries = catalogueEntries(shared);
const withCues = buildIndex(
  entries.map((e) => documentOf(e)),
  DEFAULT_OPTIONS,
  "pt-BR",
  RESOLVED_FAMILIES,
);
const withoutCues = buildIndex(
  entries.map((e) => documentOf(e)),
  { ...DEFAULT_OPTIONS, cues: false },
  "pt-BR",
  RESOLVED_FAMILIES,
);

const code = (key: string) => serviceCode(sourceRef(...key.split("|")));
const S = {
  treeAssessment: code("Rua e bairro|Árvore|Avaliação e serviços em árvore em área pública"),
  treeExecution: code("Rua e bairro|Árvore|Execução de serviços em árvore localizada em área pública"),
  unauthorisedCut: code("Rua e bairro|Árvore|Denúncia de poda/remoção não autorizada"),
  fallenTree: code("Urgência|Defesa Civil|Queda de árvore"),
  treeAtRisk: code("Urgência|Defesa Civil|Risco iminente de queda de árvore"),
  fallenBranch: code("Urgência|Defesa Civil|Queda de galho"),
  pothole: code("Rua e bairro|Reparos em asfalto, pontes e viadutos|Tapa-buraco"),
  busLane: code(
    "Rua e bairro|Reparos em asfalto, pontes e viadutos|Tapa-buraco em faixa exclusiva ou corredor de ônibus",
  ),
  sinking: code(
    "Rua e bairro|Reparos em asfalto, pontes e viadutos|Reclamação de afundamento da pavimentação em vias públicas",
  ),
  resurfacing: code("Rua e bairro|Reparos em asfalto, pontes e viadutos|Recapeamento"),
  drainCleaning: code(
    "Rua e bairro|Drenagem de água de chuva|Limpeza de bueiros, boca de lobo e poços de visita",
  ),
  drainRepair: code(
    "Rua e bairro|Drenagem de água de chuva|Reforma de bueiros, boca de lobo e poços de visita",
  ),
  drainBuild: code(
    "Rua e bairro|Drenagem de água de chuva|Construção de bueiros, boca de lobo e poços de visita",
  ),
  debris: code(
    "Lixo e limpeza|Ponto viciado, entulho e caçamba de entulho|Remoção de entulho em via pública",
  ),
  dumpingFine: code(
    "Lixo e limpeza|Ponto viciado, entulho e caçamba de entulho|Fiscalização de descarte irregular de entulho e outros resíduos em área pública",
  ),
  bigObjects: code("Lixo e limpeza|Remoção de grandes objetos|Remoção de grandes objetos em vias públicas"),
  notRemoved: code("Lixo e limpeza|Remoção de grandes objetos|Reclamação de não retirada de material"),
  cataBagulho: code(
    "Lixo e limpeza|Remoção de grandes objetos|Cata Bagulho - Reclamação de não retirada de material",
  ),
  busStop: code(
    "Trânsito e Transporte|Reclamação ônibus|Ônibus - Denúncia de problemas no embarque/desembarque",
  ),
  busDriving: code(
    "Trânsito e Transporte|Reclamação ônibus|Ônibus - Denúncia de direção inadequada ou perigosa de veículo",
  ),
  busWait: code(
    "Trânsito e Transporte|Reclamação ônibus|Ônibus - Reclamação de intervalo excessivo da linha",
  ),
  lamp: code("Rua e bairro|Iluminação pública|Reparo de lâmpada"),
};

const family = (name: string) =>
  RESOLVED_FAMILIES.find((f) => f.name === name) as (typeof RESOLVED_FAMILIES)[0];
const cue = (name: string, text: string) => cuedService(family(name), cueText(text));

describe("discriminating cues (each family on its own)", () => {
  it("drains: negation before the noun is a construction, after it a repair", () => {
    assert.equal(cue("drain", "aqui na rua não tem bueiro nenhum"), S.drainBuild);
    assert.equal(cue("drain", "falta boca de lobo nesse trecho"), S.drainBuild);
    assert.equal(cue("drain", "o bueiro está sem tampa"), S.drainRepair);
    assert.equal(cue("drain", "bueiro entupido de terra"), S.drainCleaning);
    assert.equal(cue("drain", "bueiro tampado de folha seca"), S.drainCleaning);
  });
  it("trees: fallen, about to fall, branch, approved but not done, cut without permission", () => {
    assert.equal(cue("tree", "a árvore caiu em cima do muro"), S.fallenTree);
    assert.equal(cue("tree", "a árvore ainda não caiu mas está inclinada sobre a casa"), S.treeAtRisk);
    assert.equal(cue("tree", "caiu um galho da árvore na calçada"), S.fallenBranch);
    assert.equal(
      cue("tree", "já vistoriaram e aprovaram a remoção e até hoje ninguém veio"),
      S.treeExecution,
    );
    assert.equal(cue("tree", "pedi uma poda há dois meses e ninguém veio"), undefined);
    assert.equal(cue("tree", "cortaram a árvore da praça sem autorização"), S.unauthorisedCut);
    assert.equal(cue("tree", "precisa podar a árvore da frente"), undefined);
  });
  it("pavement, rubbish, buses and lamps", () => {
    assert.equal(cue("pavement", "não adianta mais remendo, a rua toda está acabada"), S.resurfacing);
    assert.equal(cue("pavement", "o asfalto está cedendo perto do meio-fio"), S.sinking);
    assert.equal(cue("pavement", "buraco no corredor de ônibus"), S.busLane);
    assert.equal(cue("pavement", "buraco na rua"), undefined);
    assert.equal(cue("rubbish", "o cata-bagulho não levou o armário"), S.cataBagulho);
    assert.equal(cue("rubbish", "quero que multem quem joga entulho aqui toda semana"), S.dumpingFine);
    assert.equal(
      cue("rubbish", "pedi a retirada e fecharam o protocolo, mas o sofá continua lá"),
      S.notRemoved,
    );
    assert.equal(cue("rubbish", "tem uma geladeira velha largada na calçada"), S.bigObjects);
    assert.equal(cue("bus", "o motorista não parou no ponto"), S.busStop);
    assert.equal(cue("bus", "motorista dirigindo feito louco"), S.busDriving);
    assert.equal(cue("lamp", "poste apagado há uma semana"), S.lamp);
    assert.equal(cue("lamp", "fio solto faiscando no poste"), undefined);
  });
});

describe("discriminating cues in the ranking", () => {
  const top = (text: string, index = withCues) => suggest(index, text, 3)[0]?.code;
  const CUED: [string, string][] = [
    ["a árvore da praça está pendendo para o lado da escola", S.treeAtRisk],
    ["o técnico esteve aqui e disse que a árvore seria removida, já faz 5 meses", S.treeExecution],
    ["removeram a árvore sem licença", S.unauthorisedCut],
    ["não tem nenhuma boca de lobo na minha rua", S.drainBuild],
    ["o busão passou voando e furou o farol", S.busDriving],
  ];
  it("reorders the family when it is already among the candidates", () => {
    for (const [text, expected] of [
      ...CUED,
      ["minha rua não tem bueiro, a enxurrada desce toda", S.drainBuild],
      ["a grelha do bueiro está quebrada", S.drainRepair],
      ["árvore tombada na calçada", S.fallenTree],
      ["galho caído em cima do carro", S.fallenBranch],
      ["a rua afundou na frente do prédio", S.sinking],
      ["o cata bagulho passou e não recolheu os móveis", S.cataBagulho],
    ] as [string, string][])
      assert.equal(top(text), expected, text);
  });
  it("the cues make the difference (without them the same texts rank another service first)", () => {
    for (const [text, expected] of CUED) assert.notEqual(top(text, withoutCues), expected, text);
  });
  it("does not touch a text whose family is not among the candidates", () => {
    for (const text of [
      "barulho de música alta no bar até de madrugada",
      "carro abandonado na rua faz meses",
    ])
      assert.equal(top(text), top(text, withoutCues), text);
  });
});

describe("measured effect", () => {
  it("raises top-1 on the dev set and on the fresh Portuguese set, never lowers top-3", () => {
    for (const file of [
      join(shared, "classifier", "sp156_frases_dev.csv"),
      "tests/fixtures/classifier/pt-extra.csv",
    ]) {
      const messages = readLabelled(file);
      const on = evaluate(entries, messages);
      const off = evaluate(entries, messages, { options: { ...DEFAULT_OPTIONS, cues: false } });
      assert.ok(on.top1 > off.top1, `${file}: top-1 ${on.top1} vs ${off.top1} without cues`);
      assert.ok(on.top3 >= off.top3, `${file}: top-3 ${on.top3} vs ${off.top3} without cues`);
    }
  });
});
