/**
 * The command line: `migrate`, `seed` (the demo city) and `import FILE` (SP156-format CSV).
 * Run through npm: `npm run migrate`, `npm run seed`, `npm run import -- FILE`.
 */
import { loadConfig } from "../config.ts";
import { connect } from "../db/index.ts";
import { migrate } from "../db/migrate.ts";
import { runImportCommand } from "../imports/command.ts";
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
        log: (l) => console.log(l),
      });
      break;
    case "import":
      process.exitCode = await runImportCommand(db, args);
      break;
    default:
      console.error("Usage: cli migrate | seed [--fixture] | import FILE.csv");
      process.exitCode = 64;
  }
} finally {
  await db.close();
}
