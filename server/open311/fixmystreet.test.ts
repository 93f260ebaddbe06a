/**
 * FixMyStreet's own Open311 exchanges (perllib/Open311.pm and its send, populate and update jobs), replayed over
 * real HTTP on loopback exactly as that module performs them: jurisdiction_id in every query string, api_key and
 * jurisdiction_id in the POST form body, XML read with XML::Simple's ForceArray/GroupTags, ids taken from
 * `request[0].service_request_id` or resolved from a token, `attribute[CODE]` fields, the update feed fetched for
 * a window and each update's status mapped as `map_state` does, and errors read as `<errors><error>`.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { XMLParser } from "fast-xml-parser";
import { testApp } from "../../tests/helpers.ts";
import { createApiClient } from "../api-keys/commands.ts";
import { one } from "../db/index.ts";
import { lockDemandByProtocol, moveDemand } from "../demands/transitions.ts";

const JURISDICTION = "prefeitura.sp.gov.br";
const { app, ctx } = await testApp({ open311JurisdictionId: JURISDICTION });
const { db } = ctx;
const { key } = await createApiClient(db, { name: "FixMyStreet" }, null);
const base = `${await app.listen({ port: 0, host: "127.0.0.1" })}/open311/v2/`;
after(() => app.close());

const place = await one<{ lat: number; lon: number }>(
  db,
  "SELECT ST_Y(ST_PointOnSurface(geom)) AS lat, ST_X(ST_PointOnSurface(geom)) AS lon FROM districts ORDER BY code LIMIT 1",
);

// XML::Simple as Open311.pm configures it: these elements always lists, the root element's content returned.
const FORCE_ARRAY = new Set(["service", "attribute", "value", "request", "error", "request_update"]);
const parser = new XMLParser({ parseTagValue: false, isArray: (name) => FORCE_ARRAY.has(name) });
function xmlObject(text: string): Record<string, unknown> {
  const doc = parser.parse(text) as Record<string, unknown>;
  const root = Object.keys(doc).find((k) => k !== "?xml") as string;
  return doc[root] as Record<string, unknown>;
}
type Item = Record<string, string>;

/** Open311.pm `_get`: jurisdiction_id added to the query string. */
async function fmsGet(path: string, params: Record<string, string> = {}) {
  const url = new URL(base + path);
  for (const [k, v] of Object.entries({ ...params, jurisdiction_id: JURISDICTION }))
    url.searchParams.set(k, v);
  return fetch(url);
}

/** Open311.pm `_post`: jurisdiction_id and api_key in the form body with the params. */
async function fmsPost(path: string, params: Record<string, string>) {
  return fetch(base + path, {
    method: "POST",
    body: new URLSearchParams({ ...params, jurisdiction_id: JURISDICTION, api_key: key }),
  });
}

/** Open311.pm `map_state`: lower case, underscores to spaces, a few renamed. */
function mapState(incoming: string): string {
  const state = incoming.toLowerCase().replace(/_/g, " ");
  const map: Record<string, string> = {
    fixed: "fixed - council",
    "not councils responsibility": "not responsible",
    "no further action": "unable to fix",
    open: "confirmed",
    closed: "closed",
  };
  return map[state] ?? state;
}
const VISIBLE_STATES = new Set([
  "confirmed",
  "investigating",
  "action scheduled",
  "in progress",
  "fixed - council",
  "not responsible",
  "unable to fix",
  "duplicate",
  "internal referral",
  "closed",
]);

/** Open311.pm `send_service_request`: the id from the answer, or resolved through the token. */
async function sendServiceRequest(params: Record<string, string>): Promise<string | 0> {
  const res = await fmsPost("requests.xml", params);
  if (!res.ok) return 0;
  const obj = xmlObject(await res.text());
  const request = (obj.request as Item[])[0] ?? {};
  if (request.service_request_id) return request.service_request_id;
  if (request.token) return getServiceRequestIdFromToken(request.token);
  return 0;
}

async function getServiceRequestIdFromToken(token: string): Promise<string | 0> {
  const obj = xmlObject(await (await fmsGet(`tokens/${token}.xml`)).text());
  return (obj.request as Item[])[0]?.service_request_id ?? 0;
}

