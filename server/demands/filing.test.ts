import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { multipartBody } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { renderProblem } from "../errors.ts";
import { validate } from "../http/openapi.ts";
import { LOCALES } from "../i18n.ts";
import { runOnce } from "../jobs/runner.ts";
import { planMessage } from "../notifications/commands.ts";
import { routeDemandJob } from "../triage/jobs.ts";

const { app, ctx } = await testApp({ maxAttachmentBytes: 64 * 1024 });
const db = ctx.db;
const SE = { lat: -23.5503, lon: -46.634 };
// The smallest valid PNG (1×1 pixel) and the start of a real PDF.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
const PDF = Buffer.from(
  "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
);
// A message key left raw ("problems.custom.detail", "fields.custom").
const RAW_KEY = /\b[a-z_]+\.[a-z_.]+\b/;

const [service] = await db.query<{ code: string }>(
  `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required
      AND demand_type = 'request' ORDER BY code LIMIT 1`,
);
const [attributeService] = await db.query<{ code: string }>(
  `SELECT code FROM services WHERE active
      AND EXISTS (SELECT 1 FROM jsonb_array_elements(attributes) a WHERE (a->>'required')::boolean)
    ORDER BY code LIMIT 1`,
);

/** Every text of a problem+json body a person may read. */
function textsOf(body: { title?: string; detail?: string; errors?: { detail?: string }[] }): string[] {
  return [body.title ?? "", body.detail ?? "", ...(body.errors ?? []).map((e) => e.detail ?? "")];
}

// First in the file: the demand routed here has no earlier neighbour to be linked to as a duplicate.
describe("the deadline told at once", () => {
  it("answers the intake with the deadline and the due date the demand's clock then records", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/demands",
      payload: {
        service: service!.code,
        description: "Buraco na esquina",
        location: SE,
        citizen: { name: "Carla Prazo", email: "carla@example.org", locale: "es" },
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    const { deadline, dueAt, protocol } = res.json() as {
      deadline: { amount: number; unit: string };
      dueAt: string;
      protocol: string;
    };
    const terms = await one<{ deadline_amount: number; deadline_unit: string }>(
      db,
      "SELECT deadline_amount, deadline_unit FROM services WHERE code = $1",
      [service!.code],
    );
    assert.deepEqual(deadline, { amount: terms.deadline_amount, unit: terms.deadline_unit });
    assert.ok(Date.parse(dueAt) > Date.now());
    while ((await runOnce(ctx, [routeDemandJob])) > 0) {}
    const routed = await one<{ due_at: Date }>(db, "SELECT due_at FROM demands WHERE protocol = $1", [
      protocol,
    ]);
    assert.equal(routed.due_at.toISOString(), dueAt, "the clock recorded the date promised");
  });

  it("fills {deadline} and {dueDate} of the receipt in the citizen's language", async () => {
    for (const [locale, words] of [
      [
        "pt-BR",
        /O prazo de atendimento é de \d+ (dias? úte?is|horas? úte?is|dias? corridos?): a resposta deve chegar até \d+ de \S+ de 20\d\d/,
      ],
      ["en", /We will answer within \d+ (business|calendar) (days?|hours?), by \S+ \d+, 20\d\d/],
      [
        "es",
        /El plazo de atención es de \d+ (días?|horas?) (hábil(es)?|corridos?): la respuesta debe llegar a más tardar el \d+ de \S+ de 20\d\d/,
      ],
    ] as const) {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/demands",
        payload: {
          service: service!.code,
          description: "Poste apagado",
          location: SE,
          citizen: { name: "Davi", email: `davi-${locale}@example.org`, locale },
        },
      });
      assert.equal(res.statusCode, 201, res.body);
      const demand = await one<{ id: number; citizen_id: number }>(
        db,
        "SELECT id, citizen_id FROM demands WHERE protocol = $1",
        [res.json().protocol],
      );
      const outbox = await one<{ id: number }>(
        db,
        "SELECT id FROM outbox WHERE job = 'send-message' AND (payload->>'demandId')::bigint = $1",
        [demand.id],
      );
      const plan = await db.transaction((tx) =>
        planMessage(
          tx,
          outbox.id,
          { demandId: demand.id, citizenId: demand.citizen_id, template: "demand.received" },
          ["email"],
          "https://156.example",
        ),
      );
      assert.equal(plan.kind, "send");
      if (plan.kind !== "send") return;
      assert.match(plan.rendered.text, words, plan.rendered.text);
      assert.doesNotMatch(plan.rendered.text, /\{\w+\}/, "no placeholder left unfilled");
    }
  });
});

