/**
 * Restores a backup archive (backup.ts) into a data directory: every checksum is verified before anything is put
 * in place, the database is unpacked beside the target and its row counts compared with the manifest, and only then
 * moved into DATA_DIR/pglite. A non-empty data directory is kept, renamed aside, and only when the caller forces it.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, open, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { connect } from "../db/index.ts";
import { readMigrations } from "../db/migrate.ts";
import { runAcrossTenants } from "../tenants/current.ts";
import { ATTACHMENTS_PREFIX, DATABASE, MANIFEST, type Manifest } from "./backup.ts";
import { countDifferences, countRows, listTables } from "./inventory.ts";
import { readTarEntry, readTarIndex } from "./tar.ts";

/** What a restore did: the manifest it followed, and where the data directory it replaced went. */
export interface RestoreResult {
  manifest: Manifest;
  replacedTo: string | undefined;
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/**
 * Restores `file` into `dataDir` (the database into `pglite/`, the files into `attachments/`). Refuses a data
 * directory whose database is not empty unless `force`, which renames it to `pglite.before-restore-<time>`.
 */
export async function restoreBackup(
  file: string,
  dataDir: string,
  options: { force?: boolean } = {},
): Promise<RestoreResult> {
  const target = join(dataDir, "pglite");
  const occupied = existsSync(target) && readdirSync(target).length > 0;
  if (occupied && !options.force) {
    throw new Error(`${target} already holds a database; pass --force to set it aside and restore over it`);
  }
  const archive = await open(file, "r");
  try {
    const entries = new Map((await readTarIndex(archive)).map((e) => [e.name, e]));
    const manifestEntry = entries.get(MANIFEST);
    if (!manifestEntry) throw new Error(`${file} has no ${MANIFEST}: not a complete backup`);
    const manifest = JSON.parse((await readTarEntry(archive, manifestEntry)).toString()) as Manifest;
    if (manifest.format !== "responsiva-backup" || manifest.formatVersion !== 1) {
      throw new Error(`${file} is not a Responsiva backup of a format this version reads`);
    }
    checkMigrationsKnown(manifest);
    const dumpEntry = entries.get(DATABASE);
    if (!dumpEntry) throw new Error(`${file} has no ${DATABASE}`);
    const dump = await readTarEntry(archive, dumpEntry);
    if (sha256(dump) !== manifest.database.sha256) throw new Error(`${DATABASE} does not match its checksum`);
    // Every file is checked before the first one is written, so a damaged archive changes nothing.
    for (const f of manifest.attachments.files) {
      const entry = entries.get(f.path);
      if (!entry || sha256(await readTarEntry(archive, entry)) !== f.sha256) {
        throw new Error(`${f.path} is missing from the archive or does not match its checksum`);
      }
    }
    const staging = `${target}.restoring-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    try {
      const db = await connect({ dataDir: staging, loadDataDir: new Blob([new Uint8Array(dump)]) });
      try {
        const counted = await runAcrossTenants(async () => countRows(db, await listTables(db)));
        const differences = countDifferences(manifest.counts, counted);
        if (differences.length > 0) {
          throw new Error(`the restored database differs from the manifest: ${differences.join("; ")}`);
        }
      } finally {
        await db.close();
      }
      for (const f of manifest.attachments.files) {
        // Names are content hashes: a file already there with the same name has the same bytes.
        const path = join(dataDir, "attachments", f.path.slice(ATTACHMENTS_PREFIX.length));
        if (existsSync(path)) continue;
        await mkdir(dirname(path), { recursive: true });
        await writeFile(`${path}.partial`, await readTarEntry(archive, entries.get(f.path)!));
        await rename(`${path}.partial`, path);
      }
      let replacedTo: string | undefined;
      if (existsSync(target)) {
        replacedTo = occupied ? `${target}.before-restore-${timestamp()}` : undefined;
        if (replacedTo) await rename(target, replacedTo);
        else await rm(target, { recursive: true });
      }
      await rename(staging, target);
      return { manifest, replacedTo };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  } finally {
    await archive.close();
  }
}

/** A backup made by a newer version holds migrations this code does not know: refused, it would not start. */
function checkMigrationsKnown(manifest: Manifest): void {
  const known = new Map(readMigrations().map((m) => [m.version, m.checksum]));
  const unknown = manifest.migrations.filter((m) => known.get(m.version) !== m.checksum);
  if (unknown.length > 0) {
    throw new Error(
      `the backup was made by another version (${manifest.appVersion}): migrations ${unknown
        .map((m) => `${m.version}_${m.name}`)
        .join(", ")} are not this version's; restore it with the version that made it`,
    );
  }
}

/** A file-name-safe UTC time, e.g. 20261204-153000. */
export function timestamp(date = new Date()): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace("T", "-")
    .replace(/\.\d+Z$/, "");
}
