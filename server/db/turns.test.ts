/**
 * Work queued behind other work keeps its own tenant and request id: PGlite runs one statement or transaction at a
 * time, each waiting one started from the previous one's end, and a waiting transaction once ran as the previous
 * one's work (a ring of the default tenant was told as tenant 0, work across tenants). On PostgreSQL the pool's
 * queue is checked the same way.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testDb } from "../../tests/helpers.ts";
import { currentRequestId, runWithRequestId } from "../observability/context.ts";
import { createTenant } from "../tenants/commands.ts";
import { currentTenant, runAcrossTenants, runAsTenant } from "../tenants/current.ts";

const db = await testDb();
const santos = await createTenant(db, { slug: "turns-santos", name: "Santos" });

describe("work that waits its turn", () => {
  it("runs each queued transaction as its own tenant, with its own request id, whoever went before", async () => {
    const seen = await Promise.all(
      Array.from({ length: 24 }, (_, i) => {
        const tenant = i % 2 === 0 ? 1 : santos;
        const work = () =>
          runWithRequestId(`req-${i}`, () =>
            db.transaction(async (tx) => {
              const [row] = await tx.query<{ setting: string }>(
                "SELECT current_setting('responsiva.tenant', true) AS setting",
              );
              return { i, tenant, js: currentTenant(), sql: Number(row!.setting), id: currentRequestId() };
            }),
          );
        // Every third is queued from work across tenants, as a job runner's would be.
        return i % 3 === 0 ? runAcrossTenants(() => runAsTenant(tenant, work)) : runAsTenant(tenant, work);
      }),
    );
    for (const s of seen) {
      assert.equal(s.js, s.tenant, `transaction ${s.i} ran as tenant ${s.js}`);
      assert.equal(s.sql, s.tenant, `transaction ${s.i} had the setting of tenant ${s.sql}`);
      assert.equal(s.id, `req-${s.i}`);
    }
  });
});
