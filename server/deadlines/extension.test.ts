/** The legal 30 + 30 extension (Lei 13.460/2017 art. 16) belongs to ombudsman manifestations only. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { factoriesFor } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";

const { app, ctx } = await testApp();
const db = ctx.db;
const { fileDemand, drain } = factoriesFor({ app, ctx });
let serial = 0;

async function serviceOfType(type: string): Promise<string> {
  const row = await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND demand_type = $1 AND attributes = '[]'::jsonb
      ORDER BY location_required, code LIMIT 1`,
    [type],
  );
  return row.code;
}

/** Files an identified demand of `service` and runs its work (routing, messages); answers its protocol. */
async function file(service: string): Promise<string> {
  serial++;
  const { protocol } = await fileDemand({
    service,
    description: `Relato número ${serial} para o teste de prorrogação do prazo legal.`,
    identity: "identified",
    email: `prazo${serial}@example.org`,
    name: "Rita Lopes",
  });
  await drain();
  return protocol;
}

describe("legal deadline extension", () => {
  it("refuses to extend an ordinary service request with a 409 problem naming why", async () => {
    const protocol = await file(await serviceOfType("request"));
    const res = await app.inject({
      method: "POST",
      url: `/api/v1/demands/${protocol}/extend-deadline`,
      headers: { ...(await staffHeaders(db, "ombudsman")), "accept-language": "pt-BR" },
      payload: { reason: "Depende de vistoria técnica de outro órgão." },
    });
    assert.equal(res.statusCode, 409, res.body);
    assert.match(res.headers["content-type"] as string, /application\/problem\+json/);
    assert.equal(res.json().code, "extension_not_applicable");
    assert.match(res.json().detail, /ouvidoria/);
    const extended = await one<{ extended_at: Date | null }>(
      db,
      "SELECT extended_at FROM demands WHERE protocol = $1",
      [protocol],
    );
    assert.equal(extended.extended_at, null);
  });

  for (const type of ["complaint", "report", "suggestion"]) {
    it(`extends a ${type} once by 30 days`, async () => {
      const protocol = await file(await serviceOfType(type));
      const res = await app.inject({
        method: "POST",
        url: `/api/v1/demands/${protocol}/extend-deadline`,
        headers: await staffHeaders(db, "ombudsman"),
        payload: { reason: "Depende de vistoria técnica de outro órgão." },
      });
      assert.equal(res.statusCode, 200, res.body);
    });
  }
});
