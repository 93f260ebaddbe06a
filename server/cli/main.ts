/**
 * The command line: `migrate`, `seed` (the demo city; its staff accounts on the embedded database, or with
 * --accounts), `import FILE` (SP156-format CSV) and `create-admin` (the first administrator).
 * Run through npm: `npm run migrate`, `npm run seed`, `npm run import -- FILE`, `npm run create-admin -- --email …`.
 */
import { loadConfig } from "../config.ts";
import { connect } from "../db/index.ts";
import { migrate } from "../db/migrate.ts";
import { runImportCommand } from "../imports/command.ts";
import { runCreateAdminCommand } from "./create-admin.ts";
import { seedDemoCity } from "./seed.ts";

const [command, ...args] = process.argv.slice(2);
const config = loadConfig();
const db = await connect({
  databaseUrl: config.databaseUrl,
  dataDir: `${config.dataDir}/pglite`,
  poolSize: 4,
});
try {
  const applied = await migrate(db);
  switch (command) {
    case "migrate":
      console.log(applied.length > 0 ? `Applied: ${applied.join(", ")}` : "Up to date.");
      break;
    case "seed":
      await seedDemoCity(db, {
        sharedDataDir: config.sharedDataDir,
        scope: args.includes("--fixture") ? "fixture" : "full",
        accounts: args.includes("--accounts") || config.seedDemoAccounts,
        log: (l) => console.log(l),
      });
      break;
    case "import":
      process.exitCode = await runImportCommand(db, args);
      break;
    case "create-admin":
      process.exitCode = await runCreateAdminCommand(db, config, args);
      break;
    default:
      console.error(
        "Usage: cli migrate | seed [--fixture] [--accounts] | import FILE.csv | create-admin --email EMAIL",
      );
      process.exitCode = 64;
  }
} finally {
  await db.close();
}
