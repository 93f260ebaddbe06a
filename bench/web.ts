/**
 * The portal on a cheap phone: its first-screen JavaScript gzipped (the entry and its static imports, from the
 * esbuild metafile; the map is a dynamic import and is left out) and its time to usable on a throttled slow-3G
 * profile in Debian's Chromium (CDP: 400 kbit/s each way, 400 ms RTT, CPU slowed 4×), cold cache, median of runs.
 *
 *   npx tsx tests/prepare.ts && npm run bench -- web [--runs=5]
 *
 * "Usable" is the moment the app has rendered its first screen (the suggester box answers typing); the
 * server-rendered first paint, with a protocol form that works before any script, comes earlier and is reported too.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import type { Metafile } from "esbuild";
import { chromium } from "playwright-core";
import { connect } from "../server/db/index.ts";
import { buildApp } from "../server/http/app.ts";
import { testConfig } from "../tests/helpers.ts";
import { CURRENT_POINTER, templatePath } from "../tests/template.ts";
import { APPS, buildWeb, OUT_DIR } from "../web/build.ts";

const KB = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** The gzipped bytes of an entry's output and of everything it imports statically, and of its lazy chunks. */
export function firstScreenBytes(metafile: Metafile, root: string, entry: string) {
  const [main] = Object.entries(metafile.outputs).find(([, o]) => o.entryPoint === entry)!;
  const seen = new Set<string>([main]);
  const walk = (path: string) => {
    for (const imp of metafile.outputs[path]?.imports ?? []) {
      if (imp.kind === "import-statement" && !seen.has(imp.path)) {
        seen.add(imp.path);
        walk(imp.path);
      }
    }
  };
  walk(main);
  const gz = (path: string) => gzipSync(readFileSync(join(root, path)), { level: 9 }).length;
  const js = [...seen].filter((p) => p.endsWith(".js"));
  // What this app loads on demand: the chunks its code imports dynamically (and theirs), not other apps' files.
  const lazySet = new Set<string>();
  const walkLazy = (path: string) => {
    for (const imp of metafile.outputs[path]?.imports ?? []) {
      if (seen.has(imp.path) || lazySet.has(imp.path)) continue;
      lazySet.add(imp.path);
      walkLazy(imp.path);
    }
  };
  for (const path of seen) walkLazy(path);
  const lazy = [...lazySet].filter((p) => p.endsWith(".js"));
  const css = metafile.outputs[main]?.cssBundle;
  return {
    js: js.reduce((sum, p) => sum + gz(p), 0),
    raw: js.reduce((sum, p) => sum + readFileSync(join(root, p)).length, 0),
    css: css ? gz(css) : 0,
    lazy: lazy.reduce((sum, p) => sum + gz(p), 0),
    files: js,
  };
}

/** Runs the benchmark. */
export async function runWebBench(argv: string[]): Promise<void> {
  const runs = Number(argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 5);
  const root = join(OUT_DIR, "..", "..");
  await buildWeb({ quiet: true });
  const metafile = JSON.parse(readFileSync(join(OUT_DIR, "meta.json"), "utf8")) as Metafile;
  const bytes = firstScreenBytes(metafile, root, APPS.portal);
  console.log(
    `first-screen JS: ${KB(bytes.js)} gzipped (${KB(bytes.raw)} minified, ${bytes.files.length} files: ${bytes.files
      .map((f) => relative(relative(root, OUT_DIR), f))
      .join(", ")}); CSS ${KB(bytes.css)} gzipped; loaded on demand (map): ${KB(bytes.lazy)} gzipped`,
  );
  for (const app of ["console", "backoffice", "admin"] as const) {
    const staff = firstScreenBytes(metafile, root, APPS[app]);
    console.log(
      `${app}: first-screen JS ${KB(staff.js)} gzipped (${KB(staff.raw)} minified, ${staff.files.length} files); CSS ${KB(staff.css)} gzipped; on demand ${KB(staff.lazy)} gzipped`,
    );
  }

  // The test template's database (tests/prepare.ts), opened and closed here: this is not a test file, so no
  // node:test hooks are involved and the process ends when the bench does.
  const template = existsSync(templatePath()) ? templatePath() : readFileSync(CURRENT_POINTER, "utf8").trim();
  const db = await connect({ loadDataDir: new Blob([readFileSync(template)]) });
  const app = await buildApp({ db, config: testConfig() });
  const base = await app.listen({ port: 0, host: "127.0.0.1" });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
    ],
  });
  const usable: number[] = [];
  const painted: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({
        viewport: { width: 360, height: 740 },
        serviceWorkers: "block",
      });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
      await cdp.send("Network.emulateNetworkConditions", {
        offline: false,
        latency: 400,
        downloadThroughput: (400 * 1000) / 8,
        uploadThroughput: (400 * 1000) / 8,
      });
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
      await page.goto(`${base}/`, { waitUntil: "commit" });
      await page.locator(".frame #q").waitFor({ timeout: 60_000 });
      const times = await page.evaluate(() => ({
        usable: performance.now(),
        fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN,
      }));
      usable.push(times.usable);
      painted.push(times.fcp);
      await context.close();
    }
  } finally {
    await browser.close();
    await app.close();
    await db.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `slow 3G (400 kbit/s, 400 ms RTT, CPU 4×), ${runs} cold loads: first contentful paint ${(median(painted) / 1000).toFixed(2)} s, usable ${(median(usable) / 1000).toFixed(2)} s (median; all: ${usable.map((u) => (u / 1000).toFixed(2)).join(", ")} s)`,
  );
}

if (process.argv[1]?.endsWith("bench/web.ts")) await runWebBench(process.argv.slice(2));
