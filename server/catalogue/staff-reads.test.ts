/** The staff's reads of the catalogue: the paged search over every service and one service as it is edited. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";

const { app, ctx } = await testApp();
const db = ctx.db;
const manager = await staffHeaders(db, "manager");
const agent = await staffHeaders(db, "agent");

const get = (url: string, who: { authorization: string }) =>
  app.inject({ method: "GET", url, headers: { authorization: who.authorization } });

interface Page {
  items: { code: string; name: Record<string, string>; active: boolean; attributes: unknown[] }[];
  total: number;
  page: number;
  limit: number;
}

describe("the staff's catalogue search", () => {
  it("pages over every service, inactive ones included", async () => {
    const inactive = await one<{ code: string }>(
      db,
      "UPDATE services SET active = false WHERE id = (SELECT min(id) FROM services) RETURNING code",
    );
    const { count } = await one<{ count: number }>(db, "SELECT count(*)::int AS count FROM services");
    const first = (await get("/api/v1/catalogue/services?limit=10", manager)).json() as Page;
    assert.equal(first.total, count);
    assert.equal(first.items.length, 10);
    const second = (await get("/api/v1/catalogue/services?limit=10&page=2", manager)).json() as Page;
    assert.equal(second.page, 2);
    assert.equal(
      second.items.some((s) => first.items.some((f) => f.code === s.code)),
      false,
    );
    const found = (await get(`/api/v1/catalogue/services?q=${inactive.code}`, manager)).json() as Page;
    assert.equal(found.items[0]?.code, inactive.code);
    assert.equal(found.items[0]?.active, false);
  });

  it("finds services by words and answers every language of their names", async () => {
    const res = await get("/api/v1/catalogue/services?q=buraco&limit=5", manager);
    assert.equal(res.statusCode, 200);
    const page = res.json() as Page;
    assert.ok(page.total > 0);
    assert.ok(page.items.every((s) => typeof s.name["pt-BR"] === "string"));
  });

  it("answers one service with its extra fields as stored, and 404 for an unknown code", async () => {
    const withFields = await one<{ code: string; n: number }>(
      db,
      `SELECT code, jsonb_array_length(attributes) AS n FROM services
        WHERE jsonb_array_length(attributes) > 0 ORDER BY code LIMIT 1`,
    );
    const res = await get(`/api/v1/catalogue/services/${withFields.code}`, manager);
    assert.equal(res.statusCode, 200);
    const service = res.json() as Page["items"][number] & {
      attributes: { description: Record<string, string> }[];
    };
    assert.equal(service.attributes.length, withFields.n);
    assert.equal(typeof service.attributes[0]?.description["pt-BR"], "string");
    assert.equal((await get("/api/v1/catalogue/services/NOPE-404", manager)).statusCode, 404);
  });

  it("is refused to roles that do not manage the catalogue", async () => {
    assert.equal((await get("/api/v1/catalogue/services", agent)).statusCode, 403);
  });
});
