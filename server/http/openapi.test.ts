import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { testApp } from "../../tests/helpers.ts";
import { declaredRoutes, registeredRoutes } from "./openapi.ts";
import { operationIdOf } from "./openapi-document.ts";

type Operation = {
  operationId: string;
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, unknown> }>;
};

type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { name?: string }> };
};

// One app for the file: the document is the same for every test.
let served: Promise<Document> | undefined;
function documentOf(): Promise<Document> {
  served ??= testApp().then(async ({ app }) => {
    const res = await app.inject({ method: "GET", url: "/openapi.json" });
    assert.equal(res.statusCode, 200);
    return res.json() as Document;
  });
  return served;
}

const operationsOf = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ path, method, op })),
  );

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document whose references all resolve", async () => {
    const doc = await documentOf();
    assert.equal(doc.openapi, "3.1.0");
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Parameters<Validator["validate"]>[0]);
    assert.deepEqual(result.errors ?? [], [], "no schema errors");
    assert.equal(result.valid, true);
    assert.equal(validator.version, "3.1");
    // Every $ref names something that exists (resolveRefs throws on a dangling one).
    assert.doesNotThrow(() => validator.resolveRefs());
  });

  it("describes every API route Fastify serves, each with a unique camelCase operationId", async () => {
    const doc = await documentOf();
    const ids = operationsOf(doc).map(({ op }) => op.operationId);
    assert.equal(new Set(ids).size, ids.length, "operationIds are unique");
    for (const id of ids) assert.match(id, /^[a-z][A-Za-z0-9]*$/);
    const described = new Set(
      operationsOf(doc).map(
        ({ path, method }) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`,
      ),
    );
    const api = registeredRoutes().filter((r) => /^\w+ \/(api\/|open311\/v2\/|health)/.test(r));
    assert.ok(api.length > 100, "the walk saw the routes");
    for (const r of api) assert.ok(described.has(r), `${r} is in the document`);
  });

  it("derives stable operationIds from the method and path", () => {
    assert.equal(operationIdOf("GET", "/api/v1/work-orders/:id"), "getWorkOrdersById");
    assert.equal(operationIdOf("GET", "/open311/v2/requests.:format"), "getOpen311RequestsByFormat");
    assert.equal(
      operationIdOf("POST", "/api/v1/demands/:protocol/extend-deadline"),
      "postDemandsByProtocolExtendDeadline",
    );
  });

  it("uses JSON Schema 2020-12: no `nullable` anywhere, null as a type", async () => {
    const doc = await documentOf();
    const text = JSON.stringify(doc);
    assert.doesNotMatch(text, /"nullable"/);
    // WorkOrder.clockShare is number | null.
    const workOrder = doc.components.schemas.WorkOrder as { properties: { clockShare: { type: string[] } } };
    assert.deepEqual(workOrder.properties.clockShare.type, ["number", "null"]);
  });

  it("names the real media types of CSV, SSE, Open311 and problem answers", async () => {
    const doc = await documentOf();
    const ok = (path: string, method = "get") =>
      Object.keys(doc.paths[path]![method]!.responses["200"]!.content ?? {});
    assert.deepEqual(ok("/api/v1/exports/demands.csv"), ["text/csv"]);
    assert.deepEqual(ok("/api/v1/open-data/demands.csv"), ["text/csv"]);
    assert.deepEqual(ok("/api/v1/events"), ["text/event-stream"]);
    assert.deepEqual(ok("/api/v1/demands/{protocol}/events"), ["text/event-stream"]);
    assert.deepEqual(ok("/open311/v2/requests.{format}"), ["application/json", "text/xml"]);
    for (const { op } of operationsOf(doc)) {
      assert.ok(op.responses.default?.content?.["application/problem+json"], `${op.operationId} problem`);
    }
  });

  it("declares the staff cookie, the citizen cookie and the API keys, per operation", async () => {
    const doc = await documentOf();
    const schemes = doc.components.securitySchemes;
    assert.equal(schemes.staffSession?.name, "responsiva_session");
    assert.equal(schemes.citizenSession?.name, "responsiva_citizen");
    assert.equal(schemes.apiKeyHeader?.name, "X-API-Key");
    const op = (path: string, method = "get") => doc.paths[path]![method]!;
    assert.deepEqual(op("/api/v1/work-orders").security, [{ staffBearer: [] }, { staffSession: [] }]);
    assert.deepEqual(op("/api/v1/citizen/demands").security, [{ citizenSession: [] }]);
    assert.deepEqual(op("/api/v1/services").security, []);
    assert.ok(op("/api/v1/open-data/demands.csv").security?.some((s) => "apiKeyHeader" in s));
  });

  it("documents the Link header of every paged list, and pages exactly the lists with a cursor", async () => {
    const doc = await documentOf();
    for (const r of declaredRoutes()) {
      const shape = (r.query as { shape?: Record<string, unknown> } | undefined)?.shape ?? {};
      assert.equal(Boolean(r.paginated), "cursor" in shape && "limit" in shape, `${r.method} ${r.path}`);
      // One pagination style: no list takes a page number or an offset beside (or instead of) the cursor.
      assert.ok(!("page" in shape) && !("offset" in shape), `${r.method} ${r.path} pages by cursor only`);
      if (!r.paginated) continue;
      const op = doc.paths[r.path.replace(/:(\w+)/g, "{$1}")]![r.method.toLowerCase()]!;
      assert.ok(op.responses["200"]?.headers?.Link, `${r.path} documents Link`);
    }
  });
});
