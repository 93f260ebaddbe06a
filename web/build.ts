/**
 * Bundles every screen app with esbuild into .cache/web/: ESM, code splitting, minified, content-hashed names, a
 * metafile, and a manifest (entry → hashed files) the server reads to write each app's HTML shell.
 * The service workers are built unhashed (sw.js, console-sw.js, campo-sw.js), because each must keep one URL for its scope.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The screen apps: one entry each (the staff apps' paths are in server/http/web.ts STAFF_APPS). */
export const APPS = {
  portal: "web/portal/main.tsx",
  console: "web/console/main.tsx",
  backoffice: "web/backoffice/main.tsx",
  admin: "web/admin/main.tsx",
  centre: "web/centre/main.tsx",
  campo: "web/campo/main.tsx",
} as const;
export type AppName = keyof typeof APPS;

/**
 * Modules an app loads on demand that are the first screen of some of its paths: the shell of such a path preloads
 * them beside the entry (the transparency pages are not in the portal's first screen, but are /transparencia's).
 */
export const ROUTE_MODULES: Partial<Record<AppName, Record<string, string>>> = {
  portal: { "/transparencia": "web/portal/transparency.tsx" },
};

/** What the server needs to write an app's shell: its entry script, its CSS, and the chunks to preload. */
export interface AppAssets {
  js: string;
  css: string[];
  preload: string[];
  /** Path prefix → the chunks its first screen also needs (ROUTE_MODULES), preloaded by that path's shell. */
  routes?: Record<string, string[]>;
}

/** The build's manifest, written to .cache/web/manifest.json. */
export interface WebManifest {
  apps: Record<string, AppAssets>;
  /** Leaflet's stylesheet, loaded with the map chunk. */
  leafletCss: string;
  /** Every hashed file, for the service worker's cache list. */
  files: string[];
  builtAt: string;
}

/** Where the built files go (the server reads them there: server/http/web.ts); the production build picks its own. */
export const OUT_DIR = join(root, ".cache", "web");

/** The URL the server serves a metafile output path at (the metafile's paths are relative to the project root). */
const urlIn = (outDir: string) => (path: string) =>
  `/assets/${relative(join(outDir, "assets"), join(root, path))}`;

function assetsOf(
  metafile: Metafile,
  entry: string,
  url: (path: string) => string,
  modules: Record<string, string> = {},
): AppAssets {
  const outputs = Object.entries(metafile.outputs);
  const main = outputs.find(([, o]) => o.entryPoint === entry);
  if (!main) throw new Error(`no output for ${entry}`);
  // The entry's static imports: what the first screen downloads (dynamic imports stay out).
  const preload = new Set<string>();
  const walk = (path: string) => {
    for (const imp of metafile.outputs[path]?.imports ?? []) {
      if (imp.kind === "import-statement" && !preload.has(imp.path)) {
        preload.add(imp.path);
        walk(imp.path);
      }
    }
  };
  walk(main[0]);
  const [mainPath, mainOut] = main;
  const routes: Record<string, string[]> = {};
  for (const [prefix, module] of Object.entries(modules)) {
    const chunk = outputs.find(([, o]) => o.entryPoint === module);
    if (!chunk) throw new Error(`no output for ${module}`);
    const own = new Set<string>([chunk[0]]);
    const walkOwn = (path: string) => {
      for (const imp of metafile.outputs[path]?.imports ?? []) {
        if (imp.kind !== "import-statement" || own.has(imp.path) || preload.has(imp.path)) continue;
        if (imp.path === mainPath) continue;
        own.add(imp.path);
        walkOwn(imp.path);
      }
    };
    walkOwn(chunk[0]);
    routes[prefix] = [...own].filter((p) => p.endsWith(".js")).map(url);
  }
  return {
    js: url(mainPath),
    css: mainOut.cssBundle ? [url(mainOut.cssBundle)] : [],
    preload: [...preload].filter((p) => p.endsWith(".js")).map(url),
    ...(Object.keys(routes).length > 0 ? { routes } : {}),
  };
}

/** Builds every app and the service worker into `outDir` (OUT_DIR by default); returns the manifest. Takes ~1 s. */
export async function buildWeb(options: { quiet?: boolean; outDir?: string } = {}): Promise<WebManifest> {
  const started = Date.now();
  const outDir = options.outDir ?? OUT_DIR;
  const url = urlIn(outDir);
  // Nothing is deleted: hashed names never clash, and a concurrent run (other test files) may be serving them.
  mkdirSync(join(outDir, "assets"), { recursive: true });
  const entries = [...Object.values(APPS), "web/ui/leaflet.css"];
  const result = await build({
    absWorkingDir: root,
    entryPoints: entries,
    outdir: join(outDir, "assets"),
    bundle: true,
    splitting: true,
    format: "esm",
    minify: true,
    sourcemap: false,
    target: ["es2020"],
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]",
    assetNames: "[name]-[hash]",
    jsx: "automatic",
    jsxImportSource: "preact",
    loader: { ".png": "file", ".svg": "file" },
    metafile: true,
    logLevel: "silent",
  });
  // The service workers: the portal's at the root scope, the console's for /console (decision 0058).
  for (const [entry, file] of [
    ["web/portal/sw.ts", "sw.js"],
    ["web/console/sw.ts", "console-sw.js"],
    ["web/campo/sw.ts", "campo-sw.js"],
  ] as const) {
    await build({
      absWorkingDir: root,
      entryPoints: [entry],
      outfile: join(outDir, file),
      bundle: true,
      format: "iife",
      minify: true,
      target: ["es2020"],
      logLevel: "silent",
    });
  }
  const metafile = result.metafile;
  const apps: Record<string, AppAssets> = {};
  for (const [name, entry] of Object.entries(APPS)) {
    apps[name] = assetsOf(metafile, entry, url, ROUTE_MODULES[name as AppName]);
  }
  const leaflet = Object.entries(metafile.outputs).find(([, o]) => o.entryPoint === "web/ui/leaflet.css");
  const manifest: WebManifest = {
    apps,
    leafletCss: url(leaflet![0]),
    files: Object.keys(metafile.outputs).map(url),
    builtAt: new Date().toISOString(),
  };
  // Written aside and renamed, so a server never reads half a manifest.
  for (const [name, text] of [
    ["meta.json", JSON.stringify(metafile)],
    ["manifest.json", JSON.stringify(manifest, null, 2)],
  ] as const) {
    writeFileSync(join(outDir, `${name}.${process.pid}`), text);
    renameSync(join(outDir, `${name}.${process.pid}`), join(outDir, name));
  }
  if (!options.quiet) console.log(`web built in ${Date.now() - started} ms → ${relative(root, outDir)}`);
  return manifest;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildWeb();
