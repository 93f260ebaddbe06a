/**
 * Keys that sign links (consent withdrawal, files of agents' replies): made once per database on first use, shared
 * by every process through the `signing_keys` table, never configured by hand.
 */
import { randomBytes } from "node:crypto";
import { maybeOne, type Sql } from "./index.ts";

/** The key named `name`, made now when the database has none (the first to insert wins; all read that one). */
export async function signingKey(sql: Sql, name: string): Promise<Buffer> {
  const read = () =>
    maybeOne<{ secret: string }>(sql, "SELECT secret FROM signing_keys WHERE name = $1", [name]);
  let row = await read();
  if (!row) {
    await sql.query(
      "INSERT INTO signing_keys (name, secret) VALUES ($1, $2) ON CONFLICT (tenant_id, name) DO NOTHING",
      [name, randomBytes(32).toString("base64url")],
    );
    row = await read();
  }
  if (!row) throw new Error(`no signing key ${name}`);
  return Buffer.from(row.secret, "base64url");
}
