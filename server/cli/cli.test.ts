import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cliHarness, type Run } from "../../tests/cli-harness.ts";
import { freshDatabaseUrl } from "../../tests/fresh-database.ts";
import { testDb } from "../../tests/helpers.ts";
import { parseConfig } from "../config.ts";
import { findDemoAccountsWithKnownPassword, setAdministrator } from "../staff/first-admin.ts";
import { runCli } from "./commands.ts";
import { SharedDataMissing, seedDemoCity } from "./seed.ts";

const onServer = Boolean(process.env.DATABASE_URL);
const { dataDir, env, run, emptyDataDir } = await cliHarness();

describe("the command line's usage", () => {
  const commands = ["migrate", "seed", "import", "create-admin", "backup", "restore", "export-to"];

  /** Runs the CLI in this process with the environment pointing nowhere, capturing what it prints. */
  async function cliOutput(argv: string[]): Promise<Run> {
    // A database nobody listens on and a data folder that does not exist: usage must need neither, and the
    // environment is not read at all (a connection attempt would fail or hang this test).
    const saved = { ...process.env };
    Object.assign(process.env, {
      DATABASE_URL: "postgres://responsiva@127.0.0.1:9/none",
      DATA_DIR: "/nonexistent",
    });
    const lines: string[] = [];
    const { log, error } = console;
    console.log = console.error = (...parts: unknown[]) => void lines.push(parts.join(" "));
    try {
      const code = await runCli(argv);
      return { code, out: lines.join("\n") };
    } finally {
      Object.assign(console, { log, error });
      process.env = saved;
    }
  }

  it("answers --help on every command with its usage, without touching the database", async () => {
    for (const c of commands) {
      const result = await cliOutput([c, "--help"]);
      assert.equal(result.code, 0, `${c}: ${result.out}`);
      assert.match(result.out, new RegExp(`^Usage: ${c}\\b`), result.out);
    }
    const all = await cliOutput(["--help"]);
    assert.equal(all.code, 0);
    for (const c of commands) assert.match(all.out, new RegExp(`^  ${c}\\b`, "m"));
  });

  it("answers an unknown or missing command with the usage and exit code 64", async () => {
    const unknown = await cliOutput(["migrat"]);
    assert.equal(unknown.code, 64);
    assert.match(unknown.out, /Unknown command: migrat/);
    assert.match(unknown.out, /Commands: migrate, seed, import/);
    assert.equal((await cliOutput([])).code, 64);
  });
});

describe("demo seed", () => {
  it("gives the demo city its staff accounts on the embedded database, and on a server only when asked", () => {
    const rule = (env: Record<string, string>) => {
      const parsed = parseConfig(env);
      if ("problems" in parsed) throw new Error(parsed.problems.join("; "));
      return parsed.config.seedDemoAccounts;
    };
    const server = "postgres://responsiva@db.example:5432/responsiva";
    assert.equal(rule({}), true, "npm start: the demo with its accounts");
    assert.equal(rule({ DATABASE_URL: server }), false, "a city's server: no known passwords");
    assert.equal(rule({ DATABASE_URL: server, SEED_DEMO_ACCOUNTS: "true" }), true);
    assert.equal(rule({ SEED_DEMO_ACCOUNTS: "false" }), false);
    assert.ok("problems" in parseConfig({ SEED_DEMO_ACCOUNTS: "yes" }));
  });

  it("loads the demo city without its staff accounts unless asked, and finds those left with the demo password", async () => {
    const db = await testDb();
    const demo = async () =>
      (
        await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM staff_users WHERE email LIKE '%@responsiva.local'",
        )
      )[0]!.n;
    await db.query(
      "DELETE FROM staff_sessions WHERE user_id IN (SELECT id FROM staff_users WHERE email LIKE '%@responsiva.local')",
    );
    await db.query("DELETE FROM staff_users WHERE email LIKE '%@responsiva.local'");
    const options = {
      sharedDataDir: process.env.SHARED_DATA_DIR ?? "../shared/data",
      scope: "fixture" as const,
    };
    await seedDemoCity(db, options);
    assert.equal(await demo(), 0);
    await seedDemoCity(db, { ...options, accounts: true });
    assert.equal(await demo(), 8);
    const known = [process.env.DEMO_ADMIN_PASSWORD ?? "responsiva-admin"];
    assert.equal(
      (await findDemoAccountsWithKnownPassword(db, known)).length,
      8,
      "each start warns about them",
    );
    await setAdministrator(db, { email: "admin@responsiva.local", password: "a-New-secret-for-the-city" });
    assert.equal(
      (await findDemoAccountsWithKnownPassword(db, known)).includes("admin@responsiva.local"),
      false,
    );
    assert.equal((await findDemoAccountsWithKnownPassword(db, known)).length, 7);
  });
});

describe("the demo city's data missing", () => {
  const noData = { ...env, SHARED_DATA_DIR: join(dataDir, "no-shared-data"), SEED_DEMO: "auto" };
  const saysWhatAndHow = (result: Run) => {
    assert.match(result.out, /The demo city \(São Paulo\) cannot be loaded: its open data is missing from /);
    assert.match(result.out, /no-shared-data\n {2}- sao-paulo-geo\/sp_subprefeituras\.geojson/);
    assert.match(result.out, /SHARED_DATA_DIR/);
    assert.match(result.out, /SEED_DEMO=never/);
  };

  it("stops seeding before writing anything, saying what is missing, where and what to do", async () => {
    const db = await testDb();
    const count = "SELECT (SELECT count(*) FROM services) + (SELECT count(*) FROM subprefeituras) AS n";
    const before = await db.query(count);
    const seeding = seedDemoCity(db, { sharedDataDir: noData.SHARED_DATA_DIR, scope: "full" });
    await assert.rejects(seeding, (error: Error) => {
      assert.ok(error instanceof SharedDataMissing);
      saysWhatAndHow({ code: null, out: error.message });
      return true;
    });
    assert.deepEqual(await db.query(count), before, "nothing written");
  });

  it("stops the app's first start (npm start) with a non-zero exit and the same words", async () => {
    // The file's database already holds the city: an empty one is the first start (a fresh clone's data folder).
    const firstStart = onServer
      ? { ...noData, DATABASE_URL: await freshDatabaseUrl("h13_cli_first_start") }
      : { ...noData, DATA_DIR: emptyDataDir() };
    const result = await run(["--roles=web"], "", firstStart, "server/main.ts");
    assert.equal(result.code, 66, result.out);
    saysWhatAndHow(result);
  });
});
