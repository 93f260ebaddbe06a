import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Question, QuestionnaireDefinition } from "./questionnaire.ts";
import {
  isRecordedByVoice,
  nextVoiceQuestion,
  unaskableRequired,
  voiceAnswer,
} from "./voice-questionnaire.ts";

const label = { "pt-BR": "?" };
const yesNo: Question = { name: "passou", type: "yes_no", label, required: true };
const scale: Question = { name: "nota", type: "scale", label };
const choice: Question = {
  name: "motivo",
  type: "single_choice",
  label,
  relevant: { question: "passou", op: "eq", value: false },
  choices: [
    { value: "atrasou", label },
    { value: "sujeira", label, key: "9" },
  ],
};
const number: Question = { name: "sacos", type: "number", label, constraint: { min: 1, max: 50 } };
const photo: Question = { name: "foto", type: "photo", label };
const text: Question = { name: "comentario", type: "text", label, required: true };

describe("a questionnaire on a call", () => {
  it("reads yes and no from keys and from words said, in the three languages", () => {
    assert.equal(voiceAnswer(yesNo, { digits: "1" }), true);
    assert.equal(voiceAnswer(yesNo, { digits: "2" }), false);
    assert.equal(voiceAnswer(yesNo, { speech: "Não passou, não" }), false);
    assert.equal(voiceAnswer(yesNo, { speech: "sim, passou" }), true);
    assert.equal(voiceAnswer(yesNo, { speech: "yes" }), true);
    assert.equal(voiceAnswer(yesNo, { speech: "sí" }), true);
    assert.equal(voiceAnswer(yesNo, { digits: "3" }), undefined);
    assert.equal(voiceAnswer(yesNo, {}), undefined);
  });

  it("reads a score of 1 to 5, a choice by its key or position, and a number within its limits", () => {
    assert.equal(voiceAnswer(scale, { digits: "4" }), 4);
    assert.equal(voiceAnswer(scale, { speech: "cinco" }), 5);
    assert.equal(voiceAnswer(scale, { digits: "6" }), undefined);
    assert.equal(voiceAnswer(choice, { digits: "1" }), "atrasou");
    assert.equal(voiceAnswer(choice, { digits: "9" }), "sujeira");
    assert.equal(voiceAnswer(choice, { digits: "2" }), undefined, "the second choice has its own key");
    assert.equal(voiceAnswer(number, { digits: "12#" }), 12);
    assert.equal(voiceAnswer(number, { digits: "51#" }), undefined);
    assert.equal(voiceAnswer(photo, { digits: "1" }), undefined);
  });

  it("asks the next askable question by the skip logic, and names required questions a keypad cannot answer", () => {
    const definition: QuestionnaireDefinition = { questions: [yesNo, choice, photo, scale] };
    assert.equal(nextVoiceQuestion(definition, {}, [])?.name, "passou");
    assert.equal(
      nextVoiceQuestion(definition, { passou: true }, [])?.name,
      "nota",
      "no reason asked, the photo skipped",
    );
    assert.equal(nextVoiceQuestion(definition, { passou: false }, [])?.name, "motivo");
    assert.equal(nextVoiceQuestion(definition, { passou: false }, ["motivo"])?.name, "nota");
    assert.equal(nextVoiceQuestion(definition, { passou: true, nota: 3 }, []), undefined);
    assert.deepEqual(unaskableRequired(definition), []);
    assert.deepEqual(unaskableRequired({ questions: [yesNo, { ...photo, required: true }] }), ["foto"]);
  });

  it("asks a text or audio question by a recording kept for review; a photo or a location never", () => {
    const definition: QuestionnaireDefinition = { questions: [yesNo, text, photo] };
    assert.equal(isRecordedByVoice(text), true);
    assert.equal(isRecordedByVoice({ ...text, type: "audio" }), true);
    assert.equal(isRecordedByVoice(yesNo), false);
    assert.equal(voiceAnswer(text, { digits: "1", speech: "a rua está limpa" }), undefined, "never keys");
    assert.equal(nextVoiceQuestion(definition, { passou: true }, [])?.name, "comentario");
    assert.equal(
      nextVoiceQuestion(definition, { passou: true }, ["comentario"]),
      undefined,
      "recorded: done",
    );
    assert.deepEqual(unaskableRequired(definition), []);
    assert.deepEqual(unaskableRequired({ questions: [{ ...text, type: "location" }] }), ["comentario"]);
  });
});
