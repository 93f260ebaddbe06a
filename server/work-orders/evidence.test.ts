/**
 * Evidence photos of a counter-report (POST /api/v1/work-orders/:id/attachments) and the fields the department's
 * screens read from the order list: its place, its service's name and its open alarms.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { drain, type FormFile, fileDemand, multipartBody } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { iconPng } from "../http/icons.ts";

const { app, ctx } = await testApp();
const db = ctx.db;

const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch
      ORDER BY code LIMIT 1`,
  )
).code;

let placed = 0;
/**
 * Files an anonymous demand at the Sé (each a little further west) and lets the matrix dispatch it; the order, its
 * department and a staff member's headers.
 */
async function dispatchedOrder() {
  const at = { lat: -23.5503, lon: -46.634 - ++placed * 0.004 };
  const { protocol, secret } = await fileDemand({ app, ctx }, { service, at });
  await drain(ctx);

  const order = await one<{ id: number; code: string }>(
    db,
    `SELECT w.id, dep.code FROM work_orders w JOIN demands d ON d.id = w.demand_id
       JOIN departments dep ON dep.id = w.department_id WHERE d.protocol = $1`,
    [protocol],
  );
  const staff = await staffHeaders(db, "department_staff", order.code);
  return {
    protocol,
    secret,
    orderId: order.id,
    department: order.code,
    h: { authorization: staff.authorization },
  };
}

/** Uploads evidence photos to an order: the console's form, its files under `files`. */
function upload(orderId: number, h: { authorization: string }, files: Omit<FormFile, "field">[]) {
  const body = multipartBody(
    undefined,
    files.map((f) => ({ ...f, field: "files" })),
  );
  return app.inject({
    method: "POST",
    url: `/api/v1/work-orders/${orderId}/attachments`,
    headers: { ...h, ...body.headers },
    payload: body.payload,
  });
}

const PHOTO = { name: "depois.png", type: "image/png", content: iconPng(48) };
const ANSWER =
  "A equipe de conservação refez a calçada com concreto novo em 12/03 e retirou o entulho no mesmo dia.";

