import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { InboundContent } from "../../channels/channel.ts";
import { makeProtocol } from "../../domain/protocol.ts";
import {
  type ConversationPorts,
  type ConversationState,
  converse,
  type DemandStatus,
  type Effect,
  newConversation,
} from "./engine.ts";
import type { FlowService } from "./flows.ts";
import { detectLocale, isStop, protocolCandidates, wantsPerson } from "./intents.ts";

const POTHOLE: FlowService = {
  code: "buraco",
  name: { "pt-BR": "Buraco na via", en: "Pothole", es: "Bache" },
  locationRequired: true,
  anonymousAllowed: true,
  wantsPhoto: true,
  attributes: [],
};
const TREE: FlowService = {
  code: "poda",
  name: { "pt-BR": "Poda de árvore" },
  locationRequired: true,
  anonymousAllowed: false,
  wantsPhoto: false,
  attributes: [
    {
      code: "porte",
      datatype: "singlevaluelist",
      required: true,
      order: 1,
      description: { "pt-BR": "Qual o porte da árvore?" },
      values: [
        { key: "pequeno", name: { "pt-BR": "Pequeno" } },
        { key: "grande", name: { "pt-BR": "Grande" } },
      ],
    },
    {
      code: "obs",
      datatype: "text",
      required: false,
      order: 2,
      description: { "pt-BR": "Observações" },
      values: [],
    },
  ],
};
const AUGUSTA = { lat: -23.5535, lon: -46.6565, label: "Rua Augusta, 1200 — Consolação" };
const AUGUSTA_1300 = { lat: -23.554, lon: -46.657, label: "Rua Augusta, 1300 — Consolação" };
const MINE = makeProtocol(2026, 1234);

/** Ports over a tiny city: two services, two addresses, one demand of this sender. */
function ports(calls: string[] = []): ConversationPorts {
  return {
    async suggest(text) {
      calls.push(`suggest:${text}`);
      if (/buraco|pothole|bache/i.test(text))
        return [
          { code: "buraco", name: "Buraco na via" },
          { code: "poda", name: "Poda de árvore" },
        ];
      if (/arvore|árvore|galho/i.test(text)) return [{ code: "poda", name: "Poda de árvore" }];
      return [];
    },
    async service(code) {
      return code === "buraco" ? POTHOLE : code === "poda" ? TREE : null;
    },
    async locate(text) {
      if (/augusta,? 1300/i.test(text)) return AUGUSTA_1300;
      if (/augusta,? 1200/i.test(text)) return AUGUSTA;
      return null;
    },
    async placeOfPoint(lat) {
      return lat < -24 ? null : { lat, lon: -46.6, label: "Perto da Praça da Sé" };
    },
    async statusOf(protocols): Promise<DemandStatus[]> {
      calls.push(`status:${protocols.join(",")}`);
      return protocols.includes(MINE)
        ? [{ protocol: MINE, status: "encaminhada ao órgão", service: "Buraco na via" }]
        : [];
    },
  };
}

/** Sends the messages one after the other; returns the last state and every step's effects. */
async function talk(messages: (string | InboundContent)[], p = ports(), from = newConversation()) {
  let state: ConversationState = from;
  const steps: Effect[][] = [];
  for (const m of messages) {
    const content: InboundContent = typeof m === "string" ? { kind: "text", text: m } : m;
    const result = await converse(state, content, p);
    state = result.state;
    steps.push(result.effects);
  }
  return { state, steps, last: steps.at(-1) ?? [] };
}

const keys = (effects: Effect[]) => effects.map((e) => (e.kind === "reply" ? e.key : e.kind));

