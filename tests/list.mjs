// Prints the unit and integration test files (browser tests run apart), for `npm test`.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const roots = ["domain", "server", "channels", "web", "tests"];
const found = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === "node_modules" || name === "browser") continue;
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".test.ts")) found.push(path);
  }
}
for (const root of roots) {
  try {
    walk(root);
  } catch {
    // a root that does not exist yet holds no tests
  }
}
// The runner starts files in the order given, two at a time: the longest first (measured on PGlite, the slower
// engine, 2026-12-05: each file alone, two at a time), so that the run does not end on one long file while the other core idles.
const LONGEST_FIRST = [
  "server/cli/create-admin.test.ts",
  "server/imports/command.test.ts",
  "server/cli/cli.test.ts",
  "tests/fuzz.test.ts",
  "tests/tenant-walk.test.ts",
  "server/imports/sp156.test.ts",
  "tests/backup.test.ts",
  "server/citizens/citizens.test.ts",
  "server/cli/seed-subprefeitura.test.ts",
  "server/cli/tenant.test.ts",
  "server/http/timeouts.test.ts",
  "tests/shutdown.test.ts",
  "tests/public-output.test.ts",
  "tests/production-build.test.ts",
  "server/http/app.test.ts",
  "server/jobs/jobs.test.ts",
  "tests/export-to.test.ts",
  "server/work-orders/workflow.test.ts",
  "server/http/edge.test.ts",
  "server/staff/staff.test.ts",
  "tests/upgrade.test.ts",
  "server/events/events.test.ts",
];
const rank = (path) => {
  const at = LONGEST_FIRST.indexOf(path.split("\\").join("/"));
  return at < 0 ? LONGEST_FIRST.length : at;
};
console.log(
  found
    .sort()
    .sort((a, b) => rank(a) - rank(b))
    .join(" "),
);
