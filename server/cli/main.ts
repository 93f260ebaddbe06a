/**
 * The command line: `npm run migrate`, `npm run import -- FILE` … or, in production, `node dist/cli.js migrate`.
 * The commands and their usage are in commands.ts; `--help` lists them.
 */
import { runCli } from "./commands.ts";

// backup, restore and export-to may leave a socket or a worker thread behind them: exit rather than wait for it.
process.exit(await runCli(process.argv.slice(2)));
