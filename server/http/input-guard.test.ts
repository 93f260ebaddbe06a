import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { findUnstorable, MAX_DEPTH } from "./input-guard.ts";

const { app, ctx } = await testApp();
const admin = await staffHeaders(ctx.db, "admin");
const SE = { lat: -23.5503, lon: -46.634 };

const countDemands = async () =>
  Number((await ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM demands"))[0]!.n);

/** The fields a 400 answer names: problem+json `errors`, or the Open311 error list's "field: …" descriptions. */
function namedFields(body: string): string[] {
  const parsed = JSON.parse(body) as unknown;
  if (Array.isArray(parsed)) return parsed.map((e: { description: string }) => e.description.split(":")[0]!);
  return ((parsed as { errors?: { field: string }[] }).errors ?? []).map((e) => e.field);
}

const multipart = (boundary: string, parts: string[]) =>
  `${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("")}--${boundary}--\r\n`;

describe("input guard at the HTTP edge", () => {
  it("refuses a NUL in path parameters, query strings, JSON and form bodies with a 400 naming the field", async () => {
    const cases: { method: "GET" | "POST"; url: string; field: string; form?: string; json?: unknown }[] = [
      { method: "GET", url: "/open311/v2/services/%00.json", field: "path.file" },
      { method: "GET", url: "/open311/v2/tokens/%00.json", field: "path.file" },
      { method: "GET", url: "/open311/v2/requests/%2500.json", field: "path.id" },
      { method: "GET", url: "/open311/v2/requests.json?service_code=%00", field: "query.service_code" },
      { method: "GET", url: "/api/v1/services?group=%00", field: "query.group" },
      { method: "GET", url: "/api/v1/open-data/demands.csv?service=%00", field: "query.service" },
      {
        method: "POST",
        url: "/open311/v2/requests.json",
        field: "service_code",
        form: "service_code=%00&lat=1",
      },
      { method: "POST", url: "/api/v1/demands", field: "description", json: { description: "a\u0000b" } },
      {
        method: "POST",
        url: "/api/v1/demands",
        field: "citizen.name",
        json: { citizen: { name: "\u0000" } },
      },
    ];
    for (const c of cases) {
      const res = await app.inject({
        method: c.method,
        url: c.url,
        ...(c.form !== undefined
          ? { payload: c.form, headers: { "content-type": "application/x-www-form-urlencoded" } }
          : c.json !== undefined
            ? { payload: c.json as object }
            : {}),
      });
      assert.equal(res.statusCode, 400, `${c.url}: ${res.body}`);
      assert.deepEqual(namedFields(res.body), [c.field], c.url);
    }
  });

  it("refuses a NUL on staff routes before the handler runs", async () => {
    const headers = { authorization: admin.authorization };
    const search = await app.inject({ url: "/api/v1/citizens?contact=%00", headers });
    assert.equal(search.statusCode, 400, search.body);
    assert.deepEqual(namedFields(search.body), ["query.contact"]);
    const department = await app.inject({
      method: "POST",
      url: "/api/v1/departments",
      headers,
      payload: { code: "X\u0000", name: "Nul" },
    });
    assert.equal(department.statusCode, 400, department.body);
    assert.deepEqual(namedFields(department.body), ["code"]);
  });

  it("refuses lone surrogates, in values and in keys, and bodies nested deeper than any input", async () => {
    const lone = await app.inject({
      method: "POST",
      url: "/api/v1/demands",
      headers: { "content-type": "application/json" },
      payload: '{"description": "x\\ud800", "attributes": {"\\udfffkey": 1}}',
    });
    assert.equal(lone.statusCode, 400, lone.body);
    assert.equal(lone.json().errors[0].code, "invalid_characters");
    const nested = await app.inject({
      method: "POST",
      url: "/api/v1/demands",
      headers: { "content-type": "application/json" },
      payload: `{"attributes": ${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
    });
    assert.equal(nested.statusCode, 400, nested.body);
    assert.equal(nested.json().errors[0].code, "too_deep");
  });

  it("keeps text people write: accents, emoji, right-to-left scripts and combining marks pass", async () => {
    for (const text of [
      "São Paulo",
      "👩‍👩‍👧‍👦 🇧🇷",
      "\u202eשלום\u202c",
      "e\u0301\u0302",
      "\uffff",
      "tab\tand\nnewline",
    ])
      assert.equal(findUnstorable({ description: text }), undefined, text);
    assert.equal(findUnstorable(JSON.parse(`${"[".repeat(MAX_DEPTH)}${"]".repeat(MAX_DEPTH)}`)), undefined);
    const [service] = await ctx.db.query<{ code: string }>(
      `SELECT code FROM services WHERE active AND anonymous_allowed AND attributes = '[]'::jsonb ORDER BY code LIMIT 1`,
    );
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/demands",
      payload: {
        service: service!.code,
        identity: "anonymous",
        description: "Buraco 🕳️ na rua, e\u0301 fundo — שלום",
        location: SE,
      },
    });
    assert.equal(res.statusCode, 201, res.body);
  });

  it("refuses a NUL in a multipart demand field or file name, and malformed multipart bodies, with a 400", async () => {
    const before = await countDemands();
    const b = "guardBoundary";
    const bodies: { contentType: string; payload: string; code: string }[] = [
      {
        contentType: `multipart/form-data; boundary=${b}`,
        payload: multipart(b, [
          'Content-Disposition: form-data; name="demand"\r\n\r\n{"description": "a\\u0000b"}',
        ]),
        code: "invalid_input",
      },
      {
        contentType: `multipart/form-data; boundary=${b}`,
        payload: multipart(b, [
          'Content-Disposition: form-data; name="photo"; filename="a\u0000.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\u00ff\u00d8\u00ff',
        ]),
        code: "invalid_input",
      },
      { contentType: "multipart/form-data", payload: "no boundary at all", code: "malformed_multipart" },
      {
        contentType: `multipart/form-data; boundary=${b}`,
        payload: `--${b}\r\nContent-Disposition: form-data; name="demand"\r\n\r\n{"descr`,
        code: "malformed_multipart",
      },
    ];
    for (const body of bodies) {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/demands",
        headers: { "content-type": body.contentType },
        payload: body.payload,
      });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().code, body.code, res.body);
      assert.match(res.headers["content-type"] as string, /application\/problem\+json/);
    }
    assert.equal(await countDemands(), before, "nothing written");
  });

  it("answers malformed multipart on the evidence upload with a 400", async () => {
    for (const [contentType, payload] of [
      ["multipart/form-data", "xx"],
      [
        "multipart/form-data; boundary=z",
        '--z\r\nContent-Disposition: form-data; name="f"; filename="a.jpg"\r\n\r\n\xff\xd8',
      ],
    ]) {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/work-orders/1/attachments",
        headers: { authorization: admin.authorization, "content-type": contentType! },
        payload: payload!,
      });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().code, "malformed_multipart");
    }
  });

  it("answers a department system's base URL that is not a URL with a 400 naming baseUrl", async () => {
    const res = await app.inject({
      method: "PUT",
      url: "/api/v1/department-systems/AMLURB",
      headers: { authorization: admin.authorization },
      payload: { baseUrl: "not a url", format: "json" },
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.deepEqual(namedFields(res.body), ["baseUrl"]);
  });
});
