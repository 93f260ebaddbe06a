/**
 * The one entry point. `--roles=web,worker,scheduler` (all three by default) picks what this process does; any
 * number of processes of each role may share one PostgreSQL server.
 */

import { isEmptyCity, seedDemoCity } from "./cli/seed.ts";
import { loadConfig, ROLES, type Role } from "./config.ts";
import type { AppContext } from "./context.ts";
import { connect } from "./db/index.ts";
import { migrate } from "./db/migrate.ts";
import { startPublisher } from "./events/publisher.ts";
import { buildApp } from "./http/app.ts";
import { JOBS, PERIODIC } from "./jobs/registry.ts";
import { startWorker } from "./jobs/runner.ts";
import { startScheduler } from "./jobs/scheduler.ts";
import { findDemoAccountsWithKnownPassword } from "./staff/first-admin.ts";

function parseRoles(argv: string[]): Role[] {
  const arg = argv.find((a) => a.startsWith("--roles="));
  if (!arg) return [...ROLES];
  const roles = arg.slice("--roles=".length).split(",");
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0) {
    console.error(`Unknown role(s): ${unknown.join(", ")}. Known: ${ROLES.join(", ")}`);
    process.exit(64);
  }
  return roles as Role[];
}

const roles = parseRoles(process.argv.slice(2));
const config = loadConfig();
const db = await connect({
  databaseUrl: config.databaseUrl,
  dataDir: `${config.dataDir}/pglite`,
  poolSize: config.poolSize,
});
const ctx: AppContext = { db, config };
const applied = await migrate(db);
if (applied.length > 0) console.log(`Applied migrations: ${applied.join(", ")}`);
if (config.seedDemo === "auto" && (await isEmptyCity(db))) {
  console.log("Loading the demo city (São Paulo) from the open data; this happens once.");
  // The demo accounts share a public password: only the embedded demo gets them, unless SEED_DEMO_ACCOUNTS asks.
  await seedDemoCity(db, {
    sharedDataDir: config.sharedDataDir,
    scope: "full",
    accounts: config.seedDemoAccounts,
    log: (l) => console.log(l),
  });
}
if (!config.seedDemoAccounts) {
  // A server seeded by an earlier release may still let anyone in with the demo password: say so at every start.
  const exposed = await findDemoAccountsWithKnownPassword(db, [config.demoAdminPassword]);
  if (exposed.length > 0) {
    console.warn(
      `WARNING: ${exposed.length} demo staff account(s) still have the public demo password (${exposed.join(", ")}):` +
        " disable them in /admin or reset each with npm run create-admin -- --email … (docs/operations.md)",
    );
  }
}

const stops: Array<() => Promise<void>> = [];
// Every role announces its own commits (intake, workflow, alarms) to the web processes' live-event hubs. PGlite is
// one process, whose hub wakes on its own commits: there is nobody else to tell.
const publisher = db.kind === "postgres" ? startPublisher(db) : undefined;
if (roles.includes("web")) {
  const app = await buildApp(ctx, { logger: true });
  const address = await app.listen({ port: config.port, host: config.host });
  console.log(`Responsiva is up on ${address} (database: ${db.kind})`);
  stops.push(() => app.close());
}
if (roles.includes("worker")) {
  const worker = startWorker(ctx, JOBS);
  stops.push(() => worker.stop());
}
if (roles.includes("scheduler")) {
  const scheduler = startScheduler(ctx, PERIODIC);
  stops.push(() => scheduler.stop());
}
console.log(`Roles: ${roles.join(", ")}`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping`);
  for (const stop of stops) await stop();
  await publisher?.stop();
  await db.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
