import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError, renderProblem } from "./errors.ts";

describe("problem texts", () => {
  it("names a status by its name in the reader's language, not by its code", () => {
    const order = new AppError(409, "illegal_work_order_transition", { from: "answered", to: "accepted" });
    assert.equal(
      renderProblem(order, "pt-BR").detail,
      "Uma ordem de serviço na situação respondida não pode passar para aceita.",
    );
    assert.match(renderProblem(order, "en").detail, /answered.*accepted/);
    const demand = new AppError(409, "illegal_transition", { from: "closed", to: "cancelled" });
    assert.equal(renderProblem(demand, "en").detail, "A demand in status Closed cannot move to Cancelled.");
    // A value with no name is shown as it is.
    const odd = new AppError(409, "illegal_transition", { from: "nonsense", to: "closed" });
    assert.match(renderProblem(odd, "pt-BR").detail, /nonsense/);
  });
});
