/**
 * What tenant enforcement costs (issue 16, decision 0059): intake throughput and the indicator panels, with the
 * row-level security policies on and off, on one PostgreSQL database of the indicators city (bench/indicators-data.ts
 * at `--demands`, built here when missing). "Off" disables row-level security on every table (as the owner), so the
 * statements are the same, the role and the tenant setting the same; only the policy's per-row check goes. The two
 * alternate run by run, so a machine that slows down slows both.
 *
 *   npm run bench -- tenancy [--demands=1000000] [--runs=3] [--seconds=10] [--reads=5] [--db=responsiva_bench_tenancy]
 *
 * Prints each run and a table of medians: intake requests/s and p99 at 16 clients; the panels' and the portal's
 * total read time (every case of bench/indicators-cases.ts read `--reads` times through readIndicator).
 */
import pg from "pg";
import { connect } from "../server/db/index.ts";
import { postLoad, type Server, startServer, stopServer } from "./harness.ts";
import { panelCases, portalCases } from "./indicators-cases.ts";
import { buildIndicatorsCity, SERVER } from "./indicators-data.ts";
import { buildBodies, pickService } from "./intake.ts";

const APP_READY = /Responsiva is up on (http:\/\/\S+)/;
const SHARED_DATA_DIR = process.env.SHARED_DATA_DIR ?? "../shared/data";

function option(argv: string[], name: string, fallback: string): string {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** Turns the policies of every tenant table on or off, as the owner (a raw connection: not the app's role). */
async function setPolicies(url: string, on: boolean): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ t: string }>(
      `SELECT quote_ident(c.relname) AS t FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid
        WHERE c.relnamespace = 'public'::regnamespace AND p.polname = 'tenant_isolation'`,
    );
    await client.query(
      rows.map((r) => `ALTER TABLE ${r.t} ${on ? "ENABLE" : "DISABLE"} ROW LEVEL SECURITY`).join(";\n"),
    );
  } finally {
    await client.end();
  }
}

async function exists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: `${SERVER}/postgres` });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    return rows.length > 0;
  } finally {
    await client.end();
  }
}

export async function runTenancyBench(argv: string[]): Promise<void> {
  const runs = Number(option(argv, "runs", "3"));
  const seconds = Number(option(argv, "seconds", "10"));
  const reads = Number(option(argv, "reads", "5"));
  const demands = option(argv, "demands", "1000000");
  const name = option(argv, "db", "responsiva_bench_tenancy");
  const url = `${SERVER}/${name}`;
  if (!(await exists(name))) await buildIndicatorsCity([`--demands=${demands}`, `--db=${name}`]);
  await setPolicies(url, true);

  const db = await connect({ databaseUrl: url, poolSize: 4 });
  const [top] = await db.query<{ district: string; department: string; service: string; n: number }>(
    `SELECT (SELECT district_code FROM demand_facts GROUP BY 1 ORDER BY count(*) DESC LIMIT 1) AS district,
            (SELECT d.code FROM demand_facts f JOIN departments d ON d.id = f.department_id
              GROUP BY 1 ORDER BY count(*) DESC LIMIT 1) AS department,
            (SELECT s.code FROM demand_facts f JOIN services s ON s.id = f.service_id
              GROUP BY 1 ORDER BY count(*) DESC LIMIT 1) AS service,
            (SELECT count(*)::int FROM demand_facts) AS n`,
  );
  console.log(`${top!.n} demands; ${new Date().toISOString()}`);
  const groups = {
    panels: panelCases(top!.district),
    portal: portalCases({ district: top!.district, department: top!.department, service: top!.service }),
  };
  const env = { DATABASE_URL: url, SHARED_DATA_DIR, LOG_LEVEL: "warn", PORT: "0", SEED_DEMO: "never" };
  const servers: Server[] = [];
  const figures: Record<string, Record<"on" | "off", number[]>> = {};
  const record = (figure: string, mode: "on" | "off", value: number) => {
    figures[figure] ??= { on: [], off: [] };
    figures[figure][mode].push(value);
  };
  try {
    const app = await startServer(["server/main.ts", "--roles=web"], env, APP_READY);
    servers.push(app);
    const bodies = await buildBodies(app.url, await pickService(app.url));
    await postLoad(app.url, "/api/v1/demands", bodies, 16, 3);
    for (let r = 0; r < runs; r++) {
      for (const mode of ["on", "off"] as const) {
        await setPolicies(url, mode === "on");
        const load = await postLoad(app.url, "/api/v1/demands", bodies, 16, seconds);
        record("intake requests/s (16 clients)", mode, load.rps);
        record("intake p99 (ms)", mode, load.p99);
        for (const [group, cases] of Object.entries(groups)) {
          const t = performance.now();
          for (let i = 0; i < reads; i++) for (const c of cases) await c.run(db);
          record(`${group}: ${cases.length} reads × ${reads} (ms)`, mode, performance.now() - t);
        }
        console.log(
          `run ${r + 1} policies ${mode}: ${Object.entries(figures)
            .map(([k, v]) => `${k} ${v[mode].at(-1)!.toFixed(1)}`)
            .join("; ")}`,
        );
      }
    }
  } finally {
    for (const s of servers) await stopServer(s);
    await setPolicies(url, true);
    await db.close();
  }
  console.log("\n| figure | policies on | policies off | cost |\n| --- | ---: | ---: | ---: |");
  for (const [figure, { on, off }] of Object.entries(figures)) {
    const a = median(on);
    const b = median(off);
    // Throughput: the share lost with the policies; times: the share added.
    const cost = figure.includes("requests/s") ? (b - a) / b : (a - b) / b;
    console.log(`| ${figure} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(cost * 100).toFixed(1)} % |`);
  }
}
