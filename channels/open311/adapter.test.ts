/**
 * The GeoReport v2 client against the fake server on loopback (real HTTP, real form bodies, real XML and JSON),
 * and the parser against the spec's own examples and answers captured from real city endpoints.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import {
  getServiceRequests,
  getServiceRequestUpdates,
  getToken,
  type Open311Endpoint,
  Open311Error,
  postServiceRequest,
} from "./adapter.ts";
import { startFakeGeoReport } from "./fake.ts";
import { parseErrors, parseLenientJson, parseRequests, parseUpdates } from "./parse.ts";

const SPEC = "../shared/data/open311/georeport-v2-spec-examples";
const REAL = "../shared/data/open311/real-endpoint-responses";
const read = (path: string) => readFileSync(path, "utf8");
/** The body of a spec example that starts with its HTTP status line. */
const bodyAfterStatus = (text: string) => text.slice(text.indexOf("\n\n") + 2);

const fake = await startFakeGeoReport({
  apiKey: "xyz",
  jurisdictionId: "city.gov",
  serviceCodes: ["001", "002"],
});
after(() => fake.close());

const endpoint = (format: "xml" | "json", overrides: Partial<Open311Endpoint> = {}): Open311Endpoint => ({
  baseUrl: fake.url,
  format,
  apiKey: "xyz",
  jurisdictionId: "city.gov",
  ...overrides,
});

const REQUEST = {
  serviceCode: "001",
  lat: 37.76524078,
  long: -122.4212043,
  addressString: "1234 5th street",
  description: "A large sinkhole is destroying the street",
  attributes: { WHISPAWN: "123456", KINDS: ["a", "b"] },
  email: "smit333@sfgov.edu",
  firstName: "john",
  lastName: "smith",
};

describe("posting a service request", () => {
  for (const format of ["xml", "json"] as const) {
    it(`sends the spec's form fields and reads the id from the ${format} receipt`, async () => {
      const receipt = await postServiceRequest(endpoint(format), REQUEST);
      assert.ok(receipt.serviceRequestId);
      assert.equal(receipt.token, null);
      assert.equal(receipt.serviceNotice, "Vistoria em até 5 dias úteis.");
      const call = fake.posts().at(-1)!;
      assert.equal(call.format, format);
      assert.match(call.contentType ?? "", /^application\/x-www-form-urlencoded/);
      const form = call.form!;
      assert.equal(form.get("api_key"), "xyz");
      assert.equal(form.get("jurisdiction_id"), "city.gov");
      assert.equal(form.get("service_code"), "001");
      assert.equal(form.get("lat"), "37.765241");
      assert.equal(form.get("long"), "-122.421204");
      assert.equal(form.get("address_string"), "1234 5th street");
      assert.equal(form.get("description"), REQUEST.description);
      assert.equal(form.get("attribute[WHISPAWN]"), "123456");
      assert.deepEqual(form.getAll("attribute[KINDS][]"), ["a", "b"]);
      assert.equal(form.get("email"), "smit333@sfgov.edu");
      assert.equal(form.get("first_name"), "john");
      assert.equal(fake.requests.get(receipt.serviceRequestId!)?.form.get("service_code"), "001");
    });
  }

  it("leaves out personal fields that were not given", async () => {
    await postServiceRequest(endpoint("xml"), {
      serviceCode: "002",
      description: "Poste apagado",
      lat: 1,
      long: 2,
    });
    const form = fake.posts().at(-1)!.form!;
    for (const name of ["email", "first_name", "last_name", "phone", "address_string"]) {
      assert.equal(form.has(name), false, name);
    }
  });

  it("turns the spec's error answer into a typed error that says a retry cannot help", async () => {
    for (const format of ["xml", "json"] as const) {
      const error = await postServiceRequest(endpoint(format, { apiKey: "wrong" }), REQUEST).catch((e) => e);
      assert.ok(error instanceof Open311Error);
      assert.equal(error.status, 403);
      assert.equal(error.temporary, false);
      assert.deepEqual(error.errors, [
        { code: "403", description: "Invalid api_key received -- can't proceed with create_request." },
      ]);
    }
    const unknown = await postServiceRequest(endpoint("json"), { ...REQUEST, serviceCode: "999" }).catch(
      (e) => e,
    );
    assert.equal(unknown.status, 400);
    assert.match(unknown.message, /Service code 999 is invalid/);
  });

  it("says a 500 and a server that is down may pass later", async () => {
    fake.fail(500, 1);
    const e500 = await postServiceRequest(endpoint("xml"), REQUEST).catch((e) => e);
    assert.equal(e500.status, 500);
    assert.equal(e500.temporary, true);
    await fake.down();
    try {
      const down = await postServiceRequest(endpoint("xml"), REQUEST).catch((e) => e);
      assert.ok(down instanceof Open311Error);
      assert.equal(down.status, null);
      assert.equal(down.temporary, true);
    } finally {
      await fake.up();
    }
    const back = await postServiceRequest(endpoint("xml"), REQUEST);
    assert.ok(back.serviceRequestId);
  });

  it("gives up on a server that does not answer within the timeout", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    after(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    silent.on("connection", (s) => after(() => s.destroy()));
    const { port } = silent.address() as AddressInfo;
    const error = await postServiceRequest(
      { baseUrl: `http://127.0.0.1:${port}/`, format: "xml", apiKey: "k", timeoutMs: 150 },
      REQUEST,
    ).catch((e) => e);
    assert.ok(error instanceof Open311Error);
    assert.equal(error.temporary, true);
    assert.match(error.message, /timed out/);
  });

  it("counts a 200 that is not the spec's format as a failure to retry", async () => {
    const html = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html><body>Maintenance</body></html>");
    });
    await new Promise<void>((resolve) => html.listen(0, "127.0.0.1", resolve));
    after(() => new Promise<void>((resolve) => html.close(() => resolve())));
    const { port } = html.address() as AddressInfo;
    const error = await postServiceRequest(
      { baseUrl: `http://127.0.0.1:${port}/`, format: "xml", apiKey: "k" },
      REQUEST,
    ).catch((e) => e);
    assert.ok(error instanceof Open311Error);
    assert.equal(error.temporary, true);
  });
});

