import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { AUDITOR_CONSENT_VERSION } from "../../domain/auditors.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { hashToken } from "../http/auth.ts";
import { revokeAuditor } from "./commands.ts";
import { auditorsCallableAt } from "./queries.ts";

const { app, ctx } = await testApp();
const db = ctx.db;
const agent = await staffHeaders(db, "agent");
const manager = await staffHeaders(db, "manager");
const ombudsman = await staffHeaders(db, "ombudsman");
const departmentStaff = await staffHeaders(db, "department_staff");

// A few fiscal blocks of one district, with a point inside each.
const blocks = await db.query<{ id: number; lat: number; lon: number; district: string }>(
  `SELECT b.id, ST_Y(ST_PointOnSurface(b.geom)) AS lat, ST_X(ST_PointOnSurface(b.geom)) AS lon, d.code AS district
     FROM blocks b JOIN districts d ON ST_Intersects(d.geom, ST_PointOnSurface(b.geom))
    ORDER BY b.id LIMIT 3`,
);
const [b1, b2] = blocks as [(typeof blocks)[0], (typeof blocks)[0]];
const at = (b: { lat: number; lon: number }) => ({ lat: b.lat, lon: b.lon });

// Addresses of the fixture's street layer: one a few metres from a block, one far from any, one unknown.
const NEAR_A_BLOCK = "Avenida Atos Tomás Ferracciu, 239";
const FAR_FROM_BLOCKS = "Avenida Adolfo Pinheiro, 1231";
const UNKNOWN_ADDRESS = "Rua Zzyzx Qwerty Inexistente, 12";

const consent = { consent: true, consentTextVersion: AUDITOR_CONSENT_VERSION };
const MONDAY_MORNING = { weekday: 1, starts: "09:00", ends: "11:00" };
const WEDNESDAY_AFTERNOON = { weekday: 3, starts: "14:00", ends: "16:00" };

let serial = 0;
/** A fresh E.164 number: "+55119" then 8 digits. */
const newPhone = () =>
  `+55119${String(Date.now() % 1e4).padStart(4, "0")}${String(++serial).padStart(4, "0")}`;

/** A citizen signed in on the portal with a phone number they proved by an SMS code. */
async function signedInCitizen() {
  const phone = newPhone();
  const { id } = await one<{ id: number }>(
    db,
    "INSERT INTO citizens (name) VALUES ('Auditora') RETURNING id",
  );
  await db.query(
    `INSERT INTO citizen_contacts (citizen_id, channel, value, verified_at, verified_by)
     VALUES ($1, 'phone', $2, now(), 'sms_code')`,
    [id, phone.slice(1)],
  );
  return { citizenId: Number(id), phone, ...(await sessionOf(Number(id))) };
}

/** A portal session of a citizen record. */
async function sessionOf(citizenId: number) {
  const token = randomBytes(24).toString("base64url");
  await db.query(
    "INSERT INTO citizen_sessions (token_hash, citizen_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')",
    [hashToken(token), citizenId],
  );
  return { cookie: `responsiva_citizen=${token}` };
}

type Who = { authorization: string } | { cookie: string } | Record<string, never>;
const headersOf = (who: Who) => who as Record<string, string>;

function call(method: "GET" | "POST" | "PUT" | "DELETE", url: string, who: Who, payload?: object) {
  return app.inject({ method, url, headers: headersOf(who), ...(payload ? { payload } : {}) });
}

const mine = (who: { cookie: string }, payload: object) =>
  call("PUT", "/api/v1/citizen/auditor", who, payload);

/** The codes of a problem's fields. */
const fieldCodes = (body: { errors?: { field: string; code: string }[] }) =>
  (body.errors ?? []).map((e) => `${e.field}:${e.code}`);

/** Whether the auditor is among those the planner may call at the instant. */
const callable = async (auditorId: number, instant: string) =>
  (await auditorsCallableAt(db, new Date(instant))).some((a) => a.id === auditorId);

// 2030-01-07 is a Monday; São Paulo is UTC−3 all year since 2019.
const MONDAY_0930_SP = "2030-01-07T12:30:00Z";

