/**
 * The console's offline kit (GET /api/v1/console/offline-kit, decision 0058): every active service with its fields
 * in the agent's language, none retired, and a version that changes with the catalogue; only for who takes demands.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { updateService } from "../catalogue/commands.ts";
import type { OfflineKitView } from "./offline-kit.ts";

const { app, ctx } = await testApp();
const db = ctx.db;

async function kit(authorization: string, lang = "pt-BR"): Promise<OfflineKitView> {
  const res = await app.inject({
    url: `/api/v1/console/offline-kit?lang=${lang}`,
    headers: { authorization },
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers["cache-control"]), /private/);
  return res.json() as OfflineKitView;
}

describe("the console's offline kit", () => {
  it("holds every active service with its fields, in the agent's language, and a version that follows changes", async () => {
    const agent = await staffHeaders(db, "agent");
    const first = await kit(agent.authorization);
    const [{ n }] = (await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM services WHERE active",
    )) as [{ n: number }];
    assert.equal(first.services.length, n);
    assert.equal(first.language, "pt-BR");
    // The suggester's inputs: a document per active service, the families of close services, the active rules.
    assert.deepEqual(
      first.suggester.documents.map((d) => d.code),
      first.services.map((s) => s.code).sort(),
    );
    assert.ok(first.suggester.families.length > 0);
    assert.ok(first.suggester.documents.every((d) => d.texts.length > 0));
    const [withFields] = await db.query<{ code: string; attributes: unknown[] }>(
      "SELECT code, attributes FROM services WHERE active AND jsonb_array_length(attributes) > 0 LIMIT 1",
    );
    if (withFields) {
      const kept = first.services.find((s) => s.code === withFields.code);
      assert.equal(kept?.attributes.length, withFields.attributes.length);
    }
    const english = await kit(agent.authorization, "en");
    assert.equal(english.language, "en");
    assert.notDeepEqual(
      english.services.map((s) => s.name),
      first.services.map((s) => s.name),
      "names in the agent's language",
    );

    // A service retired: gone from the kit, under a new version; back again, another version.
    const retired = first.services[0]!;
    const admin = await staffHeaders(db, "admin");
    const actor = { staffId: admin.staffId, staffName: "Admin", ip: null, userAgent: null };
    await updateService(db, retired.code, { active: false }, actor);
    try {
      const after = await kit(agent.authorization);
      assert.equal(after.services.length, n - 1);
      assert.ok(!after.services.some((s) => s.code === retired.code));
      assert.notEqual(after.version, first.version);
    } finally {
      await updateService(db, retired.code, { active: true }, actor);
    }
  });

  it("is refused to staff who take no demands and to nobody signed in", async () => {
    const [{ code }] = (await db.query<{ code: string }>("SELECT code FROM departments LIMIT 1")) as [
      { code: string },
    ];
    const department = await staffHeaders(db, "department_staff", code);
    const res = await app.inject({
      url: "/api/v1/console/offline-kit",
      headers: { authorization: department.authorization },
    });
    assert.equal(res.statusCode, 403);
    assert.equal((await app.inject({ url: "/api/v1/console/offline-kit" })).statusCode, 401);
  });
});
