/**
 * The one entry point. `--roles=web,worker,scheduler` (all three by default) picks what this process does; any
 * number of processes of each role may share one PostgreSQL server. Logs are JSON lines on stdout (LOG_LEVEL).
 * SIGTERM or SIGINT drains the process within SHUTDOWN_TIMEOUT_MS (see `shutdown` below).
 */

import { startBackupSocket } from "./backup/backup.ts";
import { isEmptyCity, SharedDataMissing, seedDemoCity } from "./cli/seed.ts";
import { loadConfig, ROLES, type Role } from "./config.ts";
import type { AppContext } from "./context.ts";
import { connect } from "./db/index.ts";
import { MigrationRefused, migrate } from "./db/migrate.ts";
import { replicaReader } from "./db/replica.ts";
import { startPublisher } from "./events/publisher.ts";
import { buildApp } from "./http/app.ts";
import { JOBS, PERIODIC } from "./jobs/registry.ts";
import { startWorker } from "./jobs/runner.ts";
import { startScheduler } from "./jobs/scheduler.ts";
import { startHeartbeat } from "./observability/heartbeat.ts";
import { logger } from "./observability/log.ts";
import { databaseRegistry, processRegistry } from "./observability/metrics.ts";
import { startMetricsListener } from "./observability/metrics-endpoint.ts";
import { findDemoAccountsWithKnownPassword } from "./staff/first-admin.ts";
import { startConfiguredSip } from "./telephony/sip.ts";

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

const log = logger("main", { lifecycle: true });
const roles = parseRoles(process.argv.slice(2));
const config = loadConfig();
const db = await connect({
  databaseUrl: config.databaseUrl,
  dataDir: `${config.dataDir}/pglite`,
  poolSize: config.poolSize,
});
const reader = config.readDatabaseUrl
  ? replicaReader(
      db,
      await connect({ databaseUrl: config.readDatabaseUrl, poolSize: config.poolSize }),
      config.readReplicaMaxLagSeconds,
    )
  : undefined;
const ctx: AppContext = { db, config, reader };
const applied = await migrate(db).catch(refuseToStart);
if (applied.length > 0) log.info(`Applied migrations: ${applied.join(", ")}`);
if (config.seedDemo === "auto" && (await isEmptyCity(db))) {
  log.info("Loading the demo city (São Paulo) from the open data; this happens once.");
  // The demo accounts share a public password: only the embedded demo gets them, unless SEED_DEMO_ACCOUNTS asks.
  await seedDemoCity(db, {
    sharedDataDir: config.sharedDataDir,
    scope: "full",
    accounts: config.seedDemoAccounts,
    log: (l) => log.info(l),
  }).catch(refuseToStart);
}
if (!config.seedDemoAccounts) {
  // A server seeded by an earlier release may still let anyone in with the demo password: say so at every start.
  const exposed = await findDemoAccountsWithKnownPassword(db, [config.demoAdminPassword]);
  if (exposed.length > 0) {
    log.warn(
      `WARNING: ${exposed.length} demo staff account(s) still have the public demo password (${exposed.join(", ")}):` +
        " disable them in /admin or reset each with npm run create-admin -- --email … (docs/operations.md)",
    );
  }
}

// Every role announces its own commits (intake, workflow, alarms) to the web processes' live-event hubs. PGlite is
// one process, whose hub wakes on its own commits: there is nobody else to tell.
const publisher = db.kind === "postgres" ? startPublisher(db) : undefined;
const app = roles.includes("web") ? await buildApp(ctx, { logger: true, roles }) : undefined;
let sip: Awaited<ReturnType<typeof startConfiguredSip>>;
if (app) {
  const address = await app.listen({ port: config.port, host: config.host });
  log.info(`Responsiva is up on ${address} (database: ${db.kind})`);
  sip = await startConfiguredSip(config, address);
  if (sip) log.info(`SIP gateway on ${config.sip?.host}:${sip.port} (udp)`);
}
// Renewed three times per lease, as with the default 30 s lease and 10 s heartbeat (decision 0023).
const lease = {
  leaseSeconds: config.workerLeaseSeconds,
  heartbeatMs: (config.workerLeaseSeconds * 1000) / 3,
};
const worker = roles.includes("worker") ? startWorker(ctx, JOBS, undefined, lease) : undefined;
const scheduler = roles.includes("scheduler") ? startScheduler(ctx, PERIODIC) : undefined;
const heartbeat = startHeartbeat(db, roles);
// `npm run backup` asks the process that holds the embedded database for a consistent copy (server/backup/).
const stopBackupSocket =
  db.kind === "pglite"
    ? await startBackupSocket(db, { dataDir: config.dataDir, attachmentsStore: config.s3 ? "s3" : "local" })
    : undefined;
// A worker or scheduler alone has no HTTP port: the metrics listener is how Prometheus reads its scan times.
const metrics =
  config.metricsPort === undefined
    ? undefined
    : await startMetricsListener(
        config.metricsHost,
        config.metricsPort,
        app?.metricsRegistries ?? [processRegistry(), databaseRegistry(db)],
      );
if (metrics) log.info(`Metrics on ${metrics.url}`);
log.info(`Roles: ${roles.join(", ")}`);

/** A database this version must not run on, or a demo city whose data is missing: says why, plainly, and exits. */
async function refuseToStart(error: unknown): Promise<never> {
  if (!(error instanceof MigrationRefused || error instanceof SharedDataMissing)) throw error;
  console.error(error.message);
  await db.close();
  process.exit(error instanceof SharedDataMissing ? 66 : 65); // EX_NOINPUT, EX_DATAERR
}

let stopping = false;
/**
 * Drains the process: readiness answers 503 at once (the proxy stops sending traffic), the server stops accepting
 * connections, live-event streams get a `reconnect` event and end, requests in flight finish; meanwhile the worker
 * stops (releasing the rows it claimed) and the scheduler stops; then the heartbeat rows go and the database
 * closes. Past SHUTDOWN_TIMEOUT_MS the process exits 1 whatever is still running.
 */
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  const started = Date.now();
  log.info({ signal }, `${signal}: stopping`);
  setTimeout(() => {
    log.error(`${signal}: still stopping after ${config.shutdownTimeoutMs} ms; exiting`);
    process.exit(1);
  }, config.shutdownTimeoutMs);
  if (app) app.lifecycle.draining = true;
  try {
    await sip?.close();
    await Promise.all([app?.close(), worker?.stop(), scheduler?.stop()]);
    await heartbeat.stop();
    await stopBackupSocket?.();
    await metrics?.close();
    await publisher?.stop();
    await reader?.close();
    await db.close();
  } catch (error) {
    log.error({ err: error }, `${signal}: stopping failed`);
    process.exit(1);
  }
  log.info(`${signal}: stopped in ${Date.now() - started} ms`);
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
