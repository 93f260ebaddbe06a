/**
 * A PostgreSQL 15 server of the soak's own, in a temporary folder on a loopback port: the soak stops and starts it
 * at will, which it must never do to the shared server on 5432. As root the server runs as the `postgres` user
 * (initdb refuses root). Removed when stopped.
 */
import { execFile, execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

/** A running server of the soak's own. */
export interface OwnPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/responsiva`. */
  url: string;
  /** Stops it at once, as a crash would (`pg_ctl stop -m immediate`): no checkpoint, recovery on the next start. */
  crash(): Promise<void>;
  /** Starts it again and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  remove(): void;
}

/** A server binary's command line, run as `postgres` when this process is root. */
function command(program: string, args: string[]): [string, string[]] {
  if (process.getuid?.() === 0) return ["runuser", ["-u", "postgres", "--", join(BIN, program), ...args]];
  return [join(BIN, program), args];
}

/** Runs a server binary and waits for it, blocking (set-up only). */
const run = (program: string, args: string[]) =>
  void execFileSync(...command(program, args), { stdio: ["ignore", "pipe", "pipe"] });

/** Runs a server binary without blocking the event loop (the soak's clients keep measuring meanwhile). */
const runAsync = async (program: string, args: string[]) =>
  void (await promisify(execFile)(...command(program, args)));

/** Creates, starts and fills a new cluster listening on 127.0.0.1:`port` with a database `responsiva`. */
export function startOwnPostgres(port: number): OwnPostgres {
  const dir = mkdtempSync(join(tmpdir(), "responsiva-soak-pg-"));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-instructions"]);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c max_connections=200 -c fsync=on`;
  const startArgs = ["-D", data, "-l", join(dir, "server.log"), "-o", options, "-w", "start"];
  run("pg_ctl", startArgs);
  run("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "responsiva"]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/responsiva`,
    crash: () => runAsync("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]),
    start: () => runAsync("pg_ctl", startArgs),
    remove() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
