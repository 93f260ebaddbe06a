// Prints the unit and integration test files (browser tests run apart), for `npm test`.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

// `--browser`: the browser tests instead (tests/browser, for `npm run test:browser`).
const browser = process.argv.includes("--browser");
const roots = browser ? ["tests/browser"] : ["domain", "server", "channels", "web", "tests"];
const found = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === "node_modules" || (name === "browser" && !browser)) continue;
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
// The browser tests' longest (2026-12-06, two at a time).
const LONGEST_FIRST_BROWSER = [
  "tests/browser/console.test.ts",
  "tests/browser/admin-a.test.ts",
  "tests/browser/centre.test.ts",
  "tests/browser/quality-centre.test.ts",
  "tests/browser/admin-questionnaires.test.ts",
  "tests/browser/console-edges.test.ts",
  "tests/browser/filing.test.ts",
  "tests/browser/admin-b.test.ts",
  "tests/browser/portal.test.ts",
  "tests/browser/transparency.test.ts",
  "tests/browser/backoffice.test.ts",
  "tests/browser/citizen-page.test.ts",
  "tests/browser/console-offline.test.ts",
  "tests/browser/chat.test.ts",
];
const order = browser ? LONGEST_FIRST_BROWSER : LONGEST_FIRST;
const rank = (path) => {
  const at = order.indexOf(path.split("\\").join("/"));
  return at < 0 ? order.length : at;
};
console.log(
  found
    .sort()
    .sort((a, b) => rank(a) - rank(b))
    .join(" "),
);