async function enrolByAgent(overrides: object = {}) {
  const res = await call("POST", "/api/v1/auditors", agent, {
    ...consent,
    name: "Ouvinte",
    phone: newPhone(),
    point: at(b1),
    windows: [MONDAY_MORNING],
    ...overrides,
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

describe("enrolment", () => {
  it("enrols a signed-in citizen on the portal with their proven phone, on the block of their point", async () => {
    const who = await signedInCitizen();
    assert.equal((await call("GET", "/api/v1/citizen/auditor", who)).statusCode, 404);
    const res = await mine(who, {
      ...consent,
      point: at(b1),
      windows: [WEDNESDAY_AFTERNOON, MONDAY_MORNING],
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.state, "active");
    assert.equal(body.phone, who.phone);
    assert.equal(body.channel, "voice");
    assert.equal(body.maxCallsPerWeek, 2);
    assert.equal(body.block.id, Number(b1.id));
    assert.equal(body.districtCode, b1.district);
    assert.deepEqual(body.windows, [MONDAY_MORNING, WEDNESDAY_AFTERNOON]);
    assert.deepEqual([body.consent.channel, body.consent.textVersion], ["portal", AUDITOR_CONSENT_VERSION]);
    const read = await call("GET", "/api/v1/citizen/auditor", who);
    assert.deepEqual(read.json(), body);
    const consents = await db.query<{ granted: boolean; channel: string; policy_version: string }>(
      "SELECT granted, channel, policy_version FROM consents WHERE citizen_id = $1 AND purpose = 'citizen_auditor'",
      [who.citizenId],
    );
    assert.deepEqual(consents, [
      { granted: true, channel: "portal", policy_version: AUDITOR_CONSENT_VERSION },
    ]);
    assert.ok(await callable(body.id, MONDAY_0930_SP));
  });

  it("changes the citizen's own enrolment with the same PUT, and pauses it", async () => {
    const who = await signedInCitizen();
    const first = (await mine(who, { ...consent, point: at(b1), windows: [MONDAY_MORNING] })).json();
    const res = await mine(who, {
      ...consent,
      channel: "whatsapp",
      maxCallsPerWeek: 1,
      windows: [{ weekday: 5, starts: "18:00", ends: "20:30" }],
      state: "paused",
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.id, first.id, "the same enrolment");
    assert.deepEqual([body.channel, body.maxCallsPerWeek, body.state], ["whatsapp", 1, "paused"]);
    assert.deepEqual(body.windows, [{ weekday: 5, starts: "18:00", ends: "20:30" }]);
    assert.equal(body.block.id, first.block.id, "the place stays when none is sent");
    assert.equal(await callable(body.id, "2030-01-11T22:00:00Z"), false, "paused: not called");
  });

  it("refuses a portal enrolment without consent, on outdated terms, or to a number the citizen did not prove", async () => {
    const who = await signedInCitizen();
    const base = { point: at(b1), windows: [MONDAY_MORNING] };
    const refused = async (payload: object, code: string) => {
      const res = await mine(who, payload);
      assert.equal(res.statusCode, 422, res.body);
      assert.equal(res.json().code, code);
    };
    await refused(
      { ...base, consent: false, consentTextVersion: AUDITOR_CONSENT_VERSION },
      "auditor_consent_required",
    );
    await refused({ ...base, consent: true, consentTextVersion: "2001-01" }, "auditor_consent_outdated");
    await refused({ ...base, ...consent, phone: "(11) 3333-4444" }, "auditor_phone_not_proven");
    assert.equal((await call("PUT", "/api/v1/citizen/auditor", {}, { ...base, ...consent })).statusCode, 401);
    assert.equal((await call("GET", "/api/v1/citizen/auditor", who)).statusCode, 404, "nothing was enrolled");
  });

  it("lets an agent enrol a caller on the phone, consent by phone, the change in the audit log without the number", async () => {
    const phone = newPhone();
    const body = await enrolByAgent({ phone, address: NEAR_A_BLOCK, point: undefined, maxCallsPerWeek: 3 });
    assert.equal(body.phone, phone);
    assert.equal(body.consent.channel, "phone");
    assert.equal(body.address, NEAR_A_BLOCK);
    assert.ok(body.point, "geocoded");
    assert.equal(body.citizen.name, "Ouvinte");
    assert.equal(body.maxCallsPerWeek, 3);
    const consentRow = await one<{ recorded_by: number; channel: string }>(
      db,
      "SELECT recorded_by, channel FROM consents WHERE citizen_id = $1 AND purpose = 'citizen_auditor'",
      [body.citizen.id],
    );
    assert.deepEqual([Number(consentRow.recorded_by), consentRow.channel], [agent.staffId, "phone"]);
    const audit = await db.query<{ action: string; after: unknown; staff_id: number }>(
      "SELECT action, after, staff_id FROM audit_log WHERE entity_type = 'auditor' AND entity_id = $1",
      [String(body.id)],
    );
    assert.deepEqual(
      audit.map((a) => [a.action, Number(a.staff_id)]),
      [["auditor.enrolled", agent.staffId]],
    );
    assert.ok(!JSON.stringify(audit[0]!.after).includes(phone.slice(3)), "no number in the audit log");
    assert.ok(!JSON.stringify(audit[0]!.after).includes("Ferracciu"), "no address in the audit log");

    const again = await call("POST", "/api/v1/auditors", agent, {
      ...consent,
      citizenId: body.citizen.id,
      phone,
      point: at(b1),
      windows: [MONDAY_MORNING],
    });
    assert.equal(again.statusCode, 409, again.body);
    assert.equal(again.json().code, "auditor_already_enrolled");
    const forbidden = await call("POST", "/api/v1/auditors", departmentStaff, { ...consent });
    assert.equal(forbidden.statusCode, 403);
  });

  it("lets a citizen an agent enrolled change their times on the portal, but not to an unproven number", async () => {
    const enrolled = await enrolByAgent();
    const who = await sessionOf(enrolled.citizen.id);
    const res = await mine(who, { ...consent, windows: [WEDNESDAY_AFTERNOON] });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      [res.json().id, res.json().phone, res.json().windows],
      [enrolled.id, enrolled.phone, [WEDNESDAY_AFTERNOON]],
    );
    const other = await mine(who, { ...consent, phone: newPhone() });
    assert.equal(other.json().code, "auditor_phone_not_proven");
  });
});

describe("windows", () => {
  const refuse = async (windows: object[], expected: string[]) => {
    const res = await call("POST", "/api/v1/auditors", agent, {
      ...consent,
      phone: newPhone(),
      point: at(b1),
      windows,
    });
    assert.equal(res.statusCode, 422, res.body);
    assert.deepEqual(fieldCodes(res.json()), expected);
    return res.json();
  };

  it("refuses windows that overlap on the same weekday, but takes touching ones and other days", async () => {
    const body = await refuse(
      [MONDAY_MORNING, { weekday: 1, starts: "10:30", ends: "12:00" }],
      ["windows.1:auditor_window_overlap"],
    );
    assert.equal(body.code, "auditor_window_overlap");
    await refuse(
      [
        { weekday: 2, starts: "09:00", ends: "17:00" },
        MONDAY_MORNING,
        { weekday: 2, starts: "10:00", ends: "11:00" },
      ],
      ["windows.2:auditor_window_overlap"],
    );
    const fine = await enrolByAgent({
      windows: [
        MONDAY_MORNING,
        { weekday: 1, starts: "11:00", ends: "12:00" },
        { ...MONDAY_MORNING, weekday: 2 },
      ],
    });
    assert.equal(fine.windows.length, 3);
  });

  it("never offers the quiet night, in city time", async () => {
    const body = await refuse(
      [
        { weekday: 1, starts: "07:00", ends: "09:00" },
        { weekday: 2, starts: "20:00", ends: "21:30" },
        { weekday: 3, starts: "22:00", ends: "23:00" },
      ],
      [
        "windows.0:auditor_window_quiet_night",
        "windows.1:auditor_window_quiet_night",
        "windows.2:auditor_window_quiet_night",
      ],
    );
    assert.match(body.detail, /08:00.*21:00/);
    assert.match(body.errors[0].detail, /08:00.*21:00/);
  });

  it("refuses a window shorter than an hour or reversed, and more than fourteen", async () => {
    await refuse(
      [
        { weekday: 1, starts: "10:00", ends: "10:30" },
        { weekday: 2, starts: "15:00", ends: "12:00" },
      ],
      ["windows.0:auditor_window_too_short", "windows.1:auditor_window_too_short"],
    );
    const fifteen = Array.from({ length: 15 }, (_, i) => ({
      weekday: i % 7,
      starts: i < 7 ? "08:00" : i < 14 ? "12:00" : "16:00",
      ends: i < 7 ? "10:00" : i < 14 ? "14:00" : "18:00",
    }));
    await refuse(fifteen, ["windows:auditor_too_many_windows"]);
    assert.equal((await enrolByAgent({ windows: fifteen.slice(0, 14) })).windows.length, 14);
  });
});

describe("place", () => {
  const placed = (payload: object) =>
    call("POST", "/api/v1/auditors", agent, {
      ...consent,
      phone: newPhone(),
      windows: [MONDAY_MORNING],
      ...payload,
    });

  it("places by point on the block it lies in, and by address on the block beside the street", async () => {
    const byPoint = (await placed({ point: at(b2) })).json();
    assert.equal(byPoint.block.id, Number(b2.id));
    assert.deepEqual(byPoint.point, at(b2));
    const res = await placed({ address: NEAR_A_BLOCK });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().address, NEAR_A_BLOCK);
    assert.ok(res.json().block.id > 0);
  });

  it("refuses a place outside the city, off its blocks, an unknown address, or none", async () => {
    const expect = async (payload: object, code: string, field: string) => {
      const res = await placed(payload);
      assert.equal(res.statusCode, 422, res.body);
      assert.equal(res.json().code, code);
      assert.deepEqual(fieldCodes(res.json()), [`${field}:${code}`]);
    };
    await expect({ point: { lat: -22.9068, lon: -43.1729 } }, "point_outside_city", "point");
    await expect({ address: FAR_FROM_BLOCKS }, "point_outside_blocks", "address");
    await expect({ address: UNKNOWN_ADDRESS }, "address_not_found", "address");
    await expect({}, "auditor_place_required", "point");
  });
});

describe("revocation", () => {
  it("is immediate on the portal, and the enrolment can be made anew", async () => {
    const who = await signedInCitizen();
    const { id } = (await mine(who, { ...consent, point: at(b1), windows: [MONDAY_MORNING] })).json();
    assert.ok(await callable(id, MONDAY_0930_SP));
    const res = await call("DELETE", "/api/v1/citizen/auditor?reason=mudei%20de%20casa", who);
    assert.equal(res.statusCode, 204, res.body);
    assert.equal(await callable(id, MONDAY_0930_SP), false);
    assert.equal((await call("GET", "/api/v1/citizen/auditor", who)).statusCode, 404);
    assert.equal((await call("DELETE", "/api/v1/citizen/auditor", who)).statusCode, 404);
    const row = await one<{
      state: string;
      do_not_call: boolean;
      revoked_channel: string;
      revoked_reason: string;
    }>(db, "SELECT state, do_not_call, revoked_channel, revoked_reason FROM auditors WHERE id = $1", [id]);
    assert.deepEqual(row, {
      state: "revoked",
      do_not_call: true,
      revoked_channel: "portal",
      revoked_reason: "mudei de casa",
    });
    const anew = (await mine(who, { ...consent, point: at(b1), windows: [MONDAY_MORNING] })).json();
    assert.notEqual(anew.id, id, "a new enrolment, the old one kept as it ended");
    assert.ok(await callable(anew.id, MONDAY_0930_SP));
  });

  it("is immediate when an agent records it, and a revoked enrolment no longer changes", async () => {
    const { id } = await enrolByAgent();
    assert.ok(await callable(id, MONDAY_0930_SP));
    const res = await call("POST", `/api/v1/auditors/${id}/revoke`, agent, { reason: "pediu por telefone" });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      [res.json().state, res.json().doNotCall, res.json().revoked.channel],
      ["revoked", true, "phone"],
    );
    assert.equal(await callable(id, MONDAY_0930_SP), false);
    const change = await call("PUT", `/api/v1/auditors/${id}`, manager, { windows: [MONDAY_MORNING] });
    assert.equal(change.statusCode, 409);
    assert.equal(change.json().code, "auditor_revoked");
    const audit = await db.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE entity_type = 'auditor' AND entity_id = $1 ORDER BY id",
      [String(id)],
    );
    assert.deepEqual(
      audit.map((a) => a.action),
      ["auditor.enrolled", "auditor.revoked"],
    );
  });

  it("is immediate from the conversation engine's path and from a consent withdrawal on any channel", async () => {
    const one1 = await enrolByAgent();
    await db.transaction((tx) => revokeAuditor(tx, one1.id, "whatsapp", "SAIR"));
    assert.equal(await callable(one1.id, MONDAY_0930_SP), false);

    const two = await enrolByAgent();
    const res = await call("POST", `/api/v1/citizens/${two.citizen.id}/consent/withdrawal`, agent, {
      channel: "phone",
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(await callable(two.id, MONDAY_0930_SP), false, "the withdrawal stops the calls at once");
    const seen = (await call("GET", `/api/v1/auditors/${two.id}`, manager)).json();
    assert.ok(seen.consent.withdrawnAt, "staff see the withdrawal");
  });

  it("holds a portal withdrawal of consent until the citizen confirms it again with the same PUT", async () => {
    const who = await signedInCitizen();
    const { id } = (await mine(who, { ...consent, point: at(b1), windows: [MONDAY_MORNING] })).json();
    const res = await call("POST", "/api/v1/citizen/consent/withdrawal", who);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(await callable(id, MONDAY_0930_SP), false);
    const mineNow = (await call("GET", "/api/v1/citizen/auditor", who)).json();
    assert.ok(mineNow.consent.withdrawnAt, "the citizen sees that calls stopped");
    const renewed = await mine(who, { ...consent });
    assert.equal(renewed.statusCode, 200, renewed.body);
    assert.deepEqual([renewed.json().id, renewed.json().consent.withdrawnAt], [id, null]);
    assert.ok(await callable(id, MONDAY_0930_SP));
  });

  it("is immediate when staff mark a number do-not-call", async () => {
    const { id } = await enrolByAgent();
    const res = await call("PUT", `/api/v1/auditors/${id}`, manager, { doNotCall: true });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().doNotCall, true);
    assert.equal(await callable(id, MONDAY_0930_SP), false);
  });
});

describe("who may be called", () => {
  it("holds an instant inside a window of its weekday, the end excluded, on the city's clock", async () => {
    const { id } = await enrolByAgent({ windows: [MONDAY_MORNING, WEDNESDAY_AFTERNOON] });
    const cases: [string, boolean][] = [
      ["2030-01-07T12:00:00Z", true], // Monday 09:00 in São Paulo: the start is inside
      ["2030-01-07T11:59:00Z", false], // Monday 08:59
      ["2030-01-07T13:59:00Z", true], // Monday 10:59
      ["2030-01-07T14:00:00Z", false], // Monday 11:00: the end is outside
      ["2030-01-08T12:30:00Z", false], // Tuesday 09:30
      ["2030-01-09T17:00:00Z", true], // Wednesday 14:00
      ["2030-01-09T12:30:00Z", false], // Wednesday 09:30
      ["2030-01-14T12:30:00Z", true], // next Monday 09:30
    ];
    for (const [instant, expected] of cases) assert.equal(await callable(id, instant), expected, instant);
    const row = (await auditorsCallableAt(db, new Date(MONDAY_0930_SP))).find((a) => a.id === id)!;
    assert.deepEqual(row.window, MONDAY_MORNING);
    assert.match(row.phone, /^\+55/);
  });

  it("reads the weekday in the city's time zone, not in UTC", async () => {
    const { id } = await enrolByAgent({ windows: [{ weekday: 1, starts: "08:00", ends: "10:00" }] });
    // Sunday 23:30 UTC is Sunday 20:30 in São Paulo, and Monday 08:30 in Tokyo.
    const instant = "2030-01-06T23:30:00Z";
    assert.equal(await callable(id, instant), false);
    await db.query("UPDATE calendar_settings SET time_zone = 'Asia/Tokyo'");
    try {
      assert.equal(await callable(id, instant), true);
      assert.equal(await callable(id, MONDAY_0930_SP), false, "Monday 21:30 in Tokyo");
    } finally {
      await db.query("UPDATE calendar_settings SET time_zone = 'America/Sao_Paulo'");
    }
  });
});

describe("privacy", () => {
  it("keeps one citizen out of another's enrolment", async () => {
    const ana = await signedInCitizen();
    const bia = await signedInCitizen();
    const anas = (await mine(ana, { ...consent, point: at(b1), windows: [MONDAY_MORNING] })).json();
    assert.equal((await call("GET", "/api/v1/citizen/auditor", bia)).statusCode, 404);
    assert.equal((await call("DELETE", "/api/v1/citizen/auditor", bia)).statusCode, 404);
    const bias = (await mine(bia, { ...consent, point: at(b2), windows: [WEDNESDAY_AFTERNOON] })).json();
    assert.notEqual(bias.id, anas.id, "Bia's PUT makes her own enrolment");
    assert.equal((await call("GET", `/api/v1/auditors/${anas.id}`, bia)).statusCode, 401, "no staff route");
    assert.equal((await call("POST", `/api/v1/auditors/${anas.id}/revoke`, bia, {})).statusCode, 401);
    const still = (await call("GET", "/api/v1/citizen/auditor", ana)).json();
    assert.deepEqual([still.id, still.state, still.windows], [anas.id, "active", [MONDAY_MORNING]]);
  });

  it("empties and revokes the enrolment when the citizen is erased, and lists it in their export first", async () => {
    const who = await signedInCitizen();
    const { id } = (await mine(who, { ...consent, address: NEAR_A_BLOCK, windows: [MONDAY_MORNING] })).json();
    const exported = await call("GET", `/api/v1/citizens/${who.citizenId}/export`, ombudsman);
    assert.equal(exported.statusCode, 200, exported.body);
    const [listed] = exported.json().auditors;
    assert.deepEqual(
      [listed.phone, listed.address, listed.state, listed.windows],
      [who.phone, NEAR_A_BLOCK, "active", [MONDAY_MORNING]],
    );
    const erased = await call("POST", `/api/v1/citizens/${who.citizenId}/erasure`, ombudsman);
    assert.equal(erased.statusCode, 200, erased.body);
    const row = await one<Record<string, unknown>>(
      db,
      `SELECT state, do_not_call, phone, address, point, revoked_channel,
              (SELECT count(*)::int FROM auditor_windows WHERE auditor_id = $1) AS windows
         FROM auditors WHERE id = $1`,
      [id],
    );
    assert.deepEqual(row, {
      state: "revoked",
      do_not_call: true,
      phone: null,
      address: null,
      point: null,
      revoked_channel: "erasure",
      windows: 0,
    });
    assert.equal(await callable(id, MONDAY_0930_SP), false);
  });
});

describe("staff list", () => {
  it("filters by state, district and block, and pages with a cursor", async () => {
    const a = await enrolByAgent({ point: at(b2) });
    const b = await enrolByAgent({ point: at(b2) });
    const page = await call("GET", `/api/v1/auditors?block=${b2.id}&state=active&limit=1`, agent);
    assert.equal(page.statusCode, 200, page.body);
    assert.deepEqual(
      page.json().map((x: { id: number }) => x.id),
      [b.id],
    );
    const next = /<([^>]+)>; rel="next"/.exec(String(page.headers.link))![1]!;
    const second = await call("GET", next, agent);
    assert.ok(second.json().some((x: { id: number }) => x.id === a.id));
    const byDistrict = await call("GET", `/api/v1/auditors?district=${b2.district}&limit=200`, manager);
    assert.ok(byDistrict.json().every((x: { districtCode: string }) => x.districtCode === b2.district));
    assert.ok(byDistrict.json().some((x: { id: number }) => x.id === a.id));
    const revoked = await call("GET", "/api/v1/auditors?state=revoked&limit=200", manager);
    assert.ok(revoked.json().every((x: { state: string }) => x.state === "revoked"));
    assert.equal((await call("GET", "/api/v1/auditors", departmentStaff)).statusCode, 403);
    assert.equal((await call("GET", "/api/v1/auditors?offset=10", manager)).statusCode, 400);
  });
});
