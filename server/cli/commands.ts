/**
 * The command line's registry: each command declares its usage, so `--help` (on the whole CLI or on one command)
 * answers from here without reading the environment or touching the database. server/cli/main.ts runs it.
 */
import { runBackupCommand, runExportToCommand, runRestoreCommand, USAGE } from "../backup/commands.ts";
import { type Config, loadConfig } from "../config.ts";
import { connect, type Db } from "../db/index.ts";
import { migrate } from "../db/migrate.ts";
import { runImportCommand } from "../imports/command.ts";
import { DEFAULT_TENANT, runAsTenant } from "../tenants/current.ts";
import { tenantDirectory } from "../tenants/queries.ts";
import { planCreateAdmin, runCreateAdminCommand } from "./create-admin.ts";
import { SharedDataMissing, seedDemoCity, UnknownSubprefeitura } from "./seed.ts";
import { runTenantCommand, TENANT_USAGE } from "./tenant.ts";

const EX_USAGE = 64;
const EX_NOINPUT = 66;

interface Command {
  /** `NAME ARGS  what it does`, continued on indented lines. */
  usage: string;
  /** Runs the command and returns the exit code; it reads the configuration only once it runs. */
  run: (config: Config, args: string[]) => Promise<number>;
}

/** Opens the configured database, brings it up to date, runs `use`, closes. */
const onDatabase =
  (use: (db: Db, config: Config, args: string[], applied: string[]) => Promise<number>) =>
  async (config: Config, args: string[]): Promise<number> => {
    const db = await connect({
      databaseUrl: config.databaseUrl,
      dataDir: `${config.dataDir}/pglite`,
      poolSize: 4,
    });
    try {
      const applied = await migrate(db);
      // `--tenant SLUG` runs the command as that tenant's work (seed, import, create-admin); the default tenant else.
      const tenant = await tenantOfArgs(db, args);
      if (tenant === undefined) return EX_USAGE;
      return await runAsTenant(tenant, () => use(db, config, withoutTenantArg(args), applied));
    } finally {
      await db.close();
    }
  };

/** The tenant `--tenant SLUG` names (the default tenant without it), or undefined after saying it is unknown. */
async function tenantOfArgs(db: Db, args: string[]): Promise<number | undefined> {
  const at = args.indexOf("--tenant");
  if (at < 0) return DEFAULT_TENANT;
  const slug = args[at + 1];
  const tenant = slug === undefined ? undefined : (await tenantDirectory(db)).bySlug.get(slug);
  if (!tenant) console.error(`Unknown tenant: ${slug ?? "(none)"}. The tenants: npm run tenant -- list`);
  return tenant?.id;
}

function withoutTenantArg(args: string[]): string[] {
  const at = args.indexOf("--tenant");
  return at < 0 ? args : [...args.slice(0, at), ...args.slice(at + 2)];
}

/** The commands, in the order `--help` lists them. */
const COMMANDS: Record<string, Command> = {
  migrate: {
    usage:
      "migrate  apply the migrations this version has and the database lacks (forward-only; several processes\n" +
      "  starting at once migrate once). The app also migrates when it starts.",
    run: onDatabase(async (_db, _config, _args, applied) => {
      console.log(applied.length > 0 ? `Applied: ${applied.join(", ")}` : "Up to date.");
      return 0;
    }),
  },
  seed: {
    usage:
      "seed [--fixture] [--accounts] [--subprefeitura CODE]  load the demo city (São Paulo) from SHARED_DATA_DIR;\n" +
      "  --fixture loads a small cut of its streets, --accounts adds the demo staff accounts (public password: never\n" +
      "  on a real city), --subprefeitura loads one of its subprefeituras as a city of its own.",
    run: onDatabase(async (db, config, args) => {
      try {
        const at = args.indexOf("--subprefeitura");
        const subprefeitura = at >= 0 ? args[at + 1] : undefined;
        await seedDemoCity(db, {
          sharedDataDir: config.sharedDataDir,
          scope: args.includes("--fixture") ? "fixture" : "full",
          ...(subprefeitura ? { subprefeitura } : {}),
          accounts: args.includes("--accounts") || config.seedDemoAccounts,
          log: (l) => console.log(l),
        });
        return 0;
      } catch (error) {
        if (error instanceof UnknownSubprefeitura) {
          console.error(error.message);
          return EX_USAGE;
        }
        if (!(error instanceof SharedDataMissing)) throw error;
        console.error(error.message);
        return EX_NOINPUT;
      }
    }),
  },
  import: {
    usage:
      "import FILE.csv [--dry-run] [--bulk]  import demands from an SP156-format CSV (the city must be loaded first);\n" +
      "  --dry-run checks every row and writes nothing;\n" +
      "  --bulk loads the whole file in one transaction with the demands' secondary indexes and keys rebuilt at the\n" +
      "  end: faster, but it locks the demands for the whole load (for the migration before going live).",
    run: onDatabase((db, _config, args) => runImportCommand(db, args)),
  },
  tenant: {
    usage: TENANT_USAGE,
    run: onDatabase((db, config, args) => runTenantCommand(db, config, args)),
  },
  "create-admin": {
    usage:
      "create-admin --email EMAIL [--name NAME] [--role admin|platform_operator] [--generate | --password-stdin]\n" +
      "  create the first administrator, or reset an account to an active administrator with a new password (asked\n" +
      "  on a terminal, else generated); --role platform_operator makes the install's operator (home tenant only),\n" +
      "  who creates and suspends tenants on the admin screen Cidades.",
    // The command line and the password are checked before the database is opened (server/cli/create-admin.ts).
    run: async (config, args) => {
      const plan = await planCreateAdmin(config, withoutTenantArg(args));
      if (typeof plan === "number") return plan;
      return onDatabase((db) => runCreateAdminCommand(db, plan))(config, args);
    },
  },
  // These open (or must not open) the embedded database themselves.
  backup: { usage: USAGE.backup, run: runBackupCommand },
  restore: { usage: USAGE.restore, run: runRestoreCommand },
  "export-to": { usage: USAGE["export-to"], run: runExportToCommand },
};

const HEADER = "Usage: npm run COMMAND -- [ARGS]   (production: node dist/cli.js COMMAND [ARGS])";
const isHelp = (arg: string | undefined) => arg === "--help" || arg === "-h" || arg === "help";

/** Parses argv, answers help and wrong calls, or runs the command; returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (isHelp(name)) {
    console.log(
      `${HEADER}\n\nCommands:\n${Object.values(COMMANDS)
        .map((c) => `  ${indent(c.usage)}`)
        .join("\n")}`,
    );
    return 0;
  }
  const command = name === undefined ? undefined : Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    if (name !== undefined) console.error(`Unknown command: ${name}`);
    console.error(`${HEADER}\nCommands: ${Object.keys(COMMANDS).join(", ")}. Details: --help`);
    return EX_USAGE;
  }
  if (args.includes("--help") || args.includes("-h")) {
    console.log(`Usage: ${command.usage}`);
    return 0;
  }
  return command.run(loadConfig(), args);
}

const indent = (usage: string) => usage.replaceAll("\n", "\n  ");
