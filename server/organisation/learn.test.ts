import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CatalogueRow } from "../catalogue/sp156.ts";
import { sourceRef } from "../catalogue/sp156.ts";
import { type HistoryRecord, historyOf, type LearnedRule, learnRules, recordRef } from "./learn.ts";

function row(Tema: string, Assunto: string, Serviço: string, observed = "", samples = ""): CatalogueRow {
  const principal = observed.split("|")[0]?.replace(/:\d+$/, "") ?? "";
  return {
    Tema,
    Assunto,
    Serviço,
    "registros_amostra_2015-01_a_2019-04": samples,
    orgao_principal_observado: principal,
    orgaos_observados: observed,
    dias_ate_parecer_p50: "",
    dias_ate_parecer_p90: "",
  };
}

const records = (ref: string, department: string, n: number, subprefeitura: string | null = null) =>
  Array.from({ length: n }, (): HistoryRecord => ({ month: "2019-01", ref, department, subprefeitura }));

const ruleOf = (rules: LearnedRule[], ref: string | null, area: string | null = null) =>
  rules.find((r) => r.service_ref === ref && r.area_code === area);

const RUA = "Rua e bairro";
const ASFALTO = "Reparos em asfalto, pontes e viadutos";
const catalogue = [
  row(RUA, ASFALTO, "Reclamação de afundamento da pavimentação em vias públicas", "SMSUB:900|SF:10", "910"),
  row(RUA, ASFALTO, "Tapa-buraco em faixa exclusiva ou corredor de ônibus", "SPTRANS:600", "600"),
  row(RUA, ASFALTO, "Tapa-buraco"),
  row(RUA, "Árvore", "Avaliação e serviços em árvore em área pública"),
  row(RUA, "Iluminação pública", "Troca de lâmpada queimada", "ILUME:300", "300"),
  row(RUA, "Iluminação pública", "Reparo de lâmpada"),
  row("Trânsito e Transporte", "Sinalização", "Manutenção de placas de trânsito", "CET:500", "500"),
  row("Trânsito e Transporte", "Sinalização", "Manutenção de semáforos"),
  row("Trânsito e Transporte", "Ônibus", "Ônibus - Sugestão", "SPTRANS:2000", "2000"),
  row("Trânsito e Transporte", "Veículos abandonados", "Remoção de veículo abandonado na via pública"),
  row("Finanças", "IPTU", "Segunda via do IPTU"),
];

describe("learning the matrix", () => {
  it("sends a service nobody handled to its group's dominant department, or to the point's subprefeitura", () => {
    const rules = learnRules(catalogue, []);
    const tapa = ruleOf(rules, sourceRef(RUA, ASFALTO, "Tapa-buraco"));
    // The Tema "Rua e bairro" is handled most by the subprefeituras, and a pothole has a place.
    assert.deepEqual(
      { d: tapa?.department_code, sub: tapa?.to_subprefeitura, o: tapa?.origin },
      { d: "SMSUB", sub: true, o: "subprefeitura_default" },
    );
    const tree = ruleOf(rules, sourceRef(RUA, "Árvore", "Avaliação e serviços em árvore em área pública"));
    assert.equal(tree?.origin, "subprefeitura_default");
    // A group one department handles alone keeps its new services there.
    const lamp = ruleOf(rules, sourceRef(RUA, "Iluminação pública", "Reparo de lâmpada"));
    assert.deepEqual([lamp?.department_code, lamp?.origin], ["ILUME", "group_default"]);
    const lights = ruleOf(
      rules,
      sourceRef("Trânsito e Transporte", "Sinalização", "Manutenção de semáforos"),
    );
    assert.deepEqual([lights?.department_code, lights?.to_subprefeitura], ["CET", false]);
    // No observed sibling and a Tema the subprefeituras do not lead: no guess, the fallback desk triages it.
    const car = sourceRef(
      "Trânsito e Transporte",
      "Veículos abandonados",
      "Remoção de veículo abandonado na via pública",
    );
    assert.equal(ruleOf(rules, car), undefined);
    assert.equal(ruleOf(rules, sourceRef("Finanças", "IPTU", "Segunda via do IPTU")), undefined);
    const fallback = ruleOf(rules, null);
    assert.deepEqual([fallback?.department_code, fallback?.origin], ["CENTRAL156", "seed"]);
  });

  it("sends the catalogue's observed SMSUB services to the point's subprefeitura, others city-wide", () => {
    const rules = learnRules(catalogue, []);
    const sinking = ruleOf(
      rules,
      sourceRef(RUA, ASFALTO, "Reclamação de afundamento da pavimentação em vias públicas"),
    );
    assert.deepEqual(
      [sinking?.department_code, sinking?.to_subprefeitura, sinking?.origin],
      ["SMSUB", true, "catalogue"],
    );
    const bus = ruleOf(rules, sourceRef("Trânsito e Transporte", "Ônibus", "Ônibus - Sugestão"));
    assert.deepEqual([bus?.department_code, bus?.to_subprefeitura], ["SPTRANS", false]);
  });

  it("prefers the city's history to the catalogue and learns where a subprefeitura differs", () => {
    const ref = sourceRef("Trânsito e Transporte", "Ônibus", "Ônibus - Sugestão");
    const history = [
      ...records(ref, "SPOBRAS", 30, "01"),
      ...records(ref, "SPOBRAS", 20, "02"),
      ...records(ref, "SMSUB", 12, "03"),
      ...records(ref, "SPOBRAS", 3, "03"),
      // Too few in 04 to learn anything local.
      ...records(ref, "SMSUB", 4, "04"),
    ];
    const rules = learnRules(catalogue, history);
    assert.deepEqual(
      [ruleOf(rules, ref)?.department_code, ruleOf(rules, ref)?.origin],
      ["SPOBRAS", "history"],
    );
    const local = ruleOf(rules, ref, "03");
    assert.deepEqual([local?.area_kind, local?.department_code], ["subprefeitura", "SUB-03"]);
    assert.equal(ruleOf(rules, ref, "04"), undefined);
    assert.equal(ruleOf(rules, ref, "01"), undefined);
    // A handful of records does not outweigh the catalogue.
    const few = learnRules(catalogue, records(ref, "CET", 3));
    assert.equal(ruleOf(few, ref)?.department_code, "SPTRANS");
  });

  it("reads renamed services' records as the catalogue service they became", () => {
    const old = {
      Tema: "Trânsito e Transporte",
      Assunto: "Sinalização e Circulação de Veículos e Pedestres",
      Serviço: "Sinalização horizontal apagada (pintura de solo) – Solicitar repintura",
    };
    assert.equal(
      recordRef(old),
      sourceRef(old.Tema, old.Assunto, "Manutenção de sinalização horizontal (pintura de solo)"),
    );
    const history = historyOf(
      [
        {
          ...old,
          "Data de abertura": "2019-02-03 10:00:00",
          Subprefeitura: "SE",
          geom_latitude: "",
          geom_longitude: "",
          Órgão: "CET",
        },
        {
          ...old,
          "Data de abertura": "2019-02-03 10:00:00",
          Subprefeitura: "",
          geom_latitude: "",
          geom_longitude: "",
          Órgão: "",
        },
      ],
      (name) => (name === "SE" ? "09" : null),
    );
    assert.deepEqual(history, [
      { month: "2019-02", ref: recordRef(old), department: "CET", subprefeitura: "09" },
    ]);
  });
});
