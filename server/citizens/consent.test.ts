/**
 * Consent (LGPD art. 8) recorded with every identified demand on every intake way, withdrawn on every channel
 * (portal, the e-mail link, an agent), and what a withdrawal stops; and the erasure of the person's own photos.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { PRIVACY_POLICY_VERSION } from "../../domain/privacy.ts";
import { type DemandOverrides, factoriesFor, SE } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { createApiClient } from "../api-keys/commands.ts";
import { one } from "../db/index.ts";
import { deleteUnreferencedFiles } from "../demands/jobs.ts";
import { hashToken } from "../http/auth.ts";
import { iconPng } from "../http/icons.ts";
import { planMessage } from "../notifications/commands.ts";
import { attachmentStoreOf } from "../storage/store.ts";
import { consentLinkToken } from "./consent.ts";

const { app, ctx } = await testApp();
const { db } = ctx;
after(() => rmSync(ctx.config.dataDir, { recursive: true, force: true }));
const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required
        AND anonymous_allowed ORDER BY code LIMIT 1`,
  )
).code;
const agent = await staffHeaders(db, "agent");
const ombudsman = await staffHeaders(db, "ombudsman");
const supervisor = await staffHeaders(db, "supervisor");

const emailOf = (tag: string) => `${tag}-${randomBytes(4).toString("hex")}@example.org`;

const factories = factoriesFor({ app, ctx });

/**
 * Files a demand at the Sé (by JSON, or the portal's multipart form when photos are given), identified when a
 * citizen is given and anonymous otherwise; answers its protocol.
 */
async function file(
  citizen: Pick<DemandOverrides, "name" | "email" | "phone" | "consent"> | undefined,
  options: Pick<DemandOverrides, "headers" | "channel" | "photos"> = {},
): Promise<string> {
  const filed = await factories.fileDemand({
    service,
    description: "Buraco na calçada",
    at: SE,
    identity: citizen ? "identified" : "anonymous",
    ...citizen,
    ...options,
  });
  return filed.protocol;
}

async function consentOf(protocol: string) {
  return db.query<{
    citizen_id: number;
    purpose: string;
    granted: boolean;
    policy_version: string;
    channel: string;
    recorded_by: number | null;
    declared: boolean;
  }>(
    `SELECT c.citizen_id, c.purpose, c.granted, c.policy_version, c.channel, c.recorded_by, c.declared
       FROM consents c JOIN demands d ON d.id = c.demand_id WHERE d.protocol = $1`,
    [protocol],
  );
}

const citizenOf = async (protocol: string) =>
  (await one<{ citizen_id: number }>(db, "SELECT citizen_id FROM demands WHERE protocol = $1", [protocol]))
    .citizen_id;

describe("consent with every identified demand", () => {
  it("records the version the person agreed to, or the notice of the channel, on the portal's JSON and multipart", async () => {
    const declared = await file({
      name: "Ana",
      email: emailOf("ana"),
      consent: { policyVersion: "2023-07" },
    });
    assert.deepEqual(
      (await consentOf(declared)).map((c) => [c.purpose, c.granted, c.policy_version, c.channel, c.declared]),
      [["service", true, "2023-07", "web", true]],
    );
    const silent = await file({ name: "Bia", email: emailOf("bia") }, { photos: [] });
    assert.deepEqual(
      (await consentOf(silent)).map((c) => [c.granted, c.policy_version, c.declared]),
      [[true, PRIVACY_POLICY_VERSION, false]],
    );
    const multi = await file(
      { name: "Cid", email: emailOf("cid"), consent: { policyVersion: PRIVACY_POLICY_VERSION } },
      { photos: [{ name: "a.png", content: iconPng(20) }] },
    );
    assert.equal((await consentOf(multi)).length, 1);
  });

  it("names the agent who took a phone demand, and records none for an anonymous demand", async () => {
    const phone = await file(
      { name: "Dora", phone: "11 98888-1234", consent: { policyVersion: PRIVACY_POLICY_VERSION } },
      { headers: { authorization: agent.authorization }, channel: "phone" },
    );
    const [row] = await consentOf(phone);
    assert.equal(row?.channel, "phone");
    assert.equal(row?.recorded_by, agent.staffId);
    assert.equal(row?.declared, true);
    assert.deepEqual(await consentOf(await file(undefined)), []);
  });

  it("records one for an Open311 request with an e-mail", async () => {
    const { key } = await createApiClient(db, { name: "Consent client" }, null);
    const form = new URLSearchParams({
      api_key: key,
      service_code: service,
      lat: String(SE.lat),
      long: String(SE.lon),
      description: "Lixo na calçada",
      first_name: "Eva",
      email: emailOf("eva"),
    });
    const res = await app.inject({
      method: "POST",
      url: "/open311/v2/requests.json",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: form.toString(),
    });
    assert.equal(res.statusCode, 200, res.body);
    const rows = await consentOf(res.json()[0].service_request_id);
    assert.deepEqual(
      rows.map((c) => [c.purpose, c.granted, c.channel]),
      [["service", true, "open311"]],
    );
  });
});

