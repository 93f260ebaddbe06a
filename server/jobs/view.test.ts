import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { errorClass, type JobsView } from "./view.ts";

const { app, ctx } = await testApp();
const { db } = ctx;

describe("the job view", () => {
  it("counts each job's waiting, running, late and dead rows, and names the last error by class only", async () => {
    const { code: service } = (
      await db.query<{ code: string }>(
        "SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch ORDER BY code LIMIT 1",
      )
    )[0]!;
    const filed = await app.inject({
      method: "POST",
      url: "/api/v1/demands",
      payload: {
        service,
        description: "Lâmpada queimada",
        location: { lat: -23.5503, lon: -46.634 },
        citizen: { name: "Pessoa", email: "pessoa@example.org" },
      },
    });
    assert.equal(filed.statusCode, 201, filed.body);
    const [demand] = await db.query<{ id: number; protocol: string }>(
      "SELECT id, protocol FROM demands WHERE protocol = $1",
      [filed.json().protocol],
    );
    const contact = "maria.silva@example.org";
    const rows: Array<[string, string]> = [
      // state, extra columns
      ["pending", "run_at = now() - interval '90 seconds'"],
      ["pending", "run_at = now() + interval '1 hour', attempts = 2, last_error = 'email: 451 try later'"],
      ["running", "locked_until = now() + interval '30 seconds', lease_id = gen_random_uuid()"],
      ["running", "locked_until = now() - interval '1 second', lease_id = gen_random_uuid()"],
      [
        "dead",
        `attempts = 10, last_error = 'every channel refused the message; last: email: 550 ${contact}'`,
      ],
    ];
    for (const [state, set] of rows) {
      const [row] = await db.query<{ id: number }>(
        "INSERT INTO outbox (job, payload, state) VALUES ('test-view', $1, $2) RETURNING id",
        [JSON.stringify({ demandId: demand!.id, to: contact }), state],
      );
      await db.query(`UPDATE outbox SET ${set} WHERE id = $1`, [row!.id]);
    }
    const { authorization } = await staffHeaders(db, "supervisor");
    const res = await app.inject({ method: "GET", url: "/api/v1/jobs", headers: { authorization } });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(!res.body.includes(contact), "no personal data from payloads or errors");
    const view = res.json() as JobsView;
    const line = view.jobs.find((j) => j.job === "test-view")!;
    assert.ok(line.oldestDueSeconds! >= 89 && line.oldestDueSeconds! < 200, `${line.oldestDueSeconds}`);
    assert.deepEqual(
      { ...line, oldestDueSeconds: 0, lastError: { ...line.lastError!, id: 0 } },
      {
        job: "test-view",
        pending: 2,
        due: 1,
        retrying: 1,
        running: 1,
        expired: 1,
        oldestDueSeconds: 0,
        dead: 1,
        lastError: { id: 0, state: "dead", protocol: demand!.protocol, errorClass: "refused" },
      },
    );
    const idle = view.jobs.find((j) => j.job === "route-demand");
    assert.ok(idle, "every registered job has its line, work or not");
  });

  it("classes errors without their words", () => {
    assert.equal(errorClass("HTTP 503"), "http_503");
    assert.equal(errorClass("timed out after 10000 ms"), "timeout");
    assert.equal(errorClass("email: connect ECONNREFUSED 127.0.0.1:25"), "econnrefused");
    assert.equal(errorClass("email: 451 4.7.1 greylisted jose@example.org"), "email_451");
    assert.equal(errorClass("invalid payload: demandId expected number"), "invalid_payload");
    assert.equal(errorClass("duplicate key value violates unique constraint"), "other");
  });
});
