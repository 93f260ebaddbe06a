/** The bulk load's index and key handling (decision 0042): dropped for the load, made again at its end. */
import type { Sql } from "../db/index.ts";
import { execAsOwner } from "../db/tenancy.ts";

// The tables a bulk load writes most: their secondary indexes and foreign keys are dropped for the load and made
// again at its end, from their own definitions read from the catalogue (so a later migration's index comes back
// too). The primary keys and unique constraints stay: the already-imported check and ON CONFLICT use them.
const BULK_TABLES = ["demands", "demand_events"];

/**
 * Drops the secondary indexes and the foreign keys of the bulk-loaded tables (which locks them for the rest of the
 * transaction) and returns the step that makes them again: each index built once over the whole table, each
 * foreign key checked by one query instead of a lookup per inserted row.
 */
export async function dropSecondaryIndexes(tx: Sql): Promise<() => Promise<void>> {
  const indexes = await tx.query<{ name: string; definition: string }>(
    `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE i.indrelid = ANY ($1::regclass[]) AND NOT i.indisprimary
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
      ORDER BY c.relname`,
    [BULK_TABLES],
  );
  const keys = await tx.query<{ tbl: string; name: string; definition: string }>(
    `SELECT k.conrelid::regclass::text AS tbl, quote_ident(k.conname) AS name,
            pg_get_constraintdef(k.oid) AS definition
       FROM pg_constraint k
      WHERE k.contype = 'f' AND k.conrelid = ANY ($1::regclass[])
      ORDER BY k.conname`,
    [BULK_TABLES],
  );
  await execAsOwner(
    tx,
    [
      `LOCK TABLE ${BULK_TABLES.join(", ")} IN ACCESS EXCLUSIVE MODE`,
      ...keys.map((k) => `ALTER TABLE ${k.tbl} DROP CONSTRAINT ${k.name}`),
      ...indexes.map((i) => `DROP INDEX ${i.name}`),
    ].join(";\n"),
  );
  return async () => {
    await execAsOwner(
      tx,
      [
        ...indexes.map((i) => i.definition),
        ...keys.map((k) => `ALTER TABLE ${k.tbl} ADD CONSTRAINT ${k.name} ${k.definition}`),
      ].join(";\n"),
    );
  };
}