const withdrawn = async (citizenId: number) =>
  db.query<{ purpose: string; channel: string; recorded_by: number | null }>(
    "SELECT purpose, channel, recorded_by FROM consents WHERE citizen_id = $1 AND NOT granted ORDER BY id",
    [citizenId],
  );

describe("withdrawing consent", () => {
  it("is done by the signed-in citizen on the portal", async () => {
    const id = await citizenOf(await file({ name: "Fabi", email: emailOf("fabi") }));
    const token = randomBytes(24).toString("base64url");
    await db.query(
      "INSERT INTO citizen_sessions (token_hash, citizen_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')",
      [hashToken(token), id],
    );
    const url = "/api/v1/citizen/consent/withdrawal";
    assert.equal((await app.inject({ method: "POST", url })).statusCode, 401);
    const res = await app.inject({ method: "POST", url, headers: { cookie: `responsiva_citizen=${token}` } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      (await withdrawn(id)).map((w) => [w.purpose, w.channel]),
      [
        ["contact", "portal"],
        ["satisfaction_survey", "portal"],
        ["citizen_auditor", "portal"],
      ],
    );
  });

  it("is done by the one-click link in e-mails: the page asks first, the button records, a forged link fails", async () => {
    const id = await citizenOf(await file({ name: "Gil", email: emailOf("gil") }));
    const token = await consentLinkToken(db, id);
    const page = await app.inject({ method: "GET", url: `/consentimento/retirar?token=${token}` });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<form method="post"/);
    assert.deepEqual(await withdrawn(id), [], "following the link withdraws nothing");
    const forged = `${id}.${"A".repeat(43)}`;
    const bad = await app.inject({
      method: "POST",
      url: "/consentimento/retirar",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `token=${encodeURIComponent(forged)}`,
    });
    assert.equal(bad.statusCode, 400);
    const other = await consentLinkToken(db, id + 1);
    const api = await app.inject({
      method: "POST",
      url: "/api/v1/consent/withdrawal",
      payload: { token: other.replace(/^\d+/, String(id)) },
    });
    assert.equal(api.statusCode, 400, "a token signed for another person is refused");
    assert.deepEqual(await withdrawn(id), []);
    const done = await app.inject({
      method: "POST",
      url: "/consentimento/retirar",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `token=${encodeURIComponent(token)}`,
    });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal((await withdrawn(id)).length, 3);
    assert.ok((await withdrawn(id)).every((w) => w.channel === "email_link"));
  });

  it("is recorded by an agent for a request by phone, counter or letter, and audited", async () => {
    const id = await citizenOf(await file({ name: "Hugo", email: emailOf("hugo") }));
    const url = `/api/v1/citizens/${id}/consent/withdrawal`;
    const res = await app.inject({
      method: "POST",
      url,
      headers: { authorization: agent.authorization },
      payload: { channel: "letter" },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().purposes, ["contact", "satisfaction_survey", "citizen_auditor"]);
    assert.ok((await withdrawn(id)).every((w) => w.channel === "letter" && w.recorded_by === agent.staffId));
    const log = await app.inject({
      method: "GET",
      url: `/api/v1/audit-log?entityType=citizen&entityId=${id}`,
      headers: { authorization: supervisor.authorization },
    });
    assert.equal(log.json().entries[0].action, "consent.withdrawn");
    assert.equal(log.json().entries[0].staff.id, agent.staffId);
  });

  it("stops satisfaction surveys but not the answer, and e-mails carry the withdrawal link", async () => {
    const email = emailOf("iris");
    const protocol = await file({ name: "Iris", email });
    const id = await citizenOf(protocol);
    const demand = await one<{ id: number }>(db, "SELECT id FROM demands WHERE protocol = $1", [protocol]);
    const plan = (template: string) =>
      db.transaction(async (tx) => {
        const outbox = await one<{ id: number }>(
          tx,
          "INSERT INTO outbox (job, payload, state) VALUES ('send-message', '{}', 'done') RETURNING id",
        );
        return planMessage(
          tx,
          outbox.id,
          { demandId: demand.id, citizenId: id, template, channel: "email" } as never,
          ["email"],
          "https://156.cidade.example",
        );
      });
    const before = await plan("survey.requested");
    assert.equal(before.kind, "send");
    const text = before.kind === "send" ? (before.renderedFor.email?.text ?? "") : "";
    const link = /https:\/\/156\.cidade\.example\/consentimento\/retirar\?token=(\S+)/.exec(text);
    assert.ok(link, text);
    const withdraw = await app.inject({
      method: "POST",
      url: "/api/v1/consent/withdrawal",
      payload: { token: decodeURIComponent(link[1]!) },
    });
    assert.equal(withdraw.statusCode, 200, withdraw.body);
    assert.equal((await plan("survey.requested")).kind, "done", "the survey is skipped");
    assert.equal((await plan("survey.reminder")).kind, "done");
    assert.equal((await plan("demand.answered")).kind, "send", "the answer still goes");
  });
});

describe("erasure of the person's photos", () => {
  it("deletes their uploads and files, keeps a file another demand still uses and the departments' evidence", async () => {
    const root = join(ctx.config.dataDir, "attachments");
    const own = { name: "minha.png", content: iconPng(21) };
    const shared = { name: "mesma.png", content: iconPng(22) };
    const mine = await file({ name: "Joana Erasmo", email: emailOf("joana") }, { photos: [own, shared] });
    const theirs = await file({ name: "Outra Pessoa", email: emailOf("outra") }, { photos: [shared] });
    const keyOf = async (protocol: string, name: string) =>
      (
        await one<{ storage_key: string }>(
          db,
          `SELECT a.storage_key FROM attachments a JOIN demands d ON d.id = a.demand_id
            WHERE d.protocol = $1 AND a.original_name = $2`,
          [protocol, name],
        )
      ).storage_key;
    const ownKey = await keyOf(mine, "minha.png");
    const sharedKey = await keyOf(mine, "mesma.png");
    assert.equal(sharedKey, await keyOf(theirs, "mesma.png"));
    const demand = await one<{ id: number }>(db, "SELECT id FROM demands WHERE protocol = $1", [mine]);
    // A department's photo of the work on the same demand (evidence is tied to a work order).
    const order = await one<{ id: number }>(
      db,
      `INSERT INTO work_orders (demand_id, department_id, state)
       SELECT $1, id, 'answered' FROM departments ORDER BY id LIMIT 1 RETURNING id`,
      [demand.id],
    );
    await db.query(
      `INSERT INTO attachments (demand_id, storage_key, media_type, size_bytes, sha256, original_name, visibility,
                                work_order_id)
       VALUES ($1, 'ee/evidence', 'image/png', 10, 'ee', 'obra.png', 'internal', $2)`,
      [demand.id, order.id],
    );

    const id = await citizenOf(mine);
    const res = await app.inject({
      method: "POST",
      url: `/api/v1/citizens/${id}/erasure`,
      headers: { authorization: ombudsman.authorization },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().attachments, 2);
    const left = await db.query<{ original_name: string }>(
      "SELECT original_name FROM attachments WHERE demand_id = $1 ORDER BY id",
      [demand.id],
    );
    assert.deepEqual(
      left.map((a) => a.original_name),
      ["obra.png"],
    );
    const job = await one<{ payload: { keys: string[] }; run_at: Date }>(
      db,
      "SELECT payload, run_at FROM outbox WHERE job = 'delete-attachment-files' ORDER BY id DESC LIMIT 1",
    );
    assert.deepEqual([...job.payload.keys].sort(), [ownKey, sharedKey].sort());
    assert.ok(new Date(job.run_at).getTime() > Date.now() + 10 * 60_000, "after a delay");
    assert.ok(existsSync(join(root, ownKey)));
    const deleted = await deleteUnreferencedFiles(db, attachmentStoreOf(ctx.config), [
      ...job.payload.keys,
      "../../etc/passwd",
    ]);
    assert.deepEqual(deleted, [ownKey]);
    assert.equal(existsSync(join(root, ownKey)), false);
    assert.ok(existsSync(join(root, sharedKey)), "the other demand's photo stays");
    const other = await app.inject({
      method: "GET",
      url: `/api/v1/demands/${theirs}`,
      headers: { authorization: ombudsman.authorization },
    });
    assert.equal(other.json().attachments.length, 1);
  });
});