describe("FixMyStreet's Open311 module against this server", () => {
  let serviceCode = "";
  let attributeCode = "";
  let choice = "";
  let protocol = "";

  it("populates its categories from services.xml and each definition with metadata", async () => {
    const list = xmlObject(await (await fmsGet("services.xml")).text());
    const services = list.service as Item[];
    assert.ok(services.length > 100);
    const withMeta = services.filter((s) => s.metadata?.toLowerCase() === "true");
    assert.ok(withMeta.length > 0);
    for (const s of services)
      assert.ok(s.service_code && s.service_name !== undefined && s.group !== undefined);
    // Like _add_meta_to_contact: each definition read and sorted by order; the test keeps one with a required list.
    let required: Record<string, unknown> | undefined;
    for (const s of withMeta) {
      const meta = xmlObject(await (await fmsGet(`services/${s.service_code}.xml`)).text());
      const attributes = ((meta.attributes as { attribute: Record<string, unknown>[] }).attribute ?? []).sort(
        (a, b) => Number(a.order) - Number(b.order),
      );
      required = attributes.find((a) => a.required === "true" && a.datatype === "singlevaluelist");
      if (required) {
        serviceCode = s.service_code as string;
        break;
      }
    }
    assert.ok(required, "a required list field");
    attributeCode = required.code as string;
    choice = ((required.values as { value: Item[] }).value[0] as Item).key as string;
  });

  it("sends a report with its extra fields and FixMyStreet's reference attributes, and reads back the id", async () => {
    const id = await sendServiceRequest({
      description: "Buraco na via\n\nBuraco fundo na faixa da direita\n\nhttps://fms.example/report/4242\n",
      service_code: serviceCode,
      first_name: "Joana",
      last_name: "Pereira",
      email: "joana.fms@example.org",
      phone: "11912345678",
      lat: place.lat.toFixed(6),
      long: place.lon.toFixed(6),
      media_url: "https://fms.example/photo/4242.jpeg",
      [`attribute[${attributeCode}]`]: choice,
      "attribute[fixmystreet_id]": "4242",
      "attribute[report_url]": "https://fms.example/report/4242",
      "attribute[title]": "Buraco na via",
      "attribute[easting]": "333000",
      "attribute[northing]": "7394000",
    });
    assert.ok(id, "a service_request_id");
    protocol = id;
  });

  it("resolves a token it is given, as for a batch server", async () => {
    const res = await fmsPost("requests.xml", {
      description: "Outro buraco",
      service_code: serviceCode,
      email: "joana.fms@example.org",
      lat: place.lat.toFixed(6),
      long: place.lon.toFixed(6),
      [`attribute[${attributeCode}]`]: choice,
    });
    const request = (xmlObject(await res.text()).request as Item[])[0] as Item;
    assert.equal(await getServiceRequestIdFromToken(request.token as string), request.service_request_id);
  });

  it("reads requests by id, in XML and in JSON", async () => {
    const obj = xmlObject(
      await (await fmsGet("requests.xml", { service_request_id: `${protocol},1` })).text(),
    );
    assert.deepEqual(
      (obj.request as Item[]).map((r) => r.service_request_id),
      [protocol],
    );
    const json = (await (await fmsGet(`requests/${protocol}.json`)).json()) as Item[];
    assert.equal(json[0]?.service_request_id, protocol);
    assert.equal(json[0]?.status, "open");
  });

  it("fetches the updates of a window and maps each status to one of its visible states", async () => {
    await db.transaction(async (tx) => {
      const demand = await lockDemandByProtocol(tx, protocol);
      for (const to of ["triaged", "dispatched", "accepted", "in_progress"] as const)
        if (demand.status !== to) await moveDemand(tx, demand, to, { kind: "system" });
    });
    const end = new Date(Date.now() + 60_000);
    const start = new Date(end.getTime() - 2 * 3_600_000);
    const w3c = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;
    const res = await fmsGet("servicerequestupdates.xml", {
      api_key: "",
      start_date: w3c(start),
      end_date: w3c(end),
    });
    assert.equal(res.status, 200);
    const updates = (xmlObject(await res.text()).request_update as Item[]).filter(
      (u) => u.service_request_id === protocol,
    );
    assert.ok(updates.length >= 4, `${updates.length} updates`);
    for (const u of updates) {
      assert.ok(u.update_id && u.updated_datetime && u.description !== undefined);
      assert.ok(u.updated_datetime >= w3c(start) && u.updated_datetime <= w3c(end));
      assert.ok(VISIBLE_STATES.has(mapState(u.status as string)), u.status);
    }
    const last = updates.at(-1) as Item;
    assert.equal(mapState(last.status as string), "in progress");
    assert.equal(last.external_status_code, "in_progress");
    const ids = updates.map((u) => Number(u.update_id));
    assert.deepEqual(
      [...ids].sort((a, b) => a - b),
      ids,
    );
  });

  it("posts a comment as an update and gets the same update_id back when it retries", async () => {
    const params = {
      updated_datetime: `${new Date().toISOString().slice(0, 19)}Z`,
      service_request_id: protocol,
      status: "OPEN",
      description: "Continua aberto, agora maior.",
      last_name: "Pereira",
      first_name: "Joana",
      email: "joana.fms@example.org",
      update_id: "777",
    };
    const first = xmlObject(await (await fmsPost("servicerequestupdates.xml", params)).text());
    const updateId = (first.request_update as Item[])[0]?.update_id;
    assert.ok(updateId && /^\d+$/.test(updateId));
    const again = xmlObject(await (await fmsPost("servicerequestupdates.xml", params)).text());
    assert.equal((again.request_update as Item[])[0]?.update_id, updateId);
    const unknown = await fmsPost("servicerequestupdates.xml", { ...params, service_request_id: "1" });
    assert.equal(unknown.status, 404);
  });

  it("reads errors as <errors><error> with a code and a description, never a 500", async () => {
    const cases: [Record<string, string>, number][] = [
      [{ service_code: "NOPE-1", lat: place.lat.toFixed(6), long: place.lon.toFixed(6) }, 404],
      [{ service_code: serviceCode, email: "x@example.org" }, 400],
    ];
    for (const [params, status] of cases) {
      const res = await fmsPost("requests.xml", params);
      assert.equal(res.status, status);
      const errors = xmlObject(await res.text()).error as Item[];
      assert.ok(errors.length >= 1);
      for (const e of errors) assert.ok(e.code && e.description, JSON.stringify(e));
    }
    const noKey = await fetch(`${base}requests.xml`, {
      method: "POST",
      body: new URLSearchParams({ service_code: serviceCode }),
    });
    assert.equal(noKey.status, 403);
    assert.match(
      ((xmlObject(await noKey.text()).error as Item[])[0] as Item).description as string,
      /api_key/,
    );
  });
});