describe("evidence of the work", () => {
  it("stores photos on the order's demand, internal until the answer names them, then shows them to the citizen", async () => {
    const o = await dispatchedOrder();
    const res = await upload(o.orderId, o.h, [PHOTO]);
    assert.equal(res.statusCode, 201, res.body);
    const [evidence] = (res.json() as { attachments: { id: number; mediaType: string }[] }).attachments;
    assert.equal(evidence!.mediaType, "image/png");
    const row = await one<{ work_order_id: number; visibility: string; protocol: string }>(
      db,
      `SELECT a.work_order_id, a.visibility, d.protocol FROM attachments a JOIN demands d ON d.id = a.demand_id
        WHERE a.id = $1`,
      [evidence!.id],
    );
    assert.deepEqual({ ...row }, { work_order_id: o.orderId, visibility: "internal", protocol: o.protocol });

    const again = await upload(o.orderId, o.h, [PHOTO]);
    assert.equal(again.json().attachments[0].id, evidence!.id, "the same photo twice is one attachment");

    const citizenView = async () =>
      (
        await app.inject({
          method: "GET",
          url: `/api/v1/demands/${o.protocol}`,
          headers: { "x-demand-secret": o.secret },
        })
      ).json() as { attachments: { id: number; url: string }[] };
    assert.deepEqual((await citizenView()).attachments, [], "not the citizen's before the answer");
    const staffView = await app.inject({ method: "GET", url: `/api/v1/demands/${o.protocol}`, headers: o.h });
    assert.ok(staffView.json().attachments.some((a: { id: number }) => a.id === evidence!.id));

    const answered = await app.inject({
      method: "POST",
      url: `/api/v1/work-orders/${o.orderId}/answer`,
      headers: o.h,
      payload: { answer: ANSWER, evidence: [evidence!.id] },
    });
    assert.equal(answered.statusCode, 200, answered.body);
    const shown = (await citizenView()).attachments;
    assert.deepEqual(
      shown.map((a) => a.id),
      [evidence!.id],
    );
    const file = await app.inject({
      method: "GET",
      url: shown[0]!.url,
      headers: { "x-demand-secret": o.secret },
    });
    assert.equal(file.statusCode, 200);
    assert.equal(file.headers["content-type"], "image/png");
    const publicView = await app.inject({ method: "GET", url: `/api/v1/demands/${o.protocol}` });
    assert.equal(publicView.json().attachments, undefined, "never on the public view");

    const late = await upload(o.orderId, o.h, [PHOTO]);
    assert.equal(late.statusCode, 409);
    assert.equal(late.json().code, "work_order_finished");
  });

  it("takes as evidence only the order's own uploads, never the citizen's photos", async () => {
    const o = await dispatchedOrder();
    // A photo the citizen sent with the demand (before the work), on the same demand.
    const [demand] = await db.query<{ id: number }>("SELECT id FROM demands WHERE protocol = $1", [
      o.protocol,
    ]);
    const citizenPhoto = await one<{ id: number }>(
      db,
      `INSERT INTO attachments (demand_id, storage_key, media_type, size_bytes, sha256, original_name)
       VALUES ($1, 'aa/citizen-photo', 'image/png', 10, 'aa', 'antes.png') RETURNING id`,
      [demand!.id],
    );
    const res = await app.inject({
      method: "POST",
      url: `/api/v1/work-orders/${o.orderId}/answer`,
      headers: o.h,
      payload: { answer: ANSWER, evidence: [citizenPhoto.id] },
    });
    assert.equal(res.statusCode, 422, res.body);
    assert.equal(res.json().code, "unknown_attachment");
    const still = await one<{ work_order_id: number | null }>(
      db,
      "SELECT work_order_id FROM attachments WHERE id = $1",
      [citizenPhoto.id],
    );
    assert.equal(still.work_order_id, null, "not taken over by the order");
  });

  it("refuses what is not a photo, a body that is not multipart, and another department's order", async () => {
    const o = await dispatchedOrder();
    const pdf = await upload(o.orderId, o.h, [
      {
        name: "foto.png",
        type: "image/png",
        content: Buffer.from("%PDF-1.4\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n"),
      },
    ]);
    assert.equal(pdf.statusCode, 415, pdf.body);
    assert.equal(pdf.json().code, "attachment_type_not_allowed");
    const text = await upload(o.orderId, o.h, [
      { name: "foto.jpg", type: "image/jpeg", content: Buffer.from("not a photo at all") },
    ]);
    assert.equal(text.statusCode, 415);
    const json = await app.inject({
      method: "POST",
      url: `/api/v1/work-orders/${o.orderId}/attachments`,
      headers: o.h,
      payload: {},
    });
    assert.equal(json.statusCode, 415);
    const other = await one<{ code: string }>(db, "SELECT code FROM departments WHERE code <> $1 LIMIT 1", [
      o.department,
    ]);
    const stranger = await staffHeaders(db, "department_staff", other.code);
    const foreign = await upload(o.orderId, { authorization: stranger.authorization }, [PHOTO]);
    assert.equal(foreign.statusCode, 404);
    const [count] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM attachments WHERE work_order_id = $1",
      [o.orderId],
    );
    assert.equal(count!.n, 0, "nothing was stored");
  });
});

describe("the order list the department's screens read", () => {
  it("carries the place, the service's name in the caller's language and the open alarms", async () => {
    const o = await dispatchedOrder();
    const list = await app.inject({
      method: "GET",
      url: "/api/v1/work-orders",
      headers: { ...o.h, "accept-language": "en" },
    });
    const order = (list.json() as Record<string, unknown>[]).find((w) => w.id === o.orderId)!;
    const expected = await one<{ code: string; name: string; en: string }>(
      db,
      `SELECT dis.code, dis.name, s.name->>'en' AS en FROM demands d JOIN districts dis ON dis.code = d.district_code
         JOIN services s ON s.id = d.service_id WHERE d.protocol = $1`,
      [o.protocol],
    );
    assert.deepEqual(order.district, { code: expected.code, name: expected.name });
    assert.equal(order.serviceName, expected.en ?? order.serviceName);
    const location = order.location as { lat: number; lon: number };
    assert.ok(Math.abs(location.lat + 23.5503) < 1e-6);
    assert.equal(order.openAlarms, 0);
    assert.ok(Array.isArray(order.actions) && (order.actions as string[]).includes("accept"));

    const demand = await one<{ id: number; department_id: number }>(
      db,
      "SELECT id, department_id FROM demands WHERE protocol = $1",
      [o.protocol],
    );
    await db.query(
      `INSERT INTO alarms (kind, level, demand_id, work_order_id, department_id, data, dedupe_key)
       VALUES ('deadline_near', 0, $1, $2, $3, '{}', $4)`,
      [demand.id, o.orderId, demand.department_id, `test:${o.orderId}`],
    );
    const one_ = await app.inject({ method: "GET", url: `/api/v1/work-orders/${o.orderId}`, headers: o.h });
    assert.equal(one_.json().openAlarms, 1);
  });
});
