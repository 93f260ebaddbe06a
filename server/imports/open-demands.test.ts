import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { scanDeadlines } from "../deadlines/scan.ts";
import { pendingPositions } from "./clocks.ts";
import { importSp156 } from "./sp156.ts";

const BAD_FILE = new URL("../../tests/fixtures/sp156-bad.csv", import.meta.url).pathname;
const lines = readFileSync(BAD_FILE, "utf8").split("\n");
const header = lines[0]!;
// Line 12 of the fixture: a real AGUARDANDO ATENDIMENTO row (open in SP156), opened 2019-01-02.
const waiting = lines[11]!;
// Line 7: closed (parecer) 2018-12-31 10:00, before its opening 2019-01-01 06:09.
const closedBeforeOpened = lines[6]!;

/** "YYYY-MM-DD HH:MM:SS" in São Paulo, as SP156 writes its times. */
function localSp(at: Date): string {
  return at.toLocaleString("sv-SE", { timeZone: "America/Sao_Paulo" });
}

const dir = mkdtempSync(join(tmpdir(), "responsiva-import-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("importing demands still open in the old system", async () => {
  const { app, ctx } = await testApp();
  const db = ctx.db;
  const justOpened = waiting.replace("2019-01-02 12:48:54", localSp(new Date(Date.now() - 60_000)));
  const file = join(dir, "open.csv");
  writeFileSync(file, [header, waiting, justOpened, closedBeforeOpened, ""].join("\n"));
  const summary = await importSp156(db, file);
  const byLine = async (line: number) => {
    const [row] = await db.query<{ id: number; opened_at: Date; due_at: Date | null; department_id: number }>(
      `SELECT d.id, d.opened_at, d.due_at, d.department_id FROM demands d
        JOIN demand_events e ON e.demand_id = d.id AND e.type = 'demand.imported' AND e.data->>'line' = $1`,
      [String(line)],
    );
    return row!;
  };
  const late = await byLine(2);
  const fresh = await byLine(3);

  it("starts each open demand's clock from its real opening, for its department", async () => {
    assert.equal(summary.imported, 3);
    const clocks = await db.query<{
      demand_id: number;
      started_at: Date;
      due_at: Date;
      department_id: number;
    }>(
      "SELECT demand_id, started_at, due_at, department_id FROM deadlines WHERE stage = 'demand' ORDER BY demand_id",
    );
    assert.deepEqual(
      clocks.map((c) => c.demand_id),
      [late.id, fresh.id],
    );
    for (const [clock, demand] of [
      [clocks[0]!, late],
      [clocks[1]!, fresh],
    ] as const) {
      assert.equal(clock.started_at.toISOString(), demand.opened_at.toISOString());
      assert.equal(clock.due_at.toISOString(), demand.due_at?.toISOString());
      assert.equal(clock.department_id, demand.department_id);
    }
    assert.ok(clocks[0]!.due_at < new Date(), "the 2019 demand is long past its deadline");
    assert.ok(clocks[1]!.due_at > new Date());
  });

  it("gives each open demand a work order of its department, from its opening, with no clock of its own", async () => {
    const orders = await db.query<{
      demand_id: number;
      state: string;
      department_id: number;
      dispatched_at: Date;
    }>("SELECT demand_id, state, department_id, dispatched_at FROM work_orders ORDER BY demand_id");
    assert.deepEqual(
      orders.map((o) => [o.demand_id, o.state, o.department_id, o.dispatched_at.toISOString()]),
      [late, fresh].map((d) => [d.id, "dispatched", d.department_id, d.opened_at.toISOString()]),
    );
    const [own] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM deadlines WHERE work_order_id IS NOT NULL",
    );
    assert.equal(own!.n, 0);
  });

  it("raises one alarm for a demand already late, at the first scan only", async () => {
    const first = await scanDeadlines(db);
    const alarms = await db.query<{ demand_id: number; kind: string; level: number; fraction: number }>(
      "SELECT demand_id, kind, level, (data->>'fraction')::float8 AS fraction FROM alarms ORDER BY id",
    );
    // Far past every alarm instant: only the last one (the managers' escalation at 150 %) fires, not all four.
    assert.deepEqual(alarms, [{ demand_id: late.id, kind: "escalation", level: 2, fraction: 1.5 }]);
    assert.equal(first.alarms, 1);
    const [breach] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM demand_events WHERE type = 'deadline.breached' AND demand_id = $1",
      [late.id],
    );
    assert.equal(breach!.n, 1);
    const second = await scanDeadlines(db);
    assert.equal(second.alarms, 0);
    const [count] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM alarms");
    assert.equal(count!.n, 1);
  });

  it("keeps every future alarm instant of a demand that is not late yet", async () => {
    const [fires] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM deadline_fires f JOIN deadlines d ON d.id = f.deadline_id
        WHERE d.demand_id = $1`,
      [fresh.id],
    );
    const [clock] = await db.query<{ n: number }>(
      "SELECT cardinality(fractions) AS n FROM deadlines WHERE demand_id = $1",
      [fresh.id],
    );
    assert.equal(fires!.n, clock!.n);
  });

  it("starts the missing clock and order of an open demand imported before clocks existed, when imported again", async () => {
    // As an earlier version left it: the demand, no clock, no order.
    for (const statement of [
      "DELETE FROM deadline_fires WHERE deadline_id IN (SELECT id FROM deadlines WHERE demand_id = $1)",
      "DELETE FROM deadlines WHERE demand_id = $1",
      "DELETE FROM work_orders WHERE demand_id = $1",
      "UPDATE demands SET due_at = NULL WHERE id = $1",
    ])
      await db.query(statement, [fresh.id]);
    const again = await importSp156(db, file);
    assert.deepEqual([again.imported, again.alreadyPresent, again.clocksRepaired], [0, 3, 1]);
    const [repaired] = await db.query<{ started_at: Date; due: Date | null; orders: number }>(
      `SELECT c.started_at, d.due_at AS due, (SELECT count(*)::int FROM work_orders w WHERE w.demand_id = d.id) AS orders
         FROM deadlines c JOIN demands d ON d.id = c.demand_id WHERE c.demand_id = $1 AND c.stage = 'demand'`,
      [fresh.id],
    );
    assert.equal(repaired!.started_at.toISOString(), fresh.opened_at.toISOString());
    assert.equal(repaired!.due?.toISOString(), fresh.due_at?.toISOString());
    assert.equal(repaired!.orders, 1);
    assert.equal((await importSp156(db, file)).clocksRepaired, 0);
  });

  it("imports a row closed before it opened as published, flagged and counted", async () => {
    assert.equal(summary.rejected, 0);
    assert.equal(summary.flagged, 1);
    assert.deepEqual(summary.flaggedByReason, { closed_before_opened: 1 });
    const [row] = await db.query<{ flags: string[]; opened: string; closed: string; clocks: number }>(
      `SELECT d.import_flags AS flags,
              to_char(d.opened_at AT TIME ZONE 'America/Sao_Paulo', 'YYYY-MM-DD HH24:MI:SS') AS opened,
              to_char(d.closed_at AT TIME ZONE 'America/Sao_Paulo', 'YYYY-MM-DD HH24:MI:SS') AS closed,
              (SELECT count(*)::int FROM deadlines c WHERE c.demand_id = d.id) AS clocks
         FROM demands d WHERE d.id = (SELECT demand_id FROM demand_events WHERE data->>'line' = '4')`,
    );
    assert.deepEqual(row, {
      flags: ["closed_before_opened"],
      opened: "2019-01-01 06:09:55",
      closed: "2018-12-31 10:00:00",
      clocks: 0,
    });
    const [clean] = await db.query<{ flags: string[] | null }>(
      "SELECT import_flags AS flags FROM demands WHERE id = $1",
      [late.id],
    );
    assert.equal(clean!.flags, null);
  });

  it("lets the department accept the imported order in its back-office", async () => {
    const [order] = await db.query<{ id: number; code: string }>(
      `SELECT w.id, dep.code FROM work_orders w JOIN departments dep ON dep.id = w.department_id
        WHERE w.demand_id = $1`,
      [late.id],
    );
    const staff = await staffHeaders(db, "department_staff", order!.code);
    const res = await app.inject({
      method: "POST",
      url: `/api/v1/work-orders/${order!.id}/accept`,
      headers: { authorization: staff.authorization, "content-type": "application/json" },
      payload: {},
    });
    assert.equal(res.statusCode, 200, res.body);
    const [demand] = await db.query<{ status: string }>("SELECT status FROM demands WHERE id = $1", [
      late.id,
    ]);
    assert.equal(demand!.status, "accepted");
  });
});

describe("which alarm instants of an imported clock stay pending", () => {
  const at = (h: number) => new Date(Date.UTC(2026, 0, 1, h));
  const fires = [at(1), at(2), at(3), at(4)];
  it("keeps all when none has come, the last past one and the future ones otherwise", () => {
    assert.deepEqual(pendingPositions(fires, at(0)), [0, 1, 2, 3]);
    assert.deepEqual(pendingPositions(fires, at(2)), [1, 2, 3]);
    assert.deepEqual(pendingPositions(fires, at(5)), [3]);
  });
});