describe("conversation engine", () => {
  it("files a pothole in five messages when the first one says what and where", async () => {
    const { steps, last } = await talk([
      "boa noite tem um buraco enorme na r augusta 1200 quase caí de moto",
      "1",
      { kind: "media", media: "image", ref: "media-1", mimeType: "image/jpeg" },
      "não",
      "sim",
    ]);
    assert.deepEqual(steps.map(keys), [
      ["conversation.choose_service"],
      ["conversation.question"],
      ["conversation.question"],
      ["conversation.confirm"],
      ["file"],
    ]);
    const filed = last[0];
    assert.ok(filed?.kind === "file");
    assert.equal(filed.draft.service, "buraco");
    assert.deepEqual(filed.draft.place, AUGUSTA);
    assert.deepEqual(filed.draft.photos, ["media-1"]);
    assert.equal(filed.draft.anonymous, false);
    assert.match(filed.draft.description, /buraco enorme/);
  });

  it("offers the suggestions as buttons with a person among them", async () => {
    const { steps } = await talk(["buraco na rua augusta 1200"]);
    const first = steps[0]![0];
    assert.ok(first?.kind === "reply");
    assert.deepEqual(
      first.choices?.map((c) => c.id),
      ["service:buraco", "service:poda", "person"],
    );
  });

  it("asks for the place, with a location button, when the first message does not say where", async () => {
    const { steps } = await talk(["tem um galho de árvore caindo", "sim"]);
    const ask = steps[1]![0];
    assert.ok(ask?.kind === "reply" && ask.key === "conversation.question");
    assert.equal(ask.requestLocation, true);
  });

  it("takes a shared location, then a list answer by its number, and skips optional fields", async () => {
    const { last, state } = await talk([
      "tem um galho de árvore caindo",
      "sim",
      { kind: "location", lat: -23.55, lon: -46.63 },
      "2",
      "sim",
    ]);
    assert.equal(state.step, "idle");
    const filed = last[0];
    assert.ok(filed?.kind === "file");
    assert.deepEqual(filed.draft.answers, { porte: "grande" });
    assert.equal(filed.draft.place?.label, "Perto da Praça da Sé");
  });

  it("refuses a shared location outside the city and asks again", async () => {
    const { last, state } = await talk([
      "galho de árvore caindo",
      "sim",
      { kind: "location", lat: -25, lon: -49 },
    ]);
    assert.deepEqual(keys(last), ["conversation.outside_city"]);
    assert.equal(state.step, "question");
  });

  it("takes a correction of the place at the confirmation", async () => {
    const { last, state } = await talk([
      "buraco na rua augusta 1200",
      "1",
      "pular",
      "não",
      "não, é na Rua Augusta, 1300",
    ]);
    const confirm = last[0];
    assert.ok(confirm?.kind === "reply" && confirm.key === "conversation.confirm");
    assert.equal(confirm.params?.place, AUGUSTA_1300.label);
    assert.deepEqual(state.draft.place, AUGUSTA_1300);
  });

  it("goes back one question on 'voltar'", async () => {
    const { last, state } = await talk(["buraco na rua augusta 1200", "1", "pular", "voltar"]);
    const again = last[0];
    assert.ok(again?.kind === "reply" && again.key === "conversation.question");
    assert.equal(state.draft.done.includes("photo"), false);
  });

  it("stops every message on SAIR, PARAR or STOP, in the middle of a flow", async () => {
    for (const word of ["SAIR", "Parar.", "stop"]) {
      const { last, state } = await talk(["buraco na rua augusta 1200", word]);
      assert.deepEqual(keys(last), ["opt_out"]);
      assert.equal(state.step, "idle");
    }
    assert.equal(isStop("não para de vazar água"), false);
  });

  it("hands over to a person when asked, and then stays quiet for the agent", async () => {
    const { steps, state } = await talk(["quero falar com alguém", "oi?"]);
    assert.deepEqual(
      steps[0]!.map((e) => e.kind),
      ["reply", "hand_over"],
    );
    assert.equal(state.step, "agent");
    assert.deepEqual(steps[1], []);
    assert.equal(wantsPerson("ATENDENTE"), true);
    assert.equal(wantsPerson("o atendimento foi bom"), false);
  });

  it("offers a person after unusable answers, then hands over", async () => {
    const { steps } = await talk(["blá", "xyz", "???", "hum"]);
    assert.deepEqual(steps.flatMap(keys), [
      "conversation.not_understood_what",
      "conversation.not_understood_what",
      "conversation.not_understood_what",
      "conversation.handed_over",
      "hand_over",
    ]);
    const third = steps[2]![0];
    assert.ok(third?.kind === "reply");
    assert.ok(third.choices?.some((c) => c.id === "person"));
  });

  it("answers the status of a protocol of this sender, and of one typed with a typo", async () => {
    const calls: string[] = [];
    const typed = `e o protocolo ${MINE.slice(0, 4)}.${MINE.slice(4, -1)}-${MINE.slice(-1)}?`;
    const ok = await talk([typed], ports(calls));
    assert.deepEqual(keys(ok.last), ["conversation.status"]);
    const wrong = `${MINE.slice(0, 6)}${(Number(MINE[6]) + 1) % 10}${MINE.slice(7)}`;
    const typo = await talk([`e o protocolo ${wrong}`], ports(calls));
    const status = typo.last[0];
    assert.ok(status?.kind === "reply" && status.key === "conversation.status");
    assert.equal(status.params?.protocol, MINE);
    const none = await talk([`protocolo ${makeProtocol(2026, 999)}`], ports(calls));
    assert.deepEqual(keys(none.last), ["conversation.status_not_found"]);
  });

  it("lists the numbers one typo away from a number whose check digit fails", () => {
    const candidates = protocolCandidates(`${MINE.slice(0, -1)}${(Number(MINE.at(-1)) + 1) % 10}`);
    assert.ok(candidates?.candidates.includes(MINE));
    assert.equal(protocolCandidates(MINE)?.candidates.length, 1);
    assert.equal(protocolCandidates("ligue 11 3333-4444"), undefined);
  });

  it("answers in the citizen's language", async () => {
    assert.equal(detectLocale("hello there is a pothole on my street"), "en");
    assert.equal(detectLocale("hola hay un bache en la calle"), "es");
    assert.equal(detectLocale("boa noite tem um buraco na rua"), "pt-BR");
    const { state } = await talk(["hello, there is a pothole on my street"]);
    assert.equal(state.locale, "en");
  });

  it("cancels what is being filed", async () => {
    const { last, state } = await talk(["buraco na rua augusta 1200", "cancelar"]);
    assert.deepEqual(keys(last), ["conversation.cancelled"]);
    assert.equal(state.draft.description, undefined);
  });

  it("takes a rating, asks whether it was solved, and offers to reopen when it was not", async () => {
    const pending = { demandId: 7, protocol: MINE };
    const withSurvey = { ...ports(), pendingSurvey: async () => pending };
    const unsolved = await talk(["4", "não", "sim"], withSurvey);
    assert.deepEqual(unsolved.steps.map(keys), [
      ["conversation.survey_solved"],
      ["rate", "conversation.survey_reopen"],
      ["reopen"],
    ]);
    assert.deepEqual(unsolved.steps[1]![0], { kind: "rate", demandId: 7, rating: 4, solved: false });
    assert.equal(unsolved.state.step, "idle");
    const solved = await talk(
      [
        { kind: "choice", id: "rate:5" },
        { kind: "choice", id: "yes" },
      ],
      withSurvey,
    );
    assert.deepEqual(solved.steps.map(keys), [
      ["conversation.survey_solved"],
      ["rate", "conversation.survey_thanks"],
    ]);
    const kept = await talk(["nota 2", "nao", "não"], withSurvey);
    assert.deepEqual(keys(kept.last), ["conversation.survey_thanks"]);
  });

  it("reads a lone number as a new demand's text when there is no survey to answer", async () => {
    const noSurvey = { ...ports(), pendingSurvey: async () => null };
    const { last, state } = await talk(["5"], noSurvey);
    assert.notEqual(state.step, "survey");
    assert.ok(!keys(last).includes("conversation.survey_solved"));
  });

  it("follows a demand by its protocol, and stops following it, before asking its status", async () => {
    const follow = await talk([`quero acompanhar o protocolo ${MINE}`]);
    assert.deepEqual(follow.last, [{ kind: "follow", protocol: MINE, stop: false }]);
    const stop = await talk([`parar de seguir ${MINE}`]);
    assert.deepEqual(stop.last, [{ kind: "follow", protocol: MINE, stop: true }]);
    const typo = `${MINE.slice(0, -1)}${(Number(MINE.at(-1)) + 1) % 10}`;
    assert.deepEqual(keys((await talk([`seguir ${typo}`])).last), ["conversation.status_typo"]);
    assert.deepEqual(keys((await talk([`protocolo ${MINE}`])).last), ["conversation.status"]);
  });

  it("takes the next words of a citizen the department asked a question as the complement", async () => {
    const asked = { ...ports(), pendingComplement: async () => ({ demandId: 9, protocol: MINE }) };
    const { last, state } = await talk(["fica em frente ao número 1200"], asked);
    assert.deepEqual(last, [
      { kind: "complement", demandId: 9, protocol: MINE, text: "fica em frente ao número 1200" },
    ]);
    assert.equal(state.step, "idle");
    assert.deepEqual(keys((await talk(["SAIR"], asked)).last), ["opt_out"], "a stop word still stops");
  });

  it("follows the demands around a place named with its number, and says how when none is named", async () => {
    const { last } = await talk(["quero acompanhar os pedidos da rua augusta 1200"]);
    assert.deepEqual(last, [
      { kind: "follow_place", place: { lat: AUGUSTA.lat, lon: AUGUSTA.lon, label: AUGUSTA.label } },
    ]);
    assert.deepEqual(keys((await talk(["seguir"])).last), ["conversation.follow_place_how"]);
    assert.deepEqual((await talk(["parar de seguir o local"])).last, [{ kind: "follow_place" }]);
  });
});
