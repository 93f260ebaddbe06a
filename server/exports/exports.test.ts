import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { parse } from "csv-parse/sync";
import { type DemandOverrides, factoriesFor } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { isSensitive } from "../catalogue/sp156.ts";
import { one } from "../db/index.ts";
import { type PublicDemandSource, publicDemandRecord, roundToGrid } from "../public-data/record.ts";
import { redactContacts } from "../public-data/redact.ts";
import { EXPORT_BATCH_ROWS } from "./queries.ts";

const { app, ctx } = await testApp();
const db = ctx.db;
const base = await app.listen({ port: 0, host: "127.0.0.1" });

// Near Praça da Sé, in the district of SÉ; the exact point is not on the 0.001° grid.
const AT_SE = { lat: -23.55037, lon: -46.63412 };
const NAME = "Joaquina Pereira Souza";
const EMAIL = "joaquina.p@example.org";
const PHONE = "(11) 97531-8642";
const CPF = "529.982.247-25";
const DESCRIPTION = `Sou ${NAME}, moro na Rua Álvares Penteado, 123 apto 45; ligue ${PHONE} ou ${EMAIL}.`;

/** A seeded active service with no extra fields, sensitive or not. */
async function serviceCode(sensitive: boolean): Promise<string> {
  const row = await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND sensitive = $1 ORDER BY code LIMIT 1`,
    [sensitive],
  );
  return row.code;
}

const factories = factoriesFor({ app, ctx });

/** Files a demand over HTTP and moves its opening into `window` (a year nobody else uses), so filters isolate it. */
async function fileDemand(demand: DemandOverrides, openedAt: string) {
  const created = await factories.fileDemand(demand);
  await db.query("UPDATE demands SET opened_at = $2 WHERE id = $1", [created.id, openedAt]);
  return created;
}

async function getCsv(path: string): Promise<Record<string, string>[]> {
  const res = await fetch(`${base}${path}`);
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get("content-type") ?? "", /^text\/csv; charset=utf-8/);
  return parse(await res.text(), { columns: true, record_delimiter: "\r\n" }) as Record<string, string>[];
}

interface GeoJson {
  type: string;
  features: {
    type: string;
    id: string;
    geometry: { type: string; coordinates: [number, number] } | null;
    properties: Record<string, unknown>;
  }[];
}

async function getGeoJson(path: string): Promise<GeoJson> {
  const res = await fetch(`${base}${path}`);
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get("content-type") ?? "", /^application\/geo\+json/);
  return JSON.parse(await res.text()) as GeoJson;
}

const plain = await serviceCode(false);
const sensitive = await serviceCode(true);

describe("open data: personal data never leaves", () => {
  it("publishes no name, contact, document, description or house number; the street and a rounded point only", async () => {
    const demand = await fileDemand(
      {
        service: plain,
        description: DESCRIPTION,
        at: AT_SE,
        address: "Rua Álvares Penteado, 123 - apto 45",
        name: NAME,
        email: EMAIL,
        phone: PHONE,
        document: CPF,
      },
      "2011-03-10T12:00:00Z",
    );
    const window = "from=2011-01-01&to=2012-01-01";
    const csvText = await (await fetch(`${base}/api/v1/open-data/demands.csv?${window}`)).text();
    const geoText = await (await fetch(`${base}/api/v1/open-data/demands.geojson?${window}`)).text();
    for (const text of [csvText, geoText]) {
      assert.ok(text.includes(demand.protocol));
      for (const secret of [
        "Joaquina",
        "Pereira",
        EMAIL,
        "97531",
        "975318642",
        "529.982",
        "52998224725",
        ", 123",
        "apto",
      ])
        assert.ok(!text.includes(secret), `"${secret}" must not leave`);
      assert.ok(!text.includes("moro na"), "no description");
    }
    const [row] = parse(csvText, { columns: true }) as Record<string, string>[];
    assert.equal(row?.street, "R ALVARES PENTEADO");
    assert.equal(row?.lat, "-23.55");
    assert.equal(row?.lon, "-46.634");
    assert.equal(row?.precision, "grid");
    assert.equal(row?.district_name, "SE");
  });

  it("publishes a typed street only when it names an official street", async () => {
    await fileDemand(
      {
        service: plain,
        description: "x",
        at: AT_SE,
        address: "Rua da casa da Dona Benedita, 7",
        identity: "identified",
        name: "Ana Lima",
        email: "ana@example.org",
      },
      "2012-05-01T12:00:00Z",
    );
    const rows = await getCsv("/api/v1/open-data/demands.csv?from=2012-01-01&to=2013-01-01");
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.street, "");
  });

  it("generalises sensitive services and confidential demands to the district, everywhere public", async () => {
    const violence = await fileDemand(
      {
        service: sensitive,
        description: "Agressão",
        at: AT_SE,
        address: "Rua Álvares Penteado, 10",
        name: "Rita Alves",
        email: "rita@example.org",
      },
      "2013-02-01T12:00:00Z",
    );
    const confidential = await fileDemand(
      {
        service: plain,
        description: "x",
        identity: "confidential",
        at: AT_SE,
        name: "Ivo Reis",
        email: "ivo@example.org",
      },
      "2013-02-02T12:00:00Z",
    );
    const rows = await getCsv("/api/v1/open-data/demands.csv?from=2013-01-01&to=2014-01-01");
    assert.deepEqual(
      rows.map((r) => r.protocol),
      [violence.protocol, confidential.protocol],
    );
    for (const r of rows) {
      assert.equal(r.lat, "");
      assert.equal(r.lon, "");
      assert.equal(r.street, "");
      assert.equal(r.precision, "district");
      assert.equal(r.district_name, "SE");
    }
    const geo = await getGeoJson("/api/v1/open-data/demands.geojson?from=2013-01-01&to=2014-01-01");
    assert.deepEqual(
      geo.features.map((f) => f.geometry),
      [null, null],
    );
    // A bbox around the exact point finds neither: they have no published point.
    const box = "-46.64,-23.56,-46.63,-23.54";
    const boxed = await getGeoJson(
      `/api/v1/open-data/demands.geojson?from=2013-01-01&to=2014-01-01&bbox=${box}`,
    );
    assert.equal(boxed.features.length, 0);
    // The public view by protocol shows no point either, and nearby-duplicate probing answers nothing.
    const view = await app.inject({ method: "GET", url: `/api/v1/demands/${violence.protocol}` });
    assert.equal(view.json().approximateLocation, null);
    assert.equal(view.json().district.name, "SE");
    const probe = await app.inject({
      method: "GET",
      url: `/api/v1/duplicate-candidates?service=${sensitive}&lat=${AT_SE.lat}&lon=${AT_SE.lon}`,
    });
    assert.deepEqual(probe.json(), []);
  });

  it("hides contacts staff wrote in public timeline events, in the public view and the public stream's data", async () => {
    const demand = await fileDemand(
      {
        service: plain,
        description: "x",
        at: AT_SE,
        name: "Caio Lopes",
        email: "caio@example.org",
      },
      "2014-01-01T12:00:00Z",
    );
    await db.query(
      `INSERT INTO demand_events (demand_id, type, actor_kind, visibility, data)
       SELECT id, 'demand.answered', 'system', 'public', $2 FROM demands WHERE protocol = $1`,
      [demand.protocol, JSON.stringify({ answer: `Fale com caio@example.org ou ${PHONE}.` })],
    );
    const pub = await app.inject({ method: "GET", url: `/api/v1/demands/${demand.protocol}` });
    assert.ok(!pub.body.includes("caio@example.org") && !pub.body.includes("97531"), pub.body);
    assert.ok(pub.body.includes("Fale com ["));
    const full = await app.inject({
      method: "GET",
      url: `/api/v1/demands/${demand.protocol}?secret=${demand.secret}`,
    });
    assert.ok(full.body.includes("caio@example.org"), "the citizen with the secret reads the answer whole");
  });
});

describe("open data: filters and formats", () => {
  const year = "from=2015-01-01&to=2016-01-01";
  const made: { protocol: string }[] = [];
  // The demands the filters pick from, filed once before the tests below: each reads them, none depends on another.
  before(async () => {
    made.push(
      await fileDemand(
        {
          service: plain,
          description: "a",
          at: AT_SE,
          name: "A B",
          email: "a@example.org",
        },
        "2015-01-10T12:00:00Z",
      ),
    );
    made.push(
      await fileDemand(
        {
          service: plain,
          description: "b",
          at: { lat: -23.5873, lon: -46.6571 },
          name: "C D",
          email: "c@example.org",
        },
        "2015-06-10T12:00:00Z",
      ),
    );
    made.push(
      await fileDemand(
        {
          service: sensitive,
          description: "c",
          at: AT_SE,
          name: "E F",
          email: "e@example.org",
        },
        "2015-07-31T02:30:00Z",
      ),
    );
    await db.query("UPDATE demands SET status = 'closed', channel = 'phone' WHERE protocol = $1", [
      made[1]!.protocol,
    ]);
  });

  const protocols = async (query: string) =>
    (await getCsv(`/api/v1/open-data/demands.csv?${year}&${query}`)).map((r) => r.protocol);

  it("filters by opening date, in the city's time zone for plain dates", async () => {
    assert.deepEqual(
      await protocols(""),
      made.map((m) => m.protocol),
    );
    const first = await getCsv("/api/v1/open-data/demands.csv?from=2015-01-01&to=2015-06-10");
    assert.deepEqual(
      first.map((r) => r.protocol),
      [made[0]!.protocol],
      "to is exclusive: the 10th is left out",
    );
    // 02:30 UTC on 31 July is 23:30 on the 30th in São Paulo (UTC-3): a plain date is the city's midnight.
    const late = await getCsv("/api/v1/open-data/demands.csv?from=2015-07-30&to=2015-07-31");
    assert.deepEqual(
      late.map((r) => r.protocol),
      [made[2]!.protocol],
    );
    const instant = await getCsv(
      `/api/v1/open-data/demands.csv?from=2015-06-10T11:00:00Z&to=2015-06-10T13:00:00%2B00:00`,
    );
    assert.deepEqual(
      instant.map((r) => r.protocol),
      [made[1]!.protocol],
    );
  });

  it("filters by service, group, status, district, subprefeitura and channel", async () => {
    assert.deepEqual(await protocols(`service=${sensitive}`), [made[2]!.protocol]);
    const group = await one<{ code: string }>(
      db,
      "SELECT g.code FROM services s JOIN service_groups g ON g.id = s.group_id WHERE s.code = $1",
      [sensitive],
    );
    const inGroup = await getCsv(`/api/v1/open-data/demands.csv?${year}&group=${group.code}`);
    assert.ok(inGroup.some((r) => r.protocol === made[2]!.protocol));
    assert.ok(inGroup.every((r) => r.group === group.code));
    const root = await one<{ code: string }>(
      db,
      "SELECT p.code FROM services s JOIN service_groups g ON g.id = s.group_id JOIN service_groups p ON p.id = g.parent_id WHERE s.code = $1",
      [sensitive],
    );
    assert.ok(
      (await protocols(`group=${root.code}`)).includes(made[2]!.protocol),
      "a Tema holds its Assuntos' services",
    );
    assert.deepEqual(await protocols("status=closed,answered"), [made[1]!.protocol]);
    assert.deepEqual(await protocols("channel=phone"), [made[1]!.protocol]);
    const se = await one<{ code: string; subprefeitura_code: string }>(
      db,
      "SELECT code, subprefeitura_code FROM districts WHERE name = 'SE'",
    );
    assert.deepEqual(await protocols(`district=${se.code}`), [made[0]!.protocol, made[2]!.protocol]);
    assert.ok((await protocols(`subprefeitura=${se.subprefeitura_code}`)).includes(made[0]!.protocol));
  });

  it("writes RFC 4180 CSV with a header row, a BOM only when asked, and a valid GeoJSON FeatureCollection", async () => {
    const res = await fetch(`${base}/api/v1/open-data/demands.csv?${year}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.notEqual(bytes[0], 0xef, "no BOM by default");
    const text = bytes.toString("utf8");
    assert.ok(text.startsWith("protocol,service_code,service_name,group,root_group,status,outcome,channel,"));
    assert.equal(text.split("\r\n").length, made.length + 2, "CRLF after every record, header included");
    const withBom = Buffer.from(
      await (await fetch(`${base}/api/v1/open-data/demands.csv?${year}&bom=true`)).arrayBuffer(),
    );
    assert.deepEqual([...withBom.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const geo = await getGeoJson(`/api/v1/open-data/demands.geojson?${year}`);
    assert.equal(geo.type, "FeatureCollection");
    assert.deepEqual(
      geo.features.map((f) => f.id),
      made.map((m) => m.protocol),
    );
    const first = geo.features[0]!;
    assert.deepEqual(first.geometry, {
      type: "Point",
      coordinates: [roundToGrid(AT_SE.lon), roundToGrid(AT_SE.lat)],
    });
    assert.equal(first.properties.protocol, made[0]!.protocol);
    assert.equal(geo.features[2]!.geometry, null, "the sensitive one has no point");
    const boxed = await getGeoJson(
      `/api/v1/open-data/demands.geojson?${year}&bbox=-46.635,-23.551,-46.633,-23.549`,
    );
    assert.deepEqual(
      boxed.features.map((f) => f.id),
      [made[0]!.protocol],
    );
    const empty = await getGeoJson("/api/v1/open-data/demands.geojson?from=1990-01-01&to=1990-01-02");
    assert.deepEqual(empty, { type: "FeatureCollection", features: [] });
  });

  it("answers bad filters with problem+json naming the field", async () => {
    const cases: [string, number, string, string][] = [
      ["status=bogus", 400, "invalid_input", "status"],
      ["from=yesterday", 400, "invalid_input", "from"],
      ["channel=pigeon", 400, "invalid_input", "channel"],
      ["service=NOPE-1", 422, "unknown_service", "service"],
      ["group=nope", 422, "unknown_group", "group"],
      ["district=999", 422, "unknown_area", "district"],
    ];
    for (const [query, status, code, field] of cases) {
      const res = await fetch(`${base}/api/v1/open-data/demands.csv?${query}`);
      assert.equal(res.status, status, query);
      assert.match(res.headers.get("content-type") ?? "", /application\/problem\+json/);
      const body = (await res.json()) as { code: string; errors: { field: string }[] };
      assert.equal(body.code, code, query);
      assert.ok(
        body.errors.some((e) => e.field.startsWith(field)),
        `${query}: ${JSON.stringify(body)}`,
      );
    }
    const bbox = await fetch(`${base}/api/v1/open-data/demands.geojson?bbox=-46.6,-23.5,-46.7,-23.6`);
    assert.equal(bbox.status, 400);
  });
});

