/**
 * The portal on a cheap phone: its first-screen JavaScript gzipped (the entry and its static imports, from the
 * esbuild metafile; the map is a dynamic import and is left out) and its time to usable on a throttled slow-3G
 * profile in Debian's Chromium (CDP: 400 kbit/s each way, 400 ms RTT, CPU slowed 4×), cold cache, median of runs.
 * The same for the transparency portal's first page (/transparencia): the portal's entry plus the transparency
 * chunk it loads on demand (its map, Leaflet and uPlot stay out until they come near the screen), and the
 * JavaScript bytes that really crossed the network before it was usable.
 *
 *   npx tsx tests/prepare.ts && npm run bench -- web [--runs=5]
 *
 * "Usable" is the moment the app has rendered its first screen (the suggester box answers typing; on
 * /transparencia, the first indicator card shows its number); the server-rendered first paint, with a protocol form
 * that works before any script, comes earlier and is reported too.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import type { Metafile } from "esbuild";
import { type Browser, chromium } from "playwright-core";
import { connect } from "../server/db/index.ts";
import { buildApp } from "../server/http/app.ts";
import { testConfig } from "../tests/helpers.ts";
import { CURRENT_POINTER, templatePath } from "../tests/template.ts";
import { APPS, buildWeb, OUT_DIR } from "../web/build.ts";

const KB = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/**
 * The gzipped bytes of an entry's output and of everything it imports statically, and of its lazy chunks; files in
 * `loaded` (a first screen's, when `entry` is a chunk it imports on demand) are not counted again.
 */
export function firstScreenBytes(metafile: Metafile, root: string, entry: string, loaded: string[] = []) {
  const [main] = Object.entries(metafile.outputs).find(([, o]) => o.entryPoint === entry)!;
  const seen = new Set<string>([main]);
  const walk = (path: string) => {
    for (const imp of metafile.outputs[path]?.imports ?? []) {
      if (imp.kind === "import-statement" && !seen.has(imp.path) && !loaded.includes(imp.path)) {
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
  try {
    const portal = await coldLoads(browser, `${base}/`, ".frame #q", runs);
    report("/", portal);
    const transparency = firstScreenBytes(metafile, root, TRANSPARENCY, bytes.files);
    console.log(
      `/transparencia first-screen JS: ${KB(bytes.js + transparency.js)} gzipped (the portal's ${KB(bytes.js)} + the transparency chunk ${KB(transparency.js)}, ${transparency.files.length} files); its map, Leaflet and uPlot on demand`,
    );
    const ready = '[data-indicator="demands-opened"] .indicator-value:not([data-value=""])';
    report("/transparencia", await coldLoads(browser, `${base}/transparencia`, ready, runs));
  } finally {
    await browser.close();
    await app.close();
    await db.close();
  }
}

/** The transparency pages' module, loaded on demand by the portal. */
const TRANSPARENCY = "web/portal/transparency.tsx";

interface Loads {
  usable: number[];
  painted: number[];
  /** The script bytes received over the network (gzipped as sent) before the page was usable. */
  scriptBytes: number[];
}

/** Cold loads of `url` on the throttled phone, each until `ready` is on the screen. */
async function coldLoads(browser: Browser, url: string, ready: string, runs: number): Promise<Loads> {
  const loads: Loads = { usable: [], painted: [], scriptBytes: [] };
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
    const scripts = new Set<string>();
    let scriptBytes = 0;
    cdp.on("Network.responseReceived", (e) => {
      if (e.type === "Script") scripts.add(e.requestId);
    });
    cdp.on("Network.loadingFinished", (e) => {
      if (scripts.has(e.requestId)) scriptBytes += e.encodedDataLength;
    });
    // The instant the first screen is there, taken in the page as the DOM changes (a mutation observer runs
    // right after the change), not when a poll from outside gets its turn on a busy, throttled main thread.
    await page.addInitScript((selector) => {
      const seen = window as unknown as { usableAt?: number };
      const check = () => {
        if (seen.usableAt === undefined && document.querySelector(selector))
          seen.usableAt = performance.now();
      };
      new MutationObserver(check).observe(document, {
        subtree: true,
        childList: true,
        attributes: true,
        characterData: true,
      });
    }, ready);
    await page.goto(url, { waitUntil: "commit" });
    await page.locator(ready).first().waitFor({ timeout: 60_000 });
    const times = await page.evaluate(() => ({
      usable: (window as unknown as { usableAt?: number }).usableAt ?? performance.now(),
      fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN,
    }));
    loads.usable.push(times.usable);
    loads.painted.push(times.fcp);
    loads.scriptBytes.push(scriptBytes);
    await context.close();
  }
  return loads;
}

function report(path: string, loads: Loads): void {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `${path}: slow 3G (400 kbit/s, 400 ms RTT, CPU 4×), ${loads.usable.length} cold loads: first contentful paint ${s(median(loads.painted))}, usable ${s(median(loads.usable))} (median; all: ${loads.usable.map(s).join(", ")}); JS received before usable ${KB(median(loads.scriptBytes))} (on the wire)`,
  );
}

if (process.argv[1]?.endsWith("bench/web.ts")) await runWebBench(process.argv.slice(2));
