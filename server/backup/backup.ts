/**
 * Backups of the embedded database (decision 0036): one archive holding the PGlite data directory, dumped while no
 * other statement runs, the attachment files its rows point at, and a manifest (version, migrations, row counts,
 * checksums). A running app makes the backup itself when asked on its backup socket, so the city keeps working;
 * with the app stopped the command opens the data directory on its own.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { chmod, mkdir, readFile, rename, rm } from "node:fs/promises";
import { connect as connectSocket, createServer, type Server } from "node:net";
import { dirname, join } from "node:path";
import { type Db, pgliteOf } from "../db/index.ts";
import { runAcrossTenants } from "../tenants/current.ts";
import {
  type AppliedMigration,
  appliedMigrations,
  backupSocketPath,
  countRows,
  embeddedDatabaseState,
  listTables,
} from "./inventory.ts";
import { createTarWriter } from "./tar.ts";

/** The archive's own description, stored as its last entry `manifest.json`. */
export interface Manifest {
  format: "responsiva-backup";
  formatVersion: 1;
  appVersion: string;
  createdAt: string;
  engine: "pglite";
  migrations: AppliedMigration[];
  counts: Record<string, number>;
  database: { path: string; bytes: number; sha256: string };
  attachments: {
    store: "local" | "s3";
    files: Array<{ path: string; bytes: number; sha256: string }>;
    /** Files referenced at the snapshot but gone when copied: their rows were erased in between. */
    missing: string[];
    note?: string;
  };
}

export const MANIFEST = "manifest.json";
export const DATABASE = "database.tar.gz";
export const ATTACHMENTS_PREFIX = "attachments/";

/** The package's version, recorded in every manifest. */
export const APP_VERSION: string = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
).version;

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/**
 * Writes a backup of `db` (the embedded database) and the attachments under `dataDir` to `out`, written aside and
 * renamed so a file at `out` is always complete. With an S3 store the files live in the bucket, which is backed up
 * by its own means; the archive then holds the database only and says so.
 */
export async function createBackup(
  db: Db,
  options: { dataDir: string; out: string; attachmentsStore?: "local" | "s3" },
): Promise<Manifest> {
  const pglite = pgliteOf(db);
  if (!pglite) throw new Error("backup is for the embedded database; on a PostgreSQL server use pg_dump");
  // One transaction holds PGlite's turn: no other statement of this process runs between the counts, the list of
  // files and the dump, so the three describe the same instant. A checkpoint first keeps the WAL to replay short.
  await runAcrossTenants(() => db.exec("CHECKPOINT"));
  // Every tenant's rows are counted and their files listed: the backup is the install's own work.
  const snapshot = await runAcrossTenants(() =>
    db.transaction(async (tx) => {
      const tables = await listTables(tx);
      return {
        migrations: await appliedMigrations(tx),
        counts: await countRows(tx, tables),
        keys: (
          await tx.query<{ storage_key: string }>("SELECT DISTINCT storage_key FROM attachments ORDER BY 1")
        ).map((r) => r.storage_key),
        dump: Buffer.from(await (await pglite.dumpDataDir("gzip")).arrayBuffer()),
      };
    }),
  );
  const store = options.attachmentsStore ?? "local";
  const manifest: Manifest = {
    format: "responsiva-backup",
    formatVersion: 1,
    appVersion: APP_VERSION,
    createdAt: new Date().toISOString(),
    engine: "pglite",
    migrations: snapshot.migrations,
    counts: snapshot.counts,
    database: { path: DATABASE, bytes: snapshot.dump.length, sha256: sha256(snapshot.dump) },
    attachments:
      store === "s3"
        ? { store, files: [], missing: [], note: "the S3 bucket is backed up by its own means" }
        : { store, files: [], missing: [] },
  };
  await mkdir(dirname(options.out), { recursive: true });
  const partial = `${options.out}.${process.pid}.partial`;
  const tar = await createTarWriter(partial);
  try {
    await tar.add(DATABASE, snapshot.dump);
    if (store === "local") {
      // Files are written before the row that names them commits and never changed afterwards (their name is their
      // SHA-256), so every file the snapshot references exists unless its demand was erased since.
      for (const key of snapshot.keys) {
        const content = await readFile(join(options.dataDir, "attachments", key)).catch(() => undefined);
        if (!content) {
          manifest.attachments.missing.push(key);
          continue;
        }
        const path = ATTACHMENTS_PREFIX + key;
        await tar.add(path, content);
        manifest.attachments.files.push({ path, bytes: content.length, sha256: sha256(content) });
      }
    }
    await tar.add(MANIFEST, Buffer.from(JSON.stringify(manifest, null, 2)));
    await tar.close();
    await rename(partial, options.out);
  } catch (error) {
    await tar.abort().catch(() => {});
    await rm(partial, { force: true });
    throw error;
  }
  return manifest;
}

/** One line the app answers a backup request with. */
type SocketAnswer = { ok: true; manifest: Manifest } | { ok: false; error: string };

/**
 * Listens on DATA_DIR/backup.sock (readable by the app's own user only) so `npm run backup` can ask the running
 * app for a backup: a request is one JSON line `{"out": "/path/file.tar"}`, the answer one JSON line. Resolves with
 * the function that stops listening.
 */
export async function startBackupSocket(
  db: Db,
  options: { dataDir: string; attachmentsStore?: "local" | "s3" },
): Promise<() => Promise<void>> {
  const path = backupSocketPath(options.dataDir);
  // A socket file left by a process that died answers nobody and would block listen().
  if ((await embeddedDatabaseState(options.dataDir)) !== "running") await rm(path, { force: true });
  let busy = false;
  const server: Server = createServer((client) => {
    let input = "";
    client.on("error", () => {});
    client.on("data", (chunk) => {
      input += chunk.toString();
      if (!input.includes("\n")) return;
      const answer = async (): Promise<SocketAnswer> => {
        if (busy) return { ok: false, error: "a backup is already running" };
        busy = true;
        try {
          const { out } = JSON.parse(input) as { out: string };
          return { ok: true, manifest: await createBackup(db, { ...options, out }) };
        } catch (error) {
          return { ok: false, error: (error as Error).message };
        } finally {
          busy = false;
        }
      };
      void answer().then((a) => client.end(`${JSON.stringify(a)}\n`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ path, readableAll: false, writableAll: false }, resolve);
  });
  // Whoever can talk to the socket can have the city's data written out: the app's own user only.
  await chmod(path, 0o600);
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
    });
}

/** Asks the app running on `dataDir` for a backup written to `out`; resolves with its manifest. */
export function requestBackup(dataDir: string, out: string): Promise<Manifest> {
  return new Promise((resolve, reject) => {
    const client = connectSocket(backupSocketPath(dataDir));
    let input = "";
    client.on("data", (chunk) => {
      input += chunk.toString();
    });
    client.on("error", reject);
    client.on("end", () => {
      try {
        const answer = JSON.parse(input) as SocketAnswer;
        if (answer.ok) resolve(answer.manifest);
        else reject(new Error(answer.error));
      } catch {
        reject(new Error("the running app gave no answer to the backup request"));
      }
    });
    client.write(`${JSON.stringify({ out })}\n`);
  });
}