describe("open data: streaming", () => {
  const rows = EXPORT_BATCH_ROWS * 2 + 37;
  it("sends an export of several batches complete and in order, over HTTP", async () => {
    const ref = await one<{ service_id: number; district_code: string; subprefeitura_code: string }>(
      db,
      "SELECT service_id, district_code, subprefeitura_code FROM demands WHERE district_code IS NOT NULL AND service_id = (SELECT id FROM services WHERE code = $1) LIMIT 1",
      [plain],
    );
    await db.query(
      `INSERT INTO demands (protocol, service_id, channel, status, description, identity_mode, location,
         district_code, subprefeitura_code, opened_at)
       SELECT '7' || lpad(g::text, 13, '0'), $1, 'web', 'closed', 'carga ' || g, 'anonymous',
              ST_SetSRID(ST_MakePoint(-46.64 + g * 0.000001, -23.55), 4326), $2, $3,
              timestamptz '2001-01-01 00:00Z' + g * interval '1 minute'
         FROM generate_series(1, $4::int) g`,
      [ref.service_id, ref.district_code, ref.subprefeitura_code, rows],
    );
    const window = "from=2001-01-01T00:00:00Z&to=2002-01-01T00:00:00Z";
    const csv = await getCsv(`/api/v1/open-data/demands.csv?${window}`);
    assert.equal(csv.length, rows);
    const expected = Array.from({ length: rows }, (_, i) => `7${String(i + 1).padStart(13, "0")}`);
    assert.deepEqual(
      csv.map((r) => r.protocol),
      expected,
    );
    const geo = await getGeoJson(`/api/v1/open-data/demands.geojson?${window}`);
    assert.deepEqual(
      geo.features.map((f) => f.id),
      expected,
    );
  });

  it("stops reading the database when the client goes away", async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/api/v1/open-data/demands.csv?from=2001-01-01&to=2002-01-01`, {
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await assert.rejects(reader.read());
    // The server is still healthy and answers the next export.
    assert.equal((await getCsv("/api/v1/open-data/demands.csv?from=1990-01-01&to=1990-01-02")).length, 0);
  });
});

describe("staff export", () => {
  it("adds descriptions and exact places, never the citizen, and keeps department roles to their department", async () => {
    const demand = await fileDemand(
      { service: plain, description: DESCRIPTION, at: AT_SE, name: NAME, email: EMAIL },
      "2016-04-01T12:00:00Z",
    );
    const other = await fileDemand(
      {
        service: plain,
        description: "outra",
        at: AT_SE,
        name: "Outro",
        email: "o@example.org",
      },
      "2016-04-02T12:00:00Z",
    );
    const dept = await one<{ id: number; code: string }>(
      db,
      "INSERT INTO departments (code, name) VALUES ('EXPORT-T', 'Export test') RETURNING id, code",
    );
    await db.query("UPDATE demands SET department_id = $2 WHERE protocol = $1", [demand.protocol, dept.id]);
    const url = `${base}/api/v1/exports/demands.csv?from=2016-01-01&to=2017-01-01`;
    assert.equal((await fetch(url)).status, 401);
    const manager = await staffHeaders(db, "manager");
    const all = parse(
      await (await fetch(url, { headers: { authorization: manager.authorization } })).text(),
      { columns: true },
    ) as Record<string, string>[];
    assert.deepEqual(
      all.map((r) => r.protocol),
      [demand.protocol, other.protocol],
    );
    assert.equal(all[0]?.description, DESCRIPTION);
    assert.equal(Number(all[0]?.exact_lat), AT_SE.lat);
    for (const column of ["citizen", "citizen_name", "name", "email", "phone", "document"])
      assert.ok(!(column in all[0]!), column);
    assert.ok(!JSON.stringify(all).includes('"Outro"'), "the other citizen's name is in no column");
    const focal = await staffHeaders(db, "focal_point", dept.code);
    const own = parse(await (await fetch(url, { headers: { authorization: focal.authorization } })).text(), {
      columns: true,
    }) as Record<string, string>[];
    assert.deepEqual(
      own.map((r) => r.protocol),
      [demand.protocol],
    );
    const agent = await staffHeaders(db, "agent");
    assert.equal((await fetch(url, { headers: { authorization: agent.authorization } })).status, 403);
  });
});

describe("sensitive services in the catalogue", () => {
  it("marks the seeded SP156 services of violence, health and social assistance, not potholes", async () => {
    const flags = await db.query<{ name: string; sensitive: boolean }>(
      "SELECT name->>'pt-BR' AS name, sensitive FROM services WHERE name->>'pt-BR' IN ('Maria da Penha', 'Tapa-buraco')",
    );
    assert.deepEqual(Object.fromEntries(flags.map((f) => [f.name, f.sensitive])), {
      "Maria da Penha": true,
      "Tapa-buraco": false,
    });
    assert.equal(isSensitive({ Tema: "Saúde", Assunto: "Vacinação", Serviço: "x" }), true);
    assert.equal(isSensitive({ Tema: "Rua e bairro", Assunto: "Árvore", Serviço: "Poda de árvore" }), false);
  });

  it("lets a manager mark a service sensitive, and its demands are generalised from then on", async () => {
    const manager = await staffHeaders(db, "manager");
    const code = await serviceCode(false);
    const patched = await app.inject({
      method: "PATCH",
      url: `/api/v1/services/${code}`,
      headers: { authorization: manager.authorization },
      payload: { sensitive: true },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().sensitive, true);
    const rows = await getCsv(`/api/v1/open-data/demands.csv?from=2015-01-01&to=2016-01-01&service=${code}`);
    assert.ok(rows.length > 0 && rows.every((r) => r.lat === "" && r.precision === "district"));
    await app.inject({
      method: "PATCH",
      url: `/api/v1/services/${code}`,
      headers: { authorization: manager.authorization },
      payload: { sensitive: false },
    });
  });
});

describe("publicDemandRecord", () => {
  const row: PublicDemandSource = {
    protocol: "20260000000011",
    status: "closed",
    outcome: "resolved",
    channel: "web",
    identity_mode: "identified",
    service_code: "S",
    service_name: { "pt-BR": "Poda", en: "Pruning" },
    service_sensitive: false,
    group_code: "g",
    root_group_code: "r",
    department_code: "D",
    lat: -23.55049,
    lon: -46.63351,
    address: "av paulista 1000",
    district_code: "1",
    district_name: "X",
    subprefeitura_code: "2",
    subprefeitura_name: "Y",
    opened_at: new Date("2026-01-01T00:00:00Z"),
    answered_at: null,
    closed_at: null,
  };
  const streets = new Map([["AV|PAULISTA", "AV PAULISTA"]]);
  it("rounds the point to the grid, half away from zero as SQL does, and keeps an official street", () => {
    const r = publicDemandRecord(row, { streets, locale: "en" });
    assert.deepEqual(
      [r.lat, r.lon, r.street, r.serviceName, r.precision],
      [-23.55, -46.634, "AV PAULISTA", "Pruning", "grid"],
    );
    assert.equal(roundToGrid(-46.6335), -46.634);
    assert.equal(publicDemandRecord(row).street, null, "no street list, no street");
  });
  it("keeps only the district for sensitive services and confidential demands", () => {
    for (const r of [
      { ...row, service_sensitive: true },
      { ...row, identity_mode: "confidential" as const },
    ]) {
      const p = publicDemandRecord(r, { streets });
      assert.deepEqual(
        [p.lat, p.lon, p.street, p.precision, p.district],
        [null, null, null, "district", "1"],
      );
    }
  });
  it("redacts e-mails, phones and CPFs but not protocols or dates", () => {
    assert.equal(
      redactContacts(`a ${EMAIL} b ${PHONE} c ${CPF} d +55 11 912345678`),
      "a […] b […] c […] d […]",
    );
    assert.equal(
      redactContacts("protocolo 20260000001234 de 2026-03-01"),
      "protocolo 20260000001234 de 2026-03-01",
    );
  });
});