describe("tokens, updates and requests", () => {
  it("polls a token until the server gives the request's id", async () => {
    const tokens = await startFakeGeoReport({ tokens: true, tokenPolls: 2 });
    after(() => tokens.close());
    for (const format of ["xml", "json"] as const) {
      const e = { baseUrl: tokens.url, format, apiKey: "k" };
      const receipt = await postServiceRequest(e, REQUEST);
      assert.equal(receipt.serviceRequestId, null);
      assert.ok(receipt.token);
      assert.equal(await getToken(e, receipt.token!), null, "not made yet");
      const id = await getToken(e, receipt.token!);
      assert.ok(id);
      assert.equal(tokens.requests.get(id)?.token, receipt.token);
      assert.equal(tokens.received.at(-1)!.path, `tokens/${receipt.token}`);
    }
  });

  for (const [i, format] of (["xml", "json"] as const).entries()) {
    it(`fetches the updates of a window in ${format}, oldest first, sending api_key and the dates`, async () => {
      const receipt = await postServiceRequest(endpoint(format), REQUEST);
      const id = receipt.serviceRequestId!;
      const t0 = Date.parse("2030-01-01T10:00:00Z") + i * 3_600_000;
      fake.publish({
        serviceRequestId: id,
        status: "FIXED",
        description: "Tapado & sinalizado",
        updatedAt: new Date(t0 + 2000),
        externalStatusCode: "9",
      });
      fake.publish({
        serviceRequestId: id,
        status: "IN_PROGRESS",
        description: "",
        updatedAt: new Date(t0 + 1000),
      });
      fake.publish({
        serviceRequestId: id,
        status: "CLOSED",
        description: "depois",
        updatedAt: new Date(t0 + 60_000),
      });
      const updates = await getServiceRequestUpdates(endpoint(format), {
        startDate: new Date(t0),
        endDate: new Date(t0 + 30_000),
      });
      assert.deepEqual(
        updates.map((u) => [u.serviceRequestId, u.status, u.description, u.externalStatusCode]),
        [
          [id, "IN_PROGRESS", "", null],
          [id, "FIXED", "Tapado & sinalizado", "9"],
        ],
      );
      assert.equal(updates[1]!.updatedAt?.toISOString(), new Date(t0 + 2000).toISOString());
      const call = fake.received.at(-1)!;
      assert.equal(call.path, "servicerequestupdates");
      assert.equal(call.query.get("api_key"), "xyz");
      assert.equal(call.query.get("jurisdiction_id"), "city.gov");
      assert.equal(call.query.get("start_date"), `2030-01-01T1${i}:00:00Z`);
      assert.equal(call.query.get("end_date"), `2030-01-01T1${i}:00:30Z`);
    });
  }

  it("reads requests by id", async () => {
    const a = (await postServiceRequest(endpoint("json"), REQUEST)).serviceRequestId!;
    const b = (await postServiceRequest(endpoint("json"), { ...REQUEST, serviceCode: "002" }))
      .serviceRequestId!;
    for (const format of ["xml", "json"] as const) {
      const list = await getServiceRequests(endpoint(format), [a, b]);
      assert.deepEqual(
        list.map((r) => [r.serviceRequestId, r.serviceCode, r.status]),
        [
          [a, "001", "open"],
          [b, "002", "open"],
        ],
      );
      assert.equal(list[0]!.lat, 37.765241);
      assert.equal(fake.received.at(-1)!.query.get("service_request_id"), `${a},${b}`);
    }
  });
});

