import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { testDatabaseUrl } from "../../tests/helpers.ts";

const BAD_FILE = new URL("../../tests/fixtures/sp156-bad.csv", import.meta.url).pathname;
const onServer = Boolean(process.env.DATABASE_URL);

/** Runs `cli import FILE` (or another command) as its own process on `dataDir` or the database at `databaseUrl`. */
function cli(args: string[], place: { dataDir: string; databaseUrl?: string }) {
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATA_DIR: place.dataDir,
    DATABASE_URL: place.databaseUrl,
    SEED_DEMO: "never",
    LOG_LEVEL: "warn",
  };
  if (!place.databaseUrl) {
    delete env.DATABASE_URL;
    delete env.READ_DATABASE_URL;
  }
  const child = spawn(process.execPath, ["--import", "tsx", "server/cli/main.ts", ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    err += c.toString();
  });
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, out, err })),
  );
}

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "responsiva-import-cli-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("npm run import", () => {
  it("refuses a fresh data directory whose city is not loaded, with a clear error and a non-zero exit", async () => {
    const run = await cli(["import", BAD_FILE], { dataDir: freshDir() });
    assert.equal(run.code, 78, run.err);
    assert.match(run.err, /the city is not loaded/);
    assert.match(run.err, /npm run seed/);
    assert.doesNotMatch(run.out, /unknown_service/);
  });

  it("imports into a loaded city, with flagged rows in the summary", async () => {
    // On PostgreSQL the run's template database has the city; on PGlite the CLI loads it first, as a city would.
    const place = onServer
      ? { dataDir: freshDir(), databaseUrl: await testDatabaseUrl() }
      : { dataDir: freshDir() };
    if (!onServer) assert.equal((await cli(["seed", "--fixture"], place)).code, 0);
    const run = await cli(["import", BAD_FILE], place);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /imported +13/);
    assert.match(run.out, /rejected +8/);
    assert.match(run.out, /flagged +1 /);
    assert.match(run.out, /closed_before_opened +1/);
  });
});
