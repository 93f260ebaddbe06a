import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testApp } from "../../tests/helpers.ts";

describe("http app", () => {
  it("answers /health with the database kind", async () => {
    const { app, ctx } = await testApp();
    const res = await app.inject({ method: "GET", url: "/health" });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().database, ctx.db.kind);
  });

  it("answers an unknown route with a problem+json 404 in the asked language", async () => {
    const { app } = await testApp();
    const res = await app.inject({ method: "GET", url: "/nope", headers: { "accept-language": "es" } });
    assert.equal(res.statusCode, 404);
    assert.match(res.headers["content-type"] as string, /application\/problem\+json/);
    assert.equal(res.json().title, "No encontrado");
  });

  it("serves an OpenAPI 3.1 document", async () => {
    const { app } = await testApp();
    const res = await app.inject({ method: "GET", url: "/openapi.json" });
    assert.equal(res.json().openapi, "3.1.0");
    assert.ok(res.json().paths["/health"].get);
  });
});
