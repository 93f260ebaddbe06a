/** Where the PGlite test template lives, and the fingerprint of everything that shapes it. */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** The template file for the tree as it is now: one file per fingerprint, so concurrent runs never clash. */
export function templatePath(fingerprint = templateFingerprint()): string {
  return `.cache/test-template-${fingerprint}.tar.gz`;
}

/** Names the template the last `tests/prepare.ts` built, for test files started while sources are being edited. */
export const CURRENT_POINTER = ".cache/current-template";

/** A hash over migrations, seed code and fixtures: when any changes, the template is rebuilt. */
export function templateFingerprint(): string {
  const hash = createHash("sha256");
  const dirs = ["migrations", "tests/fixtures", "server"];
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (!name.endsWith(".test.ts")) files.push(path);
    }
  };
  for (const d of dirs) {
    try {
      walk(d);
    } catch {
      // missing folder: nothing to hash
    }
  }
  for (const f of files.sort()) hash.update(f).update(readFileSync(f));
  return hash.digest("hex").slice(0, 16);
}
