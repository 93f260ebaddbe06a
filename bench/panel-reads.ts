/**
 * One timing of the indicator panels and the transparency portal on one database, printed as a JSON line: every case
 * of bench/indicators-cases.ts read once to warm up, then `--reads` times, by the code of the tree this file is in.
 * bench/tenancy-baseline.ts runs it in this tree and, copied, in the release before tenants, so that each release
 * reads its own database with its own code.
 *
 *   npx tsx bench/panel-reads.ts --db=NAME [--reads=3]
 */
import { connect } from "../server/db/index.ts";
import { panelCases, portalCases } from "./indicators-cases.ts";

const SERVER = "postgres://postgres@127.0.0.1:5432";

function option(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

const reads = Number(option("reads", "3"));
const db = await connect({ databaseUrl: `${SERVER}/${option("db", "")}`, poolSize: 4 });
try {
  // The busiest district, department and service: the same rows in both databases (the same generator).
  const [top] = await db.query<{ district: string; department: string; service: string; n: number }>(
    `SELECT (SELECT district_code FROM demand_facts GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1) AS district,
            (SELECT d.code FROM demand_facts f JOIN departments d ON d.id = f.department_id
              GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1) AS department,
            (SELECT s.code FROM demand_facts f JOIN services s ON s.id = f.service_id
              GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1) AS service,
            (SELECT count(*)::int FROM demand_facts) AS n`,
  );
  const groups = {
    panels: panelCases(top!.district),
    portal: portalCases({ district: top!.district, department: top!.department, service: top!.service }),
  };
  const times: Record<string, number> = {};
  for (const [group, cases] of Object.entries(groups)) {
    for (const c of cases) await c.run(db);
    const t = performance.now();
    for (let i = 0; i < reads; i++) for (const c of cases) await c.run(db);
    times[group] = performance.now() - t;
  }
  console.log(
    JSON.stringify({
      demands: top!.n,
      cases: { panels: groups.panels.length, portal: groups.portal.length },
      times,
    }),
  );
} finally {
  await db.close();
}
