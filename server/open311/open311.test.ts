/**
 * GeoReport v2 conformance: every endpoint in XML and JSON, every error case in the spec's error format, and our
 * XML compared element by element with the spec's own examples (../shared/data/open311/georeport-v2-spec-examples).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { XMLParser } from "fast-xml-parser";
import { parseProtocol } from "../../domain/protocol.ts";
import { testApp, withinOneRateWindow } from "../../tests/helpers.ts";
import { createApiClient } from "../api-keys/commands.ts";
import { one } from "../db/index.ts";

const JURISDICTION = "prefeitura.sp.gov.br";
const { app, ctx } = await testApp({ open311JurisdictionId: JURISDICTION });
const { db } = ctx;
const { key } = await createApiClient(db, { name: "Conformance client" }, null);
const EXAMPLES = join(ctx.config.sharedDataDir, "open311", "georeport-v2-spec-examples");

// A point inside a district, and a service with a required single-choice field and one without any field.
const place = await one<{ lat: number; lon: number; code: string; name: string }>(
  db,
  `SELECT ST_Y(ST_PointOnSurface(geom)) AS lat, ST_X(ST_PointOnSurface(geom)) AS lon, code, name
     FROM districts ORDER BY code LIMIT 1`,
);
const listService = await one<{ code: string; attribute: string; choice: string }>(
  db,
  `SELECT s.code, a ->> 'code' AS attribute, a -> 'values' -> 0 ->> 'key' AS choice
     FROM services s, jsonb_array_elements(s.attributes) a
    WHERE s.active AND a ->> 'datatype' = 'singlevaluelist' AND (a ->> 'required')::boolean
    ORDER BY s.code LIMIT 1`,
);
const plainService = await one<{ code: string }>(
  db,
  `SELECT code FROM services WHERE active AND attributes = '[]' AND anonymous_allowed ORDER BY code LIMIT 1`,
);

const xml = new XMLParser({
  parseTagValue: false,
  isArray: (_name, path) =>
    /\.(service|attribute|value|request|error|request_update|endpoint|format|group)$/.test(String(path)),
});

/** Every element path of a parsed XML document ("services.service.service_code"), lists counted once. */
function paths(node: unknown, prefix = ""): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(node)) {
    for (const item of node) for (const p of paths(item, prefix)) out.add(p);
  } else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "?xml") continue;
      const path = prefix ? `${prefix}.${k}` : k;
      out.add(path);
      for (const p of paths(v, path)) out.add(p);
    }
  }
  return out;
}

/** Asserts that every element of the spec's example exists at the same place in ours. */
function assertSameStructure(ours: string, example: string) {
  const missing = [...paths(xml.parse(example))].filter((p) => !paths(xml.parse(ours)).has(p));
  assert.deepEqual(missing, []);
}

const example = (name: string) => readFileSync(join(EXAMPLES, name), "utf8");
/** The XML part of an error example (it starts with the HTTP status line). */
const exampleBody = (name: string) => example(name).slice(example(name).indexOf("<?xml"));

const get = (url: string) => app.inject({ method: "GET", url });
function post(url: string, fields: Record<string, string | string[]>) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) body.append(k, one);
  return app.inject({
    method: "POST",
    url,
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    payload: body.toString(),
  });
}

const validRequest = (overrides: Record<string, string | string[]> = {}) => ({
  api_key: key,
  jurisdiction_id: JURISDICTION,
  service_code: listService.code,
  lat: String(place.lat),
  long: String(place.lon),
  address_string: "Rua Augusta, 1500 - apto 32",
  email: "maria.conformance@example.org",
  first_name: "Maria",
  last_name: "da Silva Conformance",
  phone: "11987654321",
  description: "Buraco enorme perto da casa de Maria da Silva Conformance",
  device_id: "tt222111",
  account_id: "123456",
  media_url: "https://example.org/photos/1.jpg",
  [`attribute[${listService.attribute}]`]: listService.choice,
  ...overrides,
});

