import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { testApp } from "../../tests/helpers.ts";
import { redactUrl } from "./app.ts";

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

  it("gzips answers over 1 KiB for clients that take it, and only for them", async () => {
    const { app } = await testApp();
    const plain = await app.inject({ url: "/api/v1/districts.geojson" });
    assert.equal(plain.headers["content-encoding"], undefined);
    const packed = await app.inject({
      url: "/api/v1/districts.geojson",
      headers: { "accept-encoding": "gzip" },
    });
    assert.equal(packed.headers["content-encoding"], "gzip");
    assert.ok(packed.rawPayload.length < plain.rawPayload.length / 2, "at least halved");
    assert.deepEqual(JSON.parse(gunzipSync(packed.rawPayload).toString()), plain.json());
    // Small answers are sent as they are.
    const small = await app.inject({ url: "/health", headers: { "accept-encoding": "gzip" } });
    assert.equal(small.headers["content-encoding"], undefined);
  });

  it("keeps demand secrets out of the request log", () => {
    assert.equal(
      redactUrl("/api/v1/demands/2026000000011/receipt?secret=abc123&lang=en"),
      "/api/v1/demands/2026000000011/receipt?secret=[redacted]&lang=en",
    );
    assert.equal(redactUrl("/acompanhar?protocolo=1&SECRET=x"), "/acompanhar?protocolo=1&SECRET=[redacted]");
    assert.equal(redactUrl("/api/v1/demands/1"), "/api/v1/demands/1");
    assert.equal(
      redactUrl("/webhooks/kannel/sms?id=1&from=5511988887777&text=buraco"),
      "/webhooks/kannel/sms?[redacted]",
    );
    assert.equal(
      redactUrl(`/media/replies/12.0.1799999999.${"a".repeat(43)}`),
      "/media/replies/12.0.1799999999.[redacted]",
    );
  });
});
