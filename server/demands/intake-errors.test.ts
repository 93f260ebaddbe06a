import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { multipartBody } from "../../tests/factories.ts";
import { testApp } from "../../tests/helpers.ts";

const SE = { lat: -23.5503, lon: -46.634 };
const OCEAN = { lat: -24.3, lon: -46.2 };
// The smallest valid PNG (1×1 pixel) and a text file that claims to be a JPEG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

const { app, ctx } = await testApp({ maxAttachmentBytes: 64 * 1024 });
const db = ctx.db;

const [anonymousService] = await db.query<{ code: string }>(
  "SELECT code FROM services WHERE active AND anonymous_allowed AND attributes = '[]'::jsonb ORDER BY code LIMIT 1",
);
const [namedOnlyService] = await db.query<{ code: string }>(
  "SELECT code FROM services WHERE active AND NOT anonymous_allowed AND attributes = '[]'::jsonb ORDER BY code LIMIT 1",
);
const [placeService] = await db.query<{ code: string }>(
  "SELECT code FROM services WHERE active AND location_required AND attributes = '[]'::jsonb ORDER BY code LIMIT 1",
);
const [fieldService] = await db.query<{ code: string; attributes: { code: string; required: boolean }[] }>(
  `SELECT code, attributes FROM services
    WHERE active AND EXISTS (SELECT 1 FROM jsonb_array_elements(attributes) a WHERE (a->>'required')::boolean)
    ORDER BY code LIMIT 1`,
);

const count = async () => {
  const [row] = await db.query<{ d: number; e: number; o: number; a: number; c: number }>(
    `SELECT (SELECT count(*)::int FROM demands) AS d, (SELECT count(*)::int FROM demand_events) AS e,
            (SELECT count(*)::int FROM outbox) AS o, (SELECT count(*)::int FROM attachments) AS a,
            (SELECT count(*)::int FROM citizens) AS c`,
  );
  return row!;
};

/** Sends a bad request and checks the problem+json answer and that nothing was written. */
async function expectProblem(
  send: () => Promise<{
    statusCode: number;
    headers: Record<string, unknown>;
    json(): Record<string, unknown>;
  }>,
  status: number,
  code: string,
  field?: string,
) {
  const before = await count();
  const res = await send();
  assert.equal(res.statusCode, status, JSON.stringify(res.json()));
  assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
  const body = res.json() as { code: string; title: string; detail: string; errors?: { field: string }[] };
  assert.equal(body.code, code);
  assert.ok(body.title && body.detail);
  if (field)
    assert.ok(
      body.errors?.some((e) => e.field === field),
      `names the field ${field}: ${JSON.stringify(body)}`,
    );
  assert.deepEqual(await count(), before, "nothing was written");
}

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: "POST", url: "/api/v1/demands", payload: payload as object, headers });

