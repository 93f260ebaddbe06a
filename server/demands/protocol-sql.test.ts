import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkDigit, hasValidCheckDigit, parseProtocol } from "../../domain/protocol.ts";
import { testDb } from "../../tests/helpers.ts";

const db = await testDb();

describe("protocol numbers made in the database", () => {
  it("use the same Damm check digit as domain/protocol.ts, over a sample of bodies", async () => {
    const bodies: string[] = [];
    let seed = 42;
    for (let i = 0; i < 3000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      bodies.push(`${2000 + (seed % 60)}${String(seed % 100_000_000).padStart(8, "0")}`);
    }
    bodies.push("0", "9", "99999999999999999");
    const rows = await db.query<{ body: string; digit: number }>(
      "SELECT b AS body, damm_check_digit(b) AS digit FROM unnest($1::text[]) AS b",
      [bodies],
    );
    for (const row of rows) assert.equal(row.digit, checkDigit(row.body), row.body);
  });

  it("are year-prefixed, valid, and distinct", async () => {
    const rows = await db.query<{ p: string; year: number }>(
      "SELECT next_protocol() AS p, extract(year FROM now() AT TIME ZONE 'America/Sao_Paulo')::int AS year FROM generate_series(1, 50)",
    );
    assert.equal(new Set(rows.map((r) => r.p)).size, 50);
    for (const row of rows) {
      assert.ok(hasValidCheckDigit(row.p), row.p);
      const parsed = parseProtocol(row.p);
      assert.ok(parsed.ok && parsed.year === row.year);
    }
  });
});
