import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkDigit, hasValidCheckDigit, parseProtocol } from "../../domain/protocol.ts";
import { testDb } from "../../tests/helpers.ts";
import { forgetCalendar } from "../calendar/queries.ts";
import { deadlineWords, expectedDeadline } from "./deadline.ts";

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

  it("take the year in the city's own time zone, read from its calendar (migration 0047)", async () => {
    // Noon UTC on 31 December 2026 is already 2027 in Auckland, still 2026 in São Paulo and Manaus.
    const localAt = async (zone: string) => {
      await db.query("UPDATE calendar_settings SET time_zone = $1", [zone]);
      const [row] = await db.query<{ local: string; p: string; year: string }>(
        `SELECT to_char(city_local_time('2026-12-31T12:00:00Z'), 'YYYY-MM-DD HH24:MI') AS local,
                next_protocol() AS p, to_char(now() AT TIME ZONE $1, 'YYYY') AS year`,
        [zone],
      );
      return row!;
    };
    try {
      assert.equal((await localAt("America/Sao_Paulo")).local, "2026-12-31 09:00");
      assert.equal((await localAt("America/Manaus")).local, "2026-12-31 08:00");
      assert.equal((await localAt("America/New_York")).local, "2026-12-31 07:00");
      assert.equal((await localAt("Pacific/Auckland")).local, "2027-01-01 01:00");
      for (const zone of ["America/Manaus", "Pacific/Kiritimati", "Pacific/Pago_Pago"]) {
        const row = await localAt(zone);
        assert.equal(row.p.slice(0, 4), row.year, zone);
      }
      // The zone is read, not assumed: one the database does not know stops the number.
      await db.query("UPDATE calendar_settings SET time_zone = 'Mars/Olympus_Mons'");
      await assert.rejects(db.query("SELECT next_protocol()"), /time zone/i);
    } finally {
      await db.query("UPDATE calendar_settings SET time_zone = 'America/Sao_Paulo'");
    }
  });
});

describe("a due date told to the citizen", () => {
  it("is said in the city's time zone, read from its calendar", async () => {
    const service = { demandType: "request", deadline: { amount: 2, unit: "business_hours" as const } };
    // Due 03:30 UTC on 13 March 2026: 00:30 on the 13th in São Paulo, 23:30 on the 12th in Manaus.
    const due = new Date("2026-03-13T03:30:00Z");
    const wordsIn = async (zone: string) => {
      await db.query("UPDATE calendar_settings SET time_zone = $1", [zone]);
      forgetCalendar(db);
      const expected = await expectedDeadline(db, service, new Date("2026-03-12T20:00:00Z"), due);
      assert.equal(expected.timeZone, zone);
      return deadlineWords(expected, "pt-BR").dueDate;
    };
    try {
      assert.match(await wordsIn("America/Sao_Paulo"), /^13 de março de 2026.* 00:30$/);
      assert.match(await wordsIn("America/Manaus"), /^12 de março de 2026.* 23:30$/);
    } finally {
      await db.query("UPDATE calendar_settings SET time_zone = 'America/Sao_Paulo'");
      forgetCalendar(db);
    }
  });
});
