/**
 * PostGIS for the embedded engine, trimmed to what the platform uses (decision 0067).
 *
 * `@electric-sql/pglite-postgis` ships one 20 MB bundle (91 MB unpacked) with PostGIS, PostGIS raster, topology and
 * the Tiger geocoder. PGlite unpacks a bundle into its memory file system and compiles every library in it at each
 * start, whether or not a database ever loads it: the raster and topology libraries (31 MB of WebAssembly) cost every
 * start about a third of its time. The platform uses PostGIS alone (migrations/0001), so the bundle PGlite gets keeps
 * the PostGIS library, its extension scripts and the PROJ data, and leaves out the rest and the pre-extension
 * "unpackaged" and contrib scripts.
 *
 * The trimmed bundle is made once from the installed package's bundle, by copying the kept entries of the tar stream
 * as they are, and cached beside the package (or in the temp folder where that is read-only), under the package's
 * version. Anything unexpected (an unreadable bundle, no entry kept) falls back to the package's own bundle.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import type { Extension } from "@electric-sql/pglite";

const BLOCK = 512;

/** The entries the platform needs: PostGIS's library, its control file and scripts, and the PROJ data. */
export function isKeptEntry(name: string): boolean {
  const path = name.replace(/^\.\//, "");
  if (path === "lib/postgresql/postgis-3.so") return true;
  if (path.startsWith("share/proj/")) return true;
  if (path === "share/postgresql/extension/postgis.control") return true;
  return path.startsWith("share/postgresql/extension/postgis--") && !path.includes("unpackaged");
}

function entryName(header: Uint8Array): string {
  const text = (from: number, length: number) => {
    const bytes = header.subarray(from, from + length);
    const end = bytes.indexOf(0);
    return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
  };
  const name = text(0, 100);
  const prefix = text(345, 155);
  return prefix ? `${prefix}/${name}` : name;
}

function entrySize(header: Uint8Array): number {
  const field = new TextDecoder().decode(header.subarray(124, 136)).replace(/\0.*$/, "").trim();
  return field ? Number.parseInt(field, 8) : 0;
}

/**
 * The tar archive with only the entries `keep` accepts, each copied as it is (header and data blocks). A GNU long
 * name or a pax header (types L, K, x) goes with the entry that follows it; a pax global header (g) is kept.
 */
export function filterTar(tar: Uint8Array, keep: (name: string) => boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  let pending: Uint8Array[] = [];
  let longName: string | undefined;
  let kept = 0;
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = entrySize(header);
    const end = at + BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    const whole = tar.subarray(at, end);
    const type = String.fromCharCode(header[156] ?? 0);
    at = end;
    if (type === "L") {
      longName = new TextDecoder().decode(whole.subarray(BLOCK, BLOCK + size)).replace(/\0.*$/s, "");
      pending.push(whole);
      continue;
    }
    if (type === "K" || type === "x") {
      pending.push(whole);
      continue;
    }
    if (type === "g") {
      parts.push(whole);
      continue;
    }
    const name = longName ?? entryName(header);
    // A folder goes only where the rule keeps it (PGlite makes a file's folders as it writes the file).
    if (keep(name)) {
      parts.push(...pending, whole);
      if (type !== "5") kept++;
    }
    pending = [];
    longName = undefined;
  }
  if (kept === 0) throw new Error("no entry of the bundle was kept");
  parts.push(new Uint8Array(BLOCK * 2));
  return Buffer.concat(parts);
}

/** Where the trimmed bundle of this package version is cached: beside the package, else in the temp folder. */
function cachedBundlePath(packageDir: string, version: string): string[] {
  const name = `postgis-${version}-trimmed.tar.gz`;
  return [join(packageDir, "..", "..", ".cache", "responsiva", name), join(tmpdir(), "responsiva", name)];
}

let trimmed: Promise<URL | undefined> | undefined;

/** The trimmed bundle's URL, made once per process (and once per package version on disk); undefined on failure. */
function trimmedBundle(original: URL): Promise<URL | undefined> {
  trimmed ??= (async () => {
    try {
      // The bundle is the package's dist/postgis.tar.gz: its package.json is one folder up.
      const packageDir = dirname(dirname(fileURLToPath(original)));
      const packageJson = join(packageDir, "package.json");
      const version = (JSON.parse(readFileSync(packageJson, "utf8")) as { version: string }).version;
      const candidates = cachedBundlePath(packageDir, version);
      const found = candidates.find((path) => existsSync(path));
      if (found) return pathToFileURL(found);
      const bundle = gzipSync(filterTar(gunzipSync(readFileSync(fileURLToPath(original))), isKeptEntry), {
        level: 1,
      });
      for (const path of candidates) {
        try {
          mkdirSync(dirname(path), { recursive: true });
          // Written aside, then renamed: a process starting meanwhile reads a whole bundle or none.
          const temporary = `${path}.${process.pid}.tmp`;
          writeFileSync(temporary, bundle);
          renameSync(temporary, path);
          return pathToFileURL(path);
        } catch {
          // a read-only folder: try the next
        }
      }
      return undefined;
    } catch {
      return undefined;
    }
  })();
  return trimmed;
}

/** The PostGIS extension for PGlite, with the trimmed bundle (the package's own if it cannot be made). */
export function trimmedPostgis(postgis: Extension): Extension {
  return {
    name: postgis.name,
    async setup(pg, emscriptenOpts, clientOnly) {
      const setup = await postgis.setup(pg, emscriptenOpts, clientOnly);
      const original = setup.bundlePath;
      if (original?.protocol !== "file:") return setup;
      const bundlePath = await trimmedBundle(original);
      return bundlePath ? { ...setup, bundlePath } : setup;
    },
  };
}
