/**
 * The production build: `npm run build` writes dist/ so that `npm ci --omit=dev && node dist/main.js` runs the app
 * with no TypeScript tooling. dist/main.js (the server, same flags as server/main.ts) and dist/cli.js (the command
 * line) are esbuild bundles of our own code: ESM for Node, every npm package left external (it comes from the
 * production node_modules). The files read at run time are copied beside them in the source tree's layout, and each
 * bundled module's `import.meta.url` is rewritten to its place in that layout, so `new URL("../../migrations/", …)`
 * and its kind resolve inside dist/ exactly as they do in the source tree (decision 0039).
 *
 * `tsx scripts/build.ts [--out DIR]` (default dist/); the test builds into a temporary folder.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile, type Plugin } from "esbuild";
import { buildWeb, OUT_DIR } from "../web/build.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The entry points: what production runs. */
export const ENTRIES = { main: "server/main.ts", cli: "server/cli/main.ts" } as const;

/**
 * What the server and the CLI read from disk at run time, relative to the project root; copied to the same place in
 * dist/. Found by reading the sources for readFileSync/readdirSync/new URL(…, import.meta.url): migrations
 * (server/db/migrate.ts), locales (server/i18n.ts), the version (server/backup/backup.ts reads package.json), and
 * the small street cut `seed --fixture` loads (server/areas/seed.ts, postcodes.ts). JSON that code imports
 * (catalogue translations, non-answers) is bundled instead. The demo city's open data stays in SHARED_DATA_DIR.
 */
export const RUNTIME_FILES = [
  "migrations",
  "locales",
  "tests/fixtures/streets.geojson",
  "tests/fixtures/blocks.geojson",
  "tests/fixtures/postcodes.json",
] as const;

/**
 * Gives every bundled module of ours the `import.meta.url` it would have in dist/ laid out like the source tree: a
 * bundle has one URL for all its modules, which would send `../../migrations/` out of dist/ and make a module's
 * "am I the script being run?" test true for every module inside dist/main.js.
 */
function sourceLayoutUrls(): Plugin {
  return {
    name: "source-layout-import-meta-url",
    setup(b) {
      b.onLoad({ filter: /\.tsx?$/ }, (args) => {
        if (args.path.includes("/node_modules/")) return undefined;
        const text = readFileSync(args.path, "utf8");
        if (!text.includes("import.meta.url")) return undefined;
        // The bundle sits at the top of dist/: its own URL plus the module's path from the root is the module's URL.
        const own = JSON.stringify(`./${relative(root, args.path)}`);
        return {
          contents: text.replaceAll("import.meta.url", `new URL(${own}, import.meta.url).href`),
          loader: args.path.endsWith("x") ? "tsx" : "ts",
        };
      });
    },
  };
}

/**
 * Builds dist/ (or `outDir`): both bundles, the runtime files, a package.json, and the web assets; returns the npm
 * packages the bundles import.
 */
export async function buildProduction(outDir = join(root, "dist"), options: { quiet?: boolean } = {}) {
  const started = Date.now();
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const { metafile } = await build({
    absWorkingDir: root,
    entryPoints: Object.entries(ENTRIES).map(([out, entry]) => ({ in: entry, out })),
    outdir: outDir,
    bundle: true,
    platform: "node",
    format: "esm",
    // engines says >=20.10 (this machine kind's Node, tested); production runs the LTS lines 22 and 24.
    target: "node20.10",
    packages: "external",
    sourcemap: "linked",
    plugins: [sourceLayoutUrls()],
    logLevel: "warning",
    metafile: true,
  });
  for (const path of RUNTIME_FILES) cpSync(join(root, path), join(outDir, path), { recursive: true });
  // Marks dist/*.js as ES modules wherever dist/ is copied to, and carries the version the backups record.
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Record<string, unknown>;
  const { name, version, license, engines } = pkg;
  writeFileSync(
    join(outDir, "package.json"),
    `${JSON.stringify({ name, version, license, private: true, type: "module", engines }, null, 2)}\n`,
  );
  // server/http/web.ts serves the screens from .cache/web beside its own module: inside dist/, dist/.cache/web.
  await buildWeb({ quiet: true, outDir: join(outDir, relative(root, OUT_DIR)) });
  if (!options.quiet)
    console.log(`built ${relative(process.cwd(), outDir) || "."} in ${Date.now() - started} ms`);
  return { packages: externalPackages(metafile) };
}

/** The npm packages the bundles import (statically or not), by package name: what production must install. */
function externalPackages(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const { path, external } of output.imports) {
      if (!external || path.startsWith("node:")) continue;
      const parts = path.split("/");
      names.add(path.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!);
    }
  }
  return [...names].sort();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--out");
  await buildProduction(at > 0 ? resolve(process.argv[at + 1] ?? "dist") : undefined);
}