describe("bad intake input gets a problem+json answer and writes nothing", () => {
  it("refuses invalid JSON", async () => {
    await expectProblem(
      () => post('{"service": "x", ', { "content-type": "application/json" }),
      400,
      "invalid_json",
    );
  });

  it("refuses a missing description, naming the field", async () => {
    await expectProblem(
      () => post({ service: anonymousService!.code, identity: "anonymous" }),
      400,
      "invalid_input",
      "description",
    );
  });

  it("refuses an unknown service", async () => {
    await expectProblem(
      () => post({ service: "no-such-service", description: "x" }),
      422,
      "unknown_service",
      "service",
    );
  });

  it("refuses a missing required extra field, naming it", async () => {
    assert.ok(fieldService, "the seeded catalogue has a service with a required extra field");
    const required = fieldService.attributes.find((a) => a.required)!;
    await expectProblem(
      () => post({ service: fieldService.code, description: "x", location: SE, citizen: { name: "A" } }),
      422,
      "invalid_attributes",
      `attributes.${required.code}`,
    );
  });

  it("refuses a point outside the city", async () => {
    await expectProblem(
      () =>
        post({ service: anonymousService!.code, description: "x", identity: "anonymous", location: OCEAN }),
      422,
      "point_outside_city",
      "location",
    );
  });

  it("refuses an anonymous demand where the service does not allow it", async () => {
    await expectProblem(
      () => post({ service: namedOnlyService!.code, description: "x", identity: "anonymous", location: SE }),
      422,
      "anonymous_not_allowed",
      "identity",
    );
  });

  it("refuses a place-bound service without a place", async () => {
    await expectProblem(
      () => post({ service: placeService!.code, description: "x", citizen: { name: "B" } }),
      422,
      "location_required",
      "location",
    );
  });

  it("refuses an attachment whose content is not an allowed type, whatever its name says", async () => {
    const demand = { service: anonymousService!.code, description: "x", identity: "anonymous", location: SE };
    const body = multipartBody(demand, [
      {
        field: "attachments",
        name: "foto.jpg",
        type: "image/jpeg",
        content: Buffer.from("not a photo at all"),
      },
    ]);
    await expectProblem(
      () => app.inject({ method: "POST", url: "/api/v1/demands", ...body }),
      415,
      "attachment_type_not_allowed",
      "attachments[0]",
    );
  });

  it("refuses an oversize attachment", async () => {
    const demand = { service: anonymousService!.code, description: "x", identity: "anonymous", location: SE };
    const big = Buffer.concat([PNG, Buffer.alloc(70 * 1024)]);
    const body = multipartBody(demand, [{ field: "attachments", name: "big.png", content: big }]);
    await expectProblem(
      () => app.inject({ method: "POST", url: "/api/v1/demands", ...body }),
      413,
      "attachment_too_large",
      "attachments[0]",
    );
  });

  it("accepts a real photo, checked by its content, and serves it back to the citizen", async () => {
    const demand = {
      service: anonymousService!.code,
      description: "com foto",
      identity: "anonymous",
      location: SE,
    };
    const body = multipartBody(demand, [
      { field: "attachments", name: "whatever.bin", type: "application/octet-stream", content: PNG },
    ]);
    const res = await app.inject({ method: "POST", url: "/api/v1/demands", ...body });
    assert.equal(res.statusCode, 201, res.body);
    const { protocol, secret } = res.json();
    const view = await app.inject({ url: `/api/v1/demands/${protocol}?secret=${secret}` });
    const [attachment] = view.json().attachments;
    assert.equal(attachment.mediaType, "image/png");
    const file = await app.inject({ url: `${attachment.url}?secret=${secret}` });
    assert.equal(file.statusCode, 200);
    assert.deepEqual(file.rawPayload, PNG);
  });

  it("takes the same photo with a second demand: one stored file, two attachments", async () => {
    const protocols: string[] = [];
    for (const description of ["mesma foto 1", "mesma foto 2"]) {
      const demand = { service: anonymousService!.code, description, identity: "anonymous", location: SE };
      const body = multipartBody(demand, [{ field: "attachments", name: "foto.png", content: PNG }]);
      const res = await app.inject({ method: "POST", url: "/api/v1/demands", ...body });
      assert.equal(res.statusCode, 201, res.body);
      protocols.push(res.json().protocol);
    }
    const rows = await db.query<{ storage_key: string }>(
      `SELECT a.storage_key FROM attachments a JOIN demands d ON d.id = a.demand_id WHERE d.protocol = ANY($1)`,
      [protocols],
    );
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.storage_key, rows[1]!.storage_key);
  });
});

describe("Idempotency-Key", () => {
  const demand = () => ({
    service: anonymousService!.code,
    description: "retry",
    identity: "anonymous",
    location: SE,
  });

  it("gives a retry the first answer back and creates nothing new", async () => {
    const headers = { "idempotency-key": `key-${Date.now()}` };
    const first = await post(demand(), headers);
    const before = await count();
    const second = await post(demand(), headers);
    assert.equal(second.statusCode, 201);
    assert.deepEqual(second.json(), first.json());
    assert.equal(second.headers["idempotent-replayed"], "true");
    assert.deepEqual(await count(), before);
  });

  it("makes one demand from the same key sent concurrently", async () => {
    const headers = { "idempotency-key": `concurrent-${Date.now()}` };
    const before = (await count()).d;
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(demand(), headers)));
    assert.ok(answers.every((a) => a.statusCode === 201));
    assert.equal(new Set(answers.map((a) => a.json().protocol)).size, 1);
    assert.equal((await count()).d, before + 1);
  });

  it("refuses the same key with another body", async () => {
    const headers = { "idempotency-key": `reused-${Date.now()}` };
    await post(demand(), headers);
    await expectProblem(
      () => post({ ...demand(), description: "something else" }, headers),
      422,
      "idempotency_key_reused",
    );
  });
});
