// The unit and integration test files (browser tests run apart), longest first, for tests/run.ts; run by itself it
// prints them (`tsx tests/list.ts`; `--browser`: the browser tests instead).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

function walk(dir: string, browser: boolean, found: string[]): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === "node_modules" || (name === "browser" && !browser)) continue;
    if (statSync(path).isDirectory()) walk(path, browser, found);
    else if (name.endsWith(".test.ts")) found.push(path);
  }
}
// The runner starts files in the order given, two at a time: the longest first (measured on PGlite, the slower
// engine, 2026-12-05: each file alone, two at a time), so that the run does not end on one long file while the other core idles.
const LONGEST_FIRST = [
  "channels/voice/sip/sip.test.ts",
  "channels/voice/sip/outbound.test.ts",
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

/** Where tests/run.ts tells its shards the run's folder is. */
export const QUEUE_ENV = "RESPONSIVA_TEST_RUN";

/**
 * Files run in a process of their own: they set globals a page module reads once at import (web/ui/base.test.ts).
 */
export const OWN_PROCESS: readonly string[] = ["web/ui/base.test.ts"];

/**
 * Files whose subject does not depend on the database engine — the SIP stack's wire, RTP timing and audio, driven end
 * to end through IVR code whose database side the IVR's own tests cover on both — run on PGlite (the README's
 * `npm test`) and not again on the server database (CI's second pass, DATABASE_URL set): they are the longest there.
 */
export const ENGINE_NEUTRAL: readonly string[] = [
  "channels/voice/sip/outbound.test.ts",
  "channels/voice/sip/sip.test.ts",
  "channels/voice/sip/wire.test.ts",
  "channels/voice/sip/tape.test.ts",
];

/** The test files under the roots, relative to the project, the longest known first and then by name. */
export function testFiles(browser = false): string[] {
  const roots = browser ? ["tests/browser"] : ["domain", "server", "channels", "web", "tests"];
  const found: string[] = [];
  for (const root of roots) {
    try {
      walk(root, browser, found);
    } catch {
      // a root that does not exist yet holds no tests
    }
  }
  const order = browser ? LONGEST_FIRST_BROWSER : LONGEST_FIRST;
  const rank = (path: string) => {
    const at = order.indexOf(path);
    return at < 0 ? order.length : at;
  };
  const onServerDb = !browser && Boolean(process.env.DATABASE_URL);
  return found
    .map((path) => path.split("\\").join("/"))
    .filter((path) => !(onServerDb && ENGINE_NEUTRAL.includes(path)))
    .sort()
    .sort((a, b) => rank(a) - rank(b));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(testFiles(process.argv.includes("--browser")).join(" "));
}
