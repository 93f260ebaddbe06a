import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isNonRequest } from "./non-request.ts";
import { stem } from "./text.ts";

describe("messages that ask for no service (docs/classifier.md)", () => {
  it("recognises praise, thanks for work done, spam, tests and questions for information", () => {
    for (const text of [
      "Quero parabenizar a equipe da subprefeitura pelo atendimento",
      "a calçada nova ficou excelente, obrigado",
      "Agradeço a rapidez da equipe de limpeza",
      "renda extra garantida, acesse o link",
      "oferta de seguro de carro, fale conosco",
      "testando 123",
      "Quem foi o primeiro prefeito da cidade?",
      "qual o telefone da prefeitura?",
      "great job fixing the street light, thank you for the quick work",
    ])
      assert.equal(isNonRequest(text), true, text);
  });

  it("keeps every message that complains or asks, even when it thanks or praises", () => {
    for (const text of [
      "Parabéns pelo serviço, mas o buraco voltou depois da chuva",
      "tem um buraco enorme na minha rua, obrigado",
      "a loja da promoção põe som alto na calçada e ninguém faz nada",
      "Agradeço se puderem podar a árvore, está encostando nos fios, é urgente",
      "quem vai tirar o entulho da esquina? já faz um mês",
      "morador de rua dormindo na praça",
      "buraco",
    ])
      assert.equal(isNonRequest(text), false, text);
  });
});

describe("the stem", () => {
  it("reads the inflections of one Portuguese verb or noun as one root", () => {
    assert.equal(stem("afundou"), stem("afundamento"));
    assert.equal(stem("afundando"), stem("afundamento"));
    assert.equal(stem("varrida"), stem("varricao"));
    assert.equal(stem("arvores"), stem("arvore"));
    assert.notEqual(stem("poda"), stem("posto"));
  });
});
