/**
 * The command-line faces of backup.ts, restore.ts and export-to.ts: `backup [FILE]`, `restore FILE [--force]`,
 * `export-to URL [--force]`. Each answers --help without touching the database and returns its exit code.
 */
import { resolve } from "node:path";
import type { Config } from "../config.ts";
import { connect } from "../db/index.ts";
import { migrate } from "../db/migrate.ts";
import { attachmentStoreOf } from "../storage/store.ts";
import { createBackup, type Manifest, requestBackup } from "./backup.ts";
import { copyAttachments, exportTo } from "./export-to.ts";
import { embeddedDatabaseState } from "./inventory.ts";
import { restoreBackup, timestamp } from "./restore.ts";

/** Usage lines, printed on --help and on a wrong call. */
export const USAGE = {
  backup:
    "backup [FILE] [--force]  back up the embedded database and the attachments into one archive\n" +
    "  (default FILE: backups/responsiva-<time>.tar). A running app makes the backup itself; with the app\n" +
    "  stopped the data directory is opened directly. --force opens a data directory a crashed app left open.\n" +
    "  On a PostgreSQL server use pg_dump (docs/backup-and-upgrade.md).",
  restore:
    "restore FILE [--force]  restore an archive made by `backup` into DATA_DIR (stop the app first).\n" +
    "  A data directory that already holds a database is refused; --force renames it aside and restores.",
  "export-to":
    "export-to postgres://USER@HOST/DB [--force]  move the embedded city to a PostgreSQL server with PostGIS\n" +
    "  (stop the app first): all tables, sequences, in one transaction, counts checked per table.\n" +
    "  A target that already holds a city is refused; --force replaces it. Attachments stay in DATA_DIR, or\n" +
    "  are copied into the S3 bucket first when ATTACHMENTS_STORE=s3 and the S3_* variables are set.",
} as const;

const EX_USAGE = 64;
const positional = (args: string[]) => args.filter((a) => !a.startsWith("--"));
const pgliteDir = (config: Config) => `${config.dataDir}/pglite`;
const storeOf = (config: Config) => (config.s3 ? "s3" : "local") as "local" | "s3";

/** `backup [FILE]`: through the running app when there is one, else on the data directory itself. */
export async function runBackupCommand(config: Config, args: string[]): Promise<number> {
  if (args.includes("--help")) return help("backup");
  if (config.databaseUrl) {
    console.error(
      "DATABASE_URL is set: back the server up with pg_dump or PITR (docs/backup-and-upgrade.md).",
    );
    return EX_USAGE;
  }
  const out = resolve(positional(args)[0] ?? `backups/responsiva-${timestamp()}.tar`);
  const state = await embeddedDatabaseState(config.dataDir);
  let manifest: Manifest;
  if (state === "running") {
    console.log("The app is running: it writes the backup itself.");
    manifest = await requestBackup(config.dataDir, out);
  } else {
    if (state === "left-open" && !args.includes("--force")) return leftOpen(config);
    const db = await connect({ dataDir: pgliteDir(config) });
    try {
      manifest = await createBackup(db, { dataDir: config.dataDir, out, attachmentsStore: storeOf(config) });
    } finally {
      await db.close();
    }
  }
  const demands = manifest.counts.demands ?? 0;
  console.log(
    `Backup written to ${out}: ${demands} demands, ${manifest.attachments.files.length} attachment files` +
      (manifest.attachments.store === "s3"
        ? " (attachments are in the S3 bucket: back it up by its own means)"
        : ""),
  );
  if (manifest.attachments.missing.length > 0) {
    console.warn(
      `${manifest.attachments.missing.length} files were erased while the backup ran (see manifest).`,
    );
  }
  return 0;
}

/** `restore FILE [--force]`, with the app stopped. */
export async function runRestoreCommand(config: Config, args: string[]): Promise<number> {
  if (args.includes("--help")) return help("restore");
  const [file] = positional(args);
  if (!file) return wrongCall("restore");
  if ((await embeddedDatabaseState(config.dataDir)) === "running") return running();
  try {
    const result = await restoreBackup(resolve(file), config.dataDir, { force: args.includes("--force") });
    const m = result.manifest;
    console.log(
      `Restored ${m.counts.demands ?? 0} demands and ${m.attachments.files.length} attachment files from a backup of ` +
        `${m.createdAt} (version ${m.appVersion}) into ${config.dataDir}.`,
    );
    if (result.replacedTo) console.log(`The database that was there is kept in ${result.replacedTo}.`);
    return 0;
  } catch (error) {
    console.error(`Restore refused: ${(error as Error).message}`);
    return 1;
  }
}

/** `export-to URL [--force]`, with the app stopped. */
export async function runExportToCommand(config: Config, args: string[]): Promise<number> {
  if (args.includes("--help")) return help("export-to");
  const [url] = positional(args);
  if (!url || !/^postgres(ql)?:\/\//.test(url)) return wrongCall("export-to");
  const state = await embeddedDatabaseState(config.dataDir);
  if (state === "running") return running();
  if (state === "left-open" && !args.includes("--force")) return leftOpen(config);
  const source = await connect({ dataDir: pgliteDir(config) });
  try {
    await migrate(source);
    if (config.s3) {
      const copied = await copyAttachments(
        source,
        `${config.dataDir}/attachments`,
        attachmentStoreOf(config),
      );
      console.log(`${copied} attachment files copied into the bucket ${config.s3.bucket}.`);
    }
    const { counts } = await exportTo(source, url, { force: args.includes("--force"), log: console.log });
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    console.log(
      `Moved ${total} rows in ${Object.keys(counts).length} tables (${counts.demands ?? 0} demands); counts match.`,
    );
    if (!config.s3) {
      console.log(
        `Attachments stay in ${config.dataDir}/attachments: keep DATA_DIR when you set DATABASE_URL ` +
          "(docs/backup-and-upgrade.md).",
      );
    }
    return 0;
  } catch (error) {
    console.error(`Export refused, the target is unchanged: ${(error as Error).message}`);
    return 1;
  } finally {
    await source.close();
  }
}

function help(command: keyof typeof USAGE): number {
  console.log(`Usage: ${USAGE[command]}`);
  return 0;
}

function wrongCall(command: keyof typeof USAGE): number {
  console.error(`Usage: ${USAGE[command]}`);
  return EX_USAGE;
}

function running(): number {
  console.error(
    "The app is running on this data directory: stop it first (a backup can be taken while it runs).",
  );
  return 1;
}

function leftOpen(config: Config): number {
  console.error(
    `${pgliteDir(config)}/postmaster.pid is there but no app answers: is an app of an older version running, or did ` +
      "one crash? Stop it, or start and stop the app once, or pass --force if you are sure nothing uses it.",
  );
  return 1;
}