describe("the parser on the spec's examples and real answers", () => {
  it("reads ids and tokens from the spec's POST and token answers in both formats", () => {
    assert.equal(
      parseRequests(read(`${SPEC}/06_xml-service-request-post.xml`), "xml")[0]!.service_request_id,
      "293944",
    );
    const json = parseRequests(read(`${SPEC}/07_json-service-request-post.json`), "json")[0]!;
    assert.equal(json.service_request_id, "293944");
    assert.equal(json.account_id, null);
    assert.equal(parseRequests(read(`${SPEC}/08_xml-request-from-token.xml`), "xml")[0]!.token, "12345");
    assert.equal(
      parseRequests(read(`${SPEC}/09_json-request-from-token.json`), "json")[0]!.service_request_id,
      "638344",
    );
    assert.equal(
      parseRequests(read(`${REAL}/boston-submitrequest-token.xml`), "xml")[0]!.token,
      "503fc045901932078800163c",
    );
  });

  it("reads the spec's request lists, also its JSON with leading-zero numbers", () => {
    const xml = parseRequests(read(`${SPEC}/12_xml-service-request.xml`), "xml")[0]!;
    assert.equal(xml.service_code, "006");
    assert.equal(xml.status_notes, "Duplicate request.");
    assert.equal(xml.description, null);
    const json = parseRequests(read(`${SPEC}/13_json-service-request.json`), "json");
    assert.equal(json[0]!.service_request_id, "638344");
    assert.equal(json[0]!.service_code, "006");
    assert.equal(parseRequests(read(`${SPEC}/11_json-service-requests.json`), "json").length > 0, true);
    assert.deepEqual(parseLenientJson('{"a":001,"b":"x: 001"}'), { a: "001", b: "x: 001" });
  });

  it("reads the spec's error bodies and a real city's", () => {
    const expected = [
      { code: "403", description: "Invalid api_key received -- can't proceed with create_request." },
    ];
    assert.deepEqual(parseErrors(bodyAfterStatus(read(`${SPEC}/14_xml-errors.txt`))), expected);
    assert.deepEqual(parseErrors(bodyAfterStatus(read(`${SPEC}/15_json-errors.txt`))), expected);
    assert.deepEqual(parseErrors(read(`${REAL}/boston-err-submitrequest-base_is_duplicate.xml`)), [
      { code: "400", description: "Invalid service request: base is a duplicate." },
    ]);
    assert.deepEqual(parseErrors("<html>Bad gateway</html>"), []);
  });

  it("reads one update or many, in FixMyStreet's XML and the JSON array", () => {
    const one = `<?xml version="1.0" encoding="utf-8"?>
<service_requests_updates><request_update><update_id>638344</update_id><service_request_id>1</service_request_id>
<status>open</status><description>This is a note</description></request_update></service_requests_updates>`;
    assert.deepEqual(
      parseUpdates(one, "xml").map((u) => [u.update_id, u.status, u.description]),
      [["638344", "open", "This is a note"]],
    );
    const json =
      '[{"update_id":"1_18a2ec4c","service_request_id":1,"status":"investigating","description":""}]';
    assert.equal(parseUpdates(json, "json")[0]!.service_request_id, "1");
    assert.deepEqual(parseUpdates("<service_requests_updates/>", "xml"), []);
  });
});
