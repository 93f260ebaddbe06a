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

type Item = { code: string; name: Record<string, string>; active: boolean; attributes: unknown[] };

/** The path of the Link rel="next" of an answer, or null on the last page. */
const nextOf = (res: { headers: Record<string, unknown> }) =>
  /<([^>]+)>;\s*rel="next"/.exec(String(res.headers.link ?? ""))?.[1] ?? null;

/** Every page from `path` on, following the Link rel="next" headers. */
async function readAll(path: string): Promise<Item[][]> {
  const pages: Item[][] = [];
  for (let next: string | null = path; next; ) {
    const res = await get(next, manager);
    assert.equal(res.statusCode, 200);
    pages.push(res.json() as Item[]);
    next = nextOf(res);
  }
  return pages;
}

describe("the staff's catalogue search", () => {
  it("pages over every service, inactive ones included, by the Link rel=next cursor", async () => {
    const inactive = await one<{ code: string }>(
      db,
      "UPDATE services SET active = false WHERE id = (SELECT min(id) FROM services) RETURNING code",
    );
    const { count } = await one<{ count: number }>(db, "SELECT count(*)::int AS count FROM services");
    const pages = await readAll("/api/v1/catalogue/services?limit=10");
    assert.equal(pages.length, Math.ceil(count / 10));
    assert.ok(pages.slice(0, -1).every((p) => p.length === 10));
    const codes = pages.flat().map((s) => s.code);
    assert.equal(codes.length, count);
    assert.equal(new Set(codes).size, count, "no service twice across pages");
    assert.ok(codes.includes(inactive.code));
    const last = await get(`/api/v1/catalogue/services?limit=${count}`, manager);
    assert.equal(nextOf(last), null, "no next page after the last");
  });

  it("lists an exact code first, then the other matches once each in order, one service a page too", async () => {
    // A group of several services, all answering the words "pagina teste"; its last one by name gets that code.
    const { group } = await one<{ group: string }>(
      db,
      `SELECT g.code AS group FROM services s JOIN service_groups g ON g.id = s.group_id
        GROUP BY g.code HAVING count(*) > 2 ORDER BY g.code LIMIT 1`,
    );
    await db.query(
      `UPDATE services SET keywords = keywords || ARRAY['pagina', 'teste']
        WHERE group_id = (SELECT id FROM service_groups WHERE code = $1)`,
      [group],
    );
    await db.query(
      `UPDATE services SET code = 'PAGINA-TESTE' WHERE id = (
         SELECT s.id FROM services s JOIN service_groups g ON g.id = s.group_id
          WHERE g.code = $1 ORDER BY s.name->>'pt-BR' DESC, s.id DESC LIMIT 1)`,
      [group],
    );
    const inGroup = (await readAll(`/api/v1/catalogue/services?group=${group}`)).flat().map((s) => s.code);
    assert.ok(inGroup.length > 2);
    const search = `/api/v1/catalogue/services?group=${group}&q=PAGINA-TESTE`;
    const whole = (await readAll(search)).flat().map((s) => s.code);
    const expected = ["PAGINA-TESTE", ...inGroup.filter((c) => c !== "PAGINA-TESTE")];
    assert.deepEqual(whole, expected);
    const byOne = await readAll(`${search}&limit=1`);
    assert.ok(byOne.every((p) => p.length === 1));
    assert.deepEqual(
      byOne.flat().map((s) => s.code),
      expected,
    );
  });

  it("finds services by words and answers every language of their names", async () => {
    const res = await get("/api/v1/catalogue/services?q=buraco&limit=5", manager);
    assert.equal(res.statusCode, 200);
    const page = res.json() as Item[];
    assert.ok(page.length > 0);
    assert.ok(page.every((s) => typeof s.name["pt-BR"] === "string"));
  });

  it("refuses page= and offset= and a cursor not its own, naming the field", async () => {
    for (const [query, field, code] of [
      ["page=2", "page", "use_cursor"],
      ["offset=10", "offset", "offset_not_supported"],
      ["cursor=bm9wZQ", "cursor", "invalid_cursor"],
    ] as const) {
      const res = await get(`/api/v1/catalogue/services?${query}`, manager);
      assert.equal(res.statusCode, 400, query);
      assert.match(String(res.headers["content-type"]), /problem\+json/);
      assert.deepEqual(
        (res.json().errors as { field: string; code: string }[]).map((e) => [e.field, e.code]),
        [[field, code]],
      );
    }
  });

  it("answers one service with its extra fields as stored, and 404 for an unknown code", async () => {
    const withFields = await one<{ code: string; n: number }>(
      db,
      `SELECT code, jsonb_array_length(attributes) AS n FROM services
        WHERE jsonb_array_length(attributes) > 0 ORDER BY code LIMIT 1`,
    );
    const res = await get(`/api/v1/catalogue/services/${withFields.code}`, manager);
    assert.equal(res.statusCode, 200);
    const service = res.json() as Item & {
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
