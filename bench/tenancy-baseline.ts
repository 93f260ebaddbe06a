/**
 * The indicator panels' cost of tenant enforcement, against the release before tenants (issue 16, decision 0059).
 * Turning the policies off (bench/tenancy.ts) is not the code without tenants: the kept tables' keys now start with
 * `tenant_id`, which only the policy hands the planner. The fair baseline is the last release without tenants
 * (`--baseline`, commit 02192c1) reading a database built by its own code, beside this tree reading its own, both of
 * the indicators city at `--demands` (bench/indicators-data.ts, the same generator in both), in the same run,
 * alternating run by run.
 *
 *   npm run bench -- tenancy-baseline [--baseline=02192c1] [--demands=1000000] [--runs=3] [--reads=3]
 *
 * The baseline's sources are unpacked with `git archive` into .cache/bench-baseline-<rev> (its node_modules is this
 * tree's: the lock file must be the same). Its database is `responsiva_bench_pretenant`, this tree's
 * `responsiva_bench_tenancy` (bench/tenancy.ts's); each is built when missing (about 6 minutes at 1 M demands).
 */
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import pg from "pg";
import { SERVER } from "./indicators-data.ts";

const ROOT = resolve(import.meta.dirname, "..");

function option(argv: string[], name: string, fallback: string): string {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function exists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: `${SERVER}/postgres` });
  await client.connect();
  try {
    return (await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rows.length > 0;
  } finally {
    await client.end();
  }
}

/** Runs a TypeScript file of `tree` with tsx, its output passed through; resolves with what it printed. */
function tsx(tree: string, args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", ...args], {
      cwd: tree,
      env: { ...process.env, LOG_LEVEL: "warn", SHARED_DATA_DIR: resolve(ROOT, "../shared/data") },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.on("close", (code) =>
      code === 0 ? done(out) : fail(new Error(`${args.join(" ")} in ${tree}: ${code}`)),
    );
  });
}

/** The baseline's sources, unpacked once, with this tree's node_modules and this tree's panel-reads.ts. */
function baselineTree(rev: string): string {
  const dir = join(ROOT, ".cache", `bench-baseline-${rev}`);
  if (!existsSync(join(dir, "package.json"))) {
    mkdirSync(dir, { recursive: true });
    const archive = execFileSync("git", ["archive", "--format=tar", rev], { cwd: ROOT, maxBuffer: 1 << 30 });
    execFileSync("tar", ["-x", "-C", dir], { input: archive });
  }
  const lock = (tree: string) => readFileSync(join(tree, "package-lock.json"), "utf8");
  if (lock(dir) !== lock(ROOT)) throw new Error(`${rev}'s package-lock.json differs: run npm ci in ${dir}`);
  if (!existsSync(join(dir, "node_modules")))
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  copyFileSync(join(ROOT, "bench", "panel-reads.ts"), join(dir, "bench", "panel-reads.ts"));
  return dir;
}

interface Reading {
  demands: number;
  cases: Record<string, number>;
  times: Record<string, number>;
}

export async function runTenancyBaselineBench(argv: string[]): Promise<void> {
  const rev = option(argv, "baseline", "02192c1");
  const demands = option(argv, "demands", "1000000");
  const runs = Number(option(argv, "runs", "3"));
  const reads = option(argv, "reads", "3");
  const trees = {
    [`before tenants (${rev})`]: { tree: baselineTree(rev), db: "responsiva_bench_pretenant" },
    "with tenants (this tree)": { tree: ROOT, db: "responsiva_bench_tenancy" },
  };
  for (const { tree, db } of Object.values(trees)) {
    if (await exists(db)) continue;
    console.log(`building ${db} with ${tree}`);
    await tsx(tree, ["bench/indicators-data.ts", `--demands=${demands}`, `--db=${db}`]);
  }
  const readings: Record<string, Reading[]> = {};
  for (let r = 0; r < runs; r++) {
    for (const [label, { tree, db }] of Object.entries(trees)) {
      const out = await tsx(tree, ["bench/panel-reads.ts", `--db=${db}`, `--reads=${reads}`]);
      const reading = JSON.parse(out.trim().split("\n").at(-1)!) as Reading;
      readings[label] = [...(readings[label] ?? []), reading];
      console.log(`run ${r + 1} ${label}: ${JSON.stringify(reading)}`);
    }
  }
  const [before, after] = Object.values(readings) as [Reading[], Reading[]];
  console.log(
    `\n${before[0]!.demands} and ${after[0]!.demands} demands; each case read ${reads} times a run`,
  );
  console.log(`\n| figure | ${Object.keys(readings).join(" | ")} | cost |\n| --- | ---: | ---: | ---: |`);
  for (const group of Object.keys(after[0]!.times)) {
    const a = median(before.map((x) => x.times[group]!));
    const b = median(after.map((x) => x.times[group]!));
    console.log(
      `| ${group}: ${after[0]!.cases[group]} reads × ${reads} (ms) | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(((b - a) / a) * 100).toFixed(1)} % |`,
    );
  }
}