/** Asserts an error answer: the status, the content type of the format, and the spec's error structure. */
function assertError(
  res: Awaited<ReturnType<typeof get>>,
  status: number,
  format: "xml" | "json",
  match?: RegExp,
) {
  assert.equal(res.statusCode, status, res.body);
  if (format === "xml") {
    assert.match(String(res.headers["content-type"]), /^text\/xml; charset=utf-8/);
    assertSameStructure(res.body, exampleBody("14_xml-errors.txt"));
    const errors = xml.parse(res.body).errors.error as { code: string; description: string }[];
    assert.equal(errors[0]?.code, String(status));
    if (match) assert.match(errors.map((e) => e.description).join("\n"), match);
  } else {
    assert.match(String(res.headers["content-type"]), /^application\/json; charset=utf-8/);
    const errors = res.json() as { code: number; description: string }[];
    assert.equal(errors[0]?.code, status);
    assert.equal(typeof errors[0]?.description, "string");
    if (match) assert.match(errors.map((e) => e.description).join("\n"), match);
  }
}

describe("discovery and services", () => {
  it("serves the discovery document in both formats, naming this endpoint", async () => {
    const x = await get("/open311/v2/discovery.xml");
    assert.equal(x.statusCode, 200);
    assertSameStructure(
      x.body,
      readFileSync(
        join(ctx.config.sharedDataDir, "open311/real-endpoint-responses/discovery-dc.xml"),
        "utf8",
      ),
    );
    const j = (await get("/open311/v2/discovery.json")).json();
    assert.equal(j.endpoints[0].url, `${ctx.config.publicUrl}/open311/v2`);
    assert.deepEqual(j.endpoints[0].formats, ["text/xml", "application/json"]);
  });

  it("lists services with the spec's elements, FixMyStreet groups and a UTF-8 XML declaration", async () => {
    const x = await get(`/open311/v2/services.xml?jurisdiction_id=${JURISDICTION}`);
    assert.equal(x.statusCode, 200);
    assert.match(String(x.headers["content-type"]), /^text\/xml; charset=utf-8/);
    assert.match(x.body, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
    assertSameStructure(x.body, example("01_xml-service-list.xml"));
    const services = xml.parse(x.body).services.service as Record<string, unknown>[];
    const ours = services.find((s) => s.service_code === listService.code);
    assert.equal(ours?.metadata, "true");
    assert.equal(ours?.type, "realtime");
    const j = (await get("/open311/v2/services.json")).json() as Record<string, unknown>[];
    assert.equal(j.length, services.length);
    const jsonOurs = j.find((s) => s.service_code === listService.code);
    assert.equal(jsonOurs?.metadata, true);
    assert.deepEqual(jsonOurs?.groups, [jsonOurs?.group]);
  });

  it("defines a service's attributes like the spec's example, in both formats", async () => {
    const x = await get(`/open311/v2/services/${listService.code}.xml`);
    assert.equal(x.statusCode, 200);
    assertSameStructure(x.body, example("03_xml-service-definition.xml"));
    const j = (await get(`/open311/v2/services/${listService.code}.json`)).json();
    const spec = JSON.parse(example("04_json-service-definition.json"));
    assert.deepEqual(Object.keys(j).sort(), Object.keys(spec).sort());
    const attribute = j.attributes.find((a: { code: string }) => a.code === listService.attribute);
    assert.deepEqual(Object.keys(attribute).sort(), Object.keys(spec.attributes[0]).sort());
    assert.equal(attribute.datatype, "singlevaluelist");
    assert.equal(attribute.required, true);
    assert.ok(attribute.values.some((v: { key: string }) => v.key === listService.choice));
  });

  it("answers 404 for an unknown service and 400 for an unsupported format, in the spec's error format", async () => {
    assertError(await get("/open311/v2/services/NOPE-1.xml"), 404, "xml", /NOPE-1/);
    assertError(await get("/open311/v2/services/NOPE-1.json"), 404, "json", /NOPE-1/);
    assertError(await get("/open311/v2/services.csv"), 400, "xml", /csv/);
    assertError(await get(`/open311/v2/services/${listService.code}`), 400, "xml");
    assertError(await get("/open311/v2/nothing-here.json"), 404, "json");
  });

  it("answers 404 to a jurisdiction it does not serve, and accepts its own or none", async () => {
    assertError(await get("/open311/v2/services.xml?jurisdiction_id=other.city"), 404, "xml", /other\.city/);
    assertError(await get("/open311/v2/services.json?jurisdiction_id=other.city"), 404, "json");
    assert.equal((await get(`/open311/v2/services.json?jurisdiction_id=${JURISDICTION}`)).statusCode, 200);
  });
});

describe("POST requests", () => {
  it("files a demand from the spec's form and answers like the spec's example", async () => {
    const res = await post("/open311/v2/requests.xml", validRequest());
    assert.equal(res.statusCode, 200, res.body);
    assertSameStructure(res.body, example("06_xml-service-request-post.xml"));
    const request = xml.parse(res.body).service_requests.request[0];
    assert.ok(parseProtocol(request.service_request_id).ok);
    const demand = await one<{ channel: string; status: string; attributes: Record<string, string> }>(
      db,
      "SELECT channel, status, attributes FROM demands WHERE protocol = $1",
      [request.service_request_id],
    );
    assert.equal(demand.channel, "open311");
    assert.equal(demand.attributes[listService.attribute], listService.choice);
  });

  it("answers in JSON like the spec's example, with the api_key in the query string", async () => {
    const { api_key, ...fields } = validRequest();
    const res = await post(`/open311/v2/requests.json?api_key=${api_key}`, fields);
    assert.equal(res.statusCode, 200, res.body);
    const [created] = res.json();
    for (const k of Object.keys(JSON.parse(example("07_json-service-request-post.json"))[0]))
      assert.ok(k in created);
    assert.ok(parseProtocol(created.service_request_id).ok);
  });

  it("refuses a missing or wrong api_key with 403 in both formats", async () => {
    const { api_key: _, ...noKey } = validRequest();
    assertError(await post("/open311/v2/requests.xml", noKey), 403, "xml", /api_key/);
    assertError(await post("/open311/v2/requests.json", noKey), 403, "json");
    assertError(await post("/open311/v2/requests.xml", validRequest({ api_key: "rsv_wrong" })), 403, "xml");
  });

  it("answers every bad request with the spec's 400 or 404, never a 500", async () => {
    const { lat: _lat, long: _long, address_string: _a, ...noPlace } = validRequest();
    const cases: [Record<string, string | string[]>, number, RegExp][] = [
      [validRequest({ service_code: "NOPE-1" }), 404, /NOPE-1/],
      [validRequest({ service_code: "" }), 400, /service_code/],
      [noPlace, 400, /lat\/long/],
      [{ ...noPlace, lat: String(place.lat) }, 400, /long/],
      [validRequest({ lat: "abc" }), 400, /lat/],
      [validRequest({ lat: "123" }), 400, /lat/],
      [validRequest({ lat: "0", long: "0" }), 400, /lat\/long/],
      [validRequest({ [`attribute[${listService.attribute}]`]: "" }), 400, new RegExp(listService.attribute)],
      [
        validRequest({ [`attribute[${listService.attribute}]`]: "not-a-choice" }),
        400,
        new RegExp(listService.attribute),
      ],
      [validRequest({ email: "not-an-email" }), 400, /email/],
      [validRequest({ jurisdiction_id: "other.city" }), 404, /other\.city/],
      [{ ...noPlace, address_id: "NO-SUCH-DISTRICT" }, 400, /address_id/],
    ];
    for (const [fields, status, match] of cases) {
      assertError(await post("/open311/v2/requests.xml", fields), status, "xml", match);
      assertError(await post("/open311/v2/requests.json", fields), status, "json", match);
    }
    assertError(await post("/open311/v2/requests.csv", validRequest()), 400, "xml");
  });

  it("accepts unknown attribute codes (FixMyStreet's references) and a district by address_id", async () => {
    const { lat: _lat, long: _long, address_string: _a, ...noPlace } = validRequest();
    const res = await post("/open311/v2/requests.json", {
      ...noPlace,
      address_id: place.code,
      "attribute[fixmystreet_id]": "4242",
      "attribute[easting]": "530000",
    });
    assert.equal(res.statusCode, 200, res.body);
    const refs = await one<{ client_refs: Record<string, string> }>(
      db,
      `SELECT o.client_refs FROM open311_requests o JOIN demands d ON d.id = o.demand_id WHERE d.protocol = $1`,
      [res.json()[0].service_request_id],
    );
    assert.deepEqual(refs.client_refs, { fixmystreet_id: "4242" });
  });
});

describe("GET requests, a request, tokens", () => {
  it("lists the filed requests like the spec's example, without any personal data", async () => {
    const filed = (await post("/open311/v2/requests.json", validRequest())).json()[0];
    const x = await get(
      `/open311/v2/requests.xml?jurisdiction_id=${JURISDICTION}&service_code=${listService.code}`,
    );
    assert.equal(x.statusCode, 200);
    assertSameStructure(x.body, example("10_xml-service-requests.xml"));
    for (const secret of [
      "maria",
      "Silva",
      "11987654321",
      "Buraco enorme",
      "1500",
      "apto",
      "tt222111",
      "123456",
    ])
      assert.ok(!x.body.toLowerCase().includes(secret.toLowerCase()), `leaks ${secret}`);
    const requests = xml.parse(x.body).service_requests.request as Record<string, string>[];
    const ours = requests.find((r) => r.service_request_id === filed.service_request_id);
    assert.equal(ours?.status, "open");
    assert.equal(ours?.address_id, place.code);
    assert.ok(ours?.address?.includes(place.name), ours?.address);
    assert.equal(Number(ours?.lat), Number(place.lat.toFixed(3)));
    assert.match(ours?.requested_datetime ?? "", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it("filters by ids (overriding the rest), by status, and rejects bad dates and windows over 90 days", async () => {
    const a = (await post("/open311/v2/requests.json", validRequest())).json()[0].service_request_id;
    const b = (await post("/open311/v2/requests.json", validRequest())).json()[0].service_request_id;
    const byIds = (
      await get(`/open311/v2/requests.json?service_request_id=${a},${b},123&status=closed`)
    ).json();
    assert.deepEqual(
      byIds.map((r: { service_request_id: string }) => r.service_request_id).sort(),
      [a, b].sort(),
    );
    const closed = (await get("/open311/v2/requests.json?status=closed")).json();
    assert.ok(!closed.some((r: { service_request_id: string }) => r.service_request_id === a));
    const open = (await get("/open311/v2/requests.json?status=open")).json();
    assert.ok(open.some((r: { service_request_id: string }) => r.service_request_id === a));
    const now = new Date();
    // São Paulo wall time with its offset; the end's "+00:00" is sent unencoded, so it arrives as a space.
    const iso = (d: Date) =>
      encodeURIComponent(new Date(d.getTime() - 3 * 3_600_000).toISOString().replace(/\.\d+Z$/, "-03:00"));
    const tomorrow = new Date(now.getTime() + 86_400_000).toISOString().slice(0, 19);
    const window = `start_date=${iso(new Date(now.getTime() - 3_600_000))}&end_date=${tomorrow}+00:00`;
    assert.ok((await get(`/open311/v2/requests.json?${window}`)).json().length >= 2);
    assertError(await get("/open311/v2/requests.xml?start_date=yesterday"), 400, "xml", /start_date/);
    assertError(await get("/open311/v2/requests.json?end_date=2024-01-01"), 400, "json", /end_date/);
    assertError(await get("/open311/v2/requests.json?status=pending"), 400, "json", /status/);
    assertError(
      await get("/open311/v2/requests.xml?start_date=2024-01-01T00:00:00Z&end_date=2024-06-01T00:00:00Z"),
      400,
      "xml",
      /90/,
    );
    assertError(
      await get("/open311/v2/requests.json?start_date=2024-06-01T00:00:00Z&end_date=2024-01-01T00:00:00Z"),
      400,
      "json",
    );
  });

  it("reads one request like the spec's example, and 404 for one that does not exist", async () => {
    const id = (await post("/open311/v2/requests.json", validRequest())).json()[0].service_request_id;
    const x = await get(`/open311/v2/requests/${id}.xml`);
    assert.equal(x.statusCode, 200);
    assertSameStructure(x.body, example("12_xml-service-request.xml"));
    const [j] = (await get(`/open311/v2/requests/${id}.json`)).json();
    assert.equal(j.service_request_id, id);
    assert.equal(j.description, null);
    const wrongDigit = id.slice(0, -1) + String((Number(id.slice(-1)) + 1) % 10);
    assertError(await get(`/open311/v2/requests/${wrongDigit}.xml`), 404, "xml");
    assertError(await get(`/open311/v2/requests/999.json`), 404, "json");
  });

  it("resolves a token to its request id like the spec's example", async () => {
    const created = (await post("/open311/v2/requests.json", validRequest())).json()[0];
    const x = await get(`/open311/v2/tokens/${created.token}.xml?jurisdiction_id=${JURISDICTION}`);
    assert.equal(x.statusCode, 200);
    assertSameStructure(x.body, example("08_xml-request-from-token.xml"));
    assert.equal(
      xml.parse(x.body).service_requests.request[0].service_request_id,
      created.service_request_id,
    );
    const [j] = (await get(`/open311/v2/tokens/${created.token}.json`)).json();
    assert.equal(j.service_request_id, created.service_request_id);
    assertError(await get("/open311/v2/tokens/no-such-token.json"), 404, "json");
  });

  it("places a sensitive service's request at its district only", async () => {
    await db.query("UPDATE services SET sensitive = true WHERE code = $1", [plainService.code]);
    try {
      const { [`attribute[${listService.attribute}]`]: _, ...fields } = validRequest({
        service_code: plainService.code,
      });
      const id = (await post("/open311/v2/requests.json", fields)).json()[0].service_request_id;
      const [r] = (await get(`/open311/v2/requests/${id}.json`)).json();
      const centre = await one<{ lat: number; lon: number }>(
        db,
        "SELECT ST_Y(ST_PointOnSurface(geom)) AS lat, ST_X(ST_PointOnSurface(geom)) AS lon FROM districts WHERE code = $1",
        [place.code],
      );
      assert.equal(r.lat, Number(centre.lat.toFixed(3)));
      assert.equal(r.long, Number(centre.lon.toFixed(3)));
      assert.equal(r.address, place.name);
      assert.equal(r.media_url, null);
    } finally {
      await db.query("UPDATE services SET sensitive = false WHERE code = $1", [plainService.code]);
    }
  });
});

describe("keys and limits", () => {
  it("checks a key given to a GET and answers 429 with Retry-After over a client's limit", async () => {
    assertError(await get("/open311/v2/services.xml?api_key=rsv_unknown"), 403, "xml");
    const slow = await createApiClient(db, { name: "Slow client", rateLimitPerMinute: 1 }, null);
    await withinOneRateWindow(10_000);
    assert.equal((await get(`/open311/v2/services.json?api_key=${slow.key}`)).statusCode, 200);
    const res = await get(`/open311/v2/services.json?api_key=${slow.key}`);
    assertError(res, 429, "json");
    assert.ok(Number(res.headers["retry-after"]) >= 1);
  });
});