describe("intake errors read as words", () => {
  const code = service!.code;
  const bad: [string, unknown][] = [
    ["empty body", {}],
    ["no description", { service: code }],
    ["blank description", { service: code, description: "   " }],
    ["unknown identity", { service: code, description: "x", identity: "secret" }],
    ["bad e-mail", { service: code, description: "x", location: SE, citizen: { email: "maria" } }],
    ["bad CPF", { service: code, description: "x", location: SE, citizen: { document: "abc" } }],
    ["latitude off the globe", { service: code, description: "x", location: { lat: 100, lon: 0 } }],
    ["location not an object", { service: code, description: "x", location: "Sé" }],
    ["attributes as a list", { service: code, description: "x", attributes: [] }],
    ["unknown channel", { service: code, description: "x", channel: "fax" }],
    ["unknown language", { service: code, description: "x", citizen: { locale: "fr" } }],
    ["consent without version", { service: code, description: "x", citizen: { consent: {} } }],
    ["nobody named", { service: code, description: "x", location: SE }],
    ["no place", { service: code, description: "x", identity: "anonymous" }],
    ["point outside the city", { service: code, description: "x", location: { lat: -24.3, lon: -46.2 } }],
    ["unknown service", { service: "NOPE", description: "x" }],
    ["missing required field", { service: attributeService!.code, description: "x", location: SE }],
    ["a list", []],
    ["a number", 3],
  ];

  it("never shows a raw message key in any problem of the intake, in pt-BR, en and es", async () => {
    for (const locale of LOCALES) {
      for (const [what, body] of bad) {
        const res = await app.inject({
          method: "POST",
          url: "/api/v1/demands",
          payload: JSON.stringify(body),
          headers: { "content-type": "application/json", "accept-language": locale },
        });
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${what}: ${res.statusCode}`);
        for (const text of textsOf(res.json())) {
          assert.doesNotMatch(text, RAW_KEY, `${locale}, ${what}: ${res.body}`);
          assert.ok(text.trim(), `${locale}, ${what}: an empty text in ${res.body}`);
        }
      }
      const pdf = await app.inject({
        method: "POST",
        url: "/api/v1/demands",
        ...multipartBody({ service: code, description: "x", location: SE, identity: "anonymous" }, [
          { name: "laudo.pdf", type: "application/pdf", content: PDF },
        ]),
      });
      for (const text of textsOf(pdf.json())) assert.doesNotMatch(text, RAW_KEY, pdf.body);
    }
  });

  it("gives a refinement's problem (zod's custom issue) words of its own instead of its message key", () => {
    const Range = z.object({ from: z.number(), to: z.number() }).refine((r) => r.from <= r.to);
    let thrown: unknown;
    try {
      validate(Range, { from: 2, to: 1 });
    } catch (e) {
      thrown = e;
    }
    for (const locale of LOCALES) {
      const body = renderProblem(thrown as Parameters<typeof renderProblem>[0], locale);
      assert.equal(body.errors?.[0]?.code, "custom", "the stable code is kept");
      for (const text of textsOf(body)) assert.doesNotMatch(text, RAW_KEY, JSON.stringify(body));
    }
  });
});

describe("photos of a demand", () => {
  it("refuses a PDF sent as a photo, naming the file's field, and writes nothing", async () => {
    const before = await one<{ n: number }>(db, "SELECT count(*)::int AS n FROM demands");
    const form = multipartBody(
      { service: service!.code, description: "Buraco", location: SE, identity: "anonymous" },
      [{ name: "foto.jpg", type: "image/jpeg", content: PDF }],
    );
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/demands",
      headers: { ...form.headers, "accept-language": "pt-BR" },
      payload: form.payload,
    });
    assert.equal(res.statusCode, 415, res.body);
    assert.equal(res.json().code, "attachment_type_not_allowed");
    assert.match(res.json().detail, /JPEG, PNG, WebP/);
    assert.doesNotMatch(res.json().detail, /PDF/);
    assert.deepEqual(res.json().errors, [
      {
        field: "attachments[0]",
        code: "attachment_type_not_allowed",
        detail: "Envie só fotos JPEG, PNG ou WebP.",
      },
    ]);
    assert.equal((await one<{ n: number }>(db, "SELECT count(*)::int AS n FROM demands")).n, before.n);
  });

  it("takes a PNG as a photo, and still takes a PDF that an API client sends as a document", async () => {
    const demand = { service: service!.code, description: "Buraco", location: SE, citizen: { name: "Eva" } };
    const photo = await app.inject({
      method: "POST",
      url: "/api/v1/demands",
      ...multipartBody(demand, [{ name: "buraco.png", content: PNG }]),
    });
    assert.equal(photo.statusCode, 201, photo.body);
    assert.equal(photo.json().attachments, 1);
    const document = await app.inject({
      method: "POST",
      url: "/api/v1/demands",
      ...multipartBody(demand, [
        { field: "documents", name: "laudo.pdf", type: "application/pdf", content: PDF },
      ]),
    });
    assert.equal(document.statusCode, 201, document.body);
  });

  it("tells the portal the server's limit on a photo's size and the number of photos", async () => {
    const page = await app.inject({ method: "GET", url: "/solicitar/X" });
    if (page.statusCode === 503) return; // the screens are not built in this run
    const boot = JSON.parse(
      /<script type="application\/json" id="boot">(.*?)<\/script>/s.exec(page.body)![1]!,
    );
    assert.deepEqual(boot.limits, { attachmentBytes: 64 * 1024, attachments: 5 });
  });
});

describe("confidential demands from the portal", () => {
  it("accepts confidentiality on the public intake and keeps the person from the department and agents", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/demands",
      payload: {
        service: service!.code,
        description: "Fiscalização de obra sem alvará",
        identity: "confidential",
        location: SE,
        channel: "web",
        citizen: { name: "Beatriz Sigilosa", email: "beatriz@example.org", locale: "pt-BR" },
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    const protocol = res.json().protocol as string;
    const row = await one<{ identity_mode: string; citizen_id: number | null }>(
      db,
      "SELECT identity_mode, citizen_id FROM demands WHERE protocol = $1",
      [protocol],
    );
    assert.equal(row.identity_mode, "confidential");
    assert.ok(row.citizen_id, "the person is recorded, to be answered");
    for (const role of ["agent", "supervisor"] as const) {
      const staff = await staffHeaders(db, role);
      const seen = await app.inject({
        method: "GET",
        url: `/api/v1/demands/${protocol}`,
        headers: { authorization: staff.authorization },
      });
      assert.equal(seen.statusCode, 200);
      assert.doesNotMatch(seen.body, /Beatriz|beatriz@example/, role);
    }
    const ombudsman = await staffHeaders(db, "ombudsman");
    const seen = await app.inject({
      method: "GET",
      url: `/api/v1/demands/${protocol}`,
      headers: { authorization: ombudsman.authorization },
    });
    assert.match(seen.body, /Beatriz Sigilosa/);
    // The citizen themself, with the secret, sees their own name.
    const own = await app.inject({
      method: "GET",
      url: `/api/v1/demands/${protocol}`,
      headers: { "x-demand-secret": res.json().secret },
    });
    assert.match(own.body, /Beatriz Sigilosa/);
  });
});
