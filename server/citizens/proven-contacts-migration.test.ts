/**
 * Migration 0036 carries existing data forward with no manual step (decision 0019): contacts the old merge rule
 * attached to a record move to records of their own, e-mails that completed a sign-in are proven, and every citizen
 * session ends. Run on an empty database of its own (PGlite in memory, or a new database on the server).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pg from "pg";
import { connect, type Db, one } from "../db/index.ts";
import { MIGRATIONS_DIR, migrate } from "../db/migrate.ts";

/** An empty database for this file: in memory on PGlite, a new one (dropped after) on PostgreSQL. */
async function emptyDb(): Promise<Db> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await connect({});
    after(() => db.close());
    return db;
  }
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const name = `responsiva_m36_${process.pid}_${randomBytes(3).toString("hex")}`;
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`CREATE DATABASE "${name}"`);
  await client.end();
  const target = new URL(url);
  target.pathname = `/${name}`;
  const db = await connect({ databaseUrl: target.toString(), poolSize: 2 });
  after(async () => {
    await db.close();
    const dropper = new pg.Client({ connectionString: admin.toString() });
    await dropper.connect();
    await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await dropper.end();
  });
  return db;
}

/** The migrations before `version`, copied to a folder of their own. */
function migrationsBefore(version: string): string {
  const dir = mkdtempSync(join(tmpdir(), "responsiva-m36-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const file of readdirSync(MIGRATIONS_DIR)) {
    if (/^\d{4}_.*\.sql$/.test(file) && file.slice(0, 4) < version)
      cpSync(join(MIGRATIONS_DIR, file), join(dir, file));
  }
  return `${dir}/`;
}

describe("migration 0036 (proven contacts)", () => {
  it("moves contacts merged by the old rule out, proves signed-in e-mails and ends every session", async () => {
    const db = await emptyDb();
    await migrate(db, migrationsBefore("0036"));

    // The victim's record, created with her e-mail and phone; the attacker's e-mail added a day later by the old
    // rule, signed in with (the code went to the attacker), with a live session on her record.
    const victim = await one<{ id: number }>(
      db,
      "INSERT INTO citizens (name, document, created_at) VALUES ('Vitória', '52998224725', '2026-01-01') RETURNING id",
    );
    await db.query(
      `INSERT INTO citizen_contacts (citizen_id, channel, value, created_at) VALUES
         ($1, 'email', 'vitoria@example.org', '2026-01-01'), ($1, 'phone', '5511987654321', '2026-01-01'),
         ($1, 'email', 'mallory@example.org', '2026-01-02')`,
      [victim.id],
    );
    // Joana signed in with the address she filed with.
    const joana = await one<{ id: number }>(
      db,
      "INSERT INTO citizens (name, created_at) VALUES ('Joana', '2026-01-03') RETURNING id",
    );
    await db.query(
      "INSERT INTO citizen_contacts (citizen_id, channel, value, created_at) VALUES ($1, 'email', 'joana@example.org', '2026-01-03')",
      [joana.id],
    );
    await db.query(
      `INSERT INTO citizen_sign_in_codes (citizen_id, email, code_hash, expires_at, used_at) VALUES
         ($1, 'mallory@example.org', 'x', '2026-01-02 00:15', '2026-01-02 00:05'),
         ($2, 'joana@example.org', 'x', '2026-01-04 00:15', '2026-01-04 00:05')`,
      [victim.id, joana.id],
    );
    await db.query(
      `INSERT INTO citizen_sessions (token_hash, citizen_id, expires_at) VALUES
         ('mallory', $1, now() + interval '1 day'), ('joana', $2, now() + interval '1 day')`,
      [victim.id, joana.id],
    );

    assert.ok((await migrate(db)).includes("0036"));

    const contacts = await db.query<{ citizen_id: number; value: string; verified_by: string | null }>(
      "SELECT citizen_id, value, verified_by FROM citizen_contacts ORDER BY value",
    );
    const of = (value: string) => contacts.find((c) => c.value === value)!;
    assert.equal(of("vitoria@example.org").citizen_id, victim.id);
    assert.equal(of("5511987654321").citizen_id, victim.id);
    assert.notEqual(of("mallory@example.org").citizen_id, victim.id, "the merged address left her record");
    assert.equal(of("mallory@example.org").verified_by, null, "proven on her record, not on its own");
    assert.equal(of("joana@example.org").citizen_id, joana.id);
    assert.equal(of("joana@example.org").verified_by, "email_code");
    assert.equal(of("vitoria@example.org").verified_by, null);
    const moved = await one<{ name: string | null; document: string | null }>(
      db,
      "SELECT name, document FROM citizens WHERE id = $1",
      [of("mallory@example.org").citizen_id],
    );
    assert.deepEqual(moved, { name: null, document: null });
    assert.equal((await db.query("SELECT 1 FROM citizen_sessions")).length, 0);

    // Several unproven records may hold one address now; a proven one is held once.
    const other = await one<{ id: number }>(db, "INSERT INTO citizens DEFAULT VALUES RETURNING id");
    await db.query(
      "INSERT INTO citizen_contacts (citizen_id, channel, value) VALUES ($1, 'email', 'joana@example.org')",
      [other.id],
    );
    await assert.rejects(
      db.query(
        `UPDATE citizen_contacts SET verified_at = now(), verified_by = 'email_code'
          WHERE citizen_id = $1 AND value = 'joana@example.org'`,
        [other.id],
      ),
      /duplicate key|unique/i,
    );
  });
});
