/**
 * An empty PostgreSQL database of the test's own (not a copy of the prepared template), for the tests that must see
 * what a first start or an upgrade sees: created on the server of DATABASE_URL, dropped after the file.
 */
import { randomBytes } from "node:crypto";
import { after } from "node:test";
import pg from "pg";

/** Creates an empty database beside DATABASE_URL's and returns its URL; dropped (FORCE) when the file ends. */
export async function freshDatabaseUrl(label: string): Promise<string> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("freshDatabaseUrl needs DATABASE_URL");
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const name = `${label}_${process.pid}_${randomBytes(3).toString("hex")}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE "${name}"`);
  after(() => run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return fresh.toString();
}
