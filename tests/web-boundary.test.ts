/**
 * Import boundaries of the screens: `web/` runs in browsers and never imports `server/`, `channels/` or `tests/`
 * (only `domain/`, its own files and browser packages). Test files under web/ may use the test helpers.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";

const ROOT = resolve(import.meta.dirname, "..");
const FORBIDDEN = ["server", "channels", "tests", "bench"];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(e.name) && !e.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** The module specifiers a file imports, statically or dynamically. */
export function importsOf(text: string): string[] {
  const found = [];
  for (const m of text.matchAll(/(?:^|\s)(?:import|export)\s[^"';]*?from\s*["']([^"']+)["']/g))
    found.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\s)import\s*["']([^"']+)["']/g)) found.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) found.push(m[1]!);
  return found;
}

describe("the web/ boundary", () => {
  it("reads every kind of import", () => {
    assert.deepEqual(
      importsOf('import { a } from "../x.ts";\nimport "./y.css";\nconst m = await import("./z.ts");'),
      ["../x.ts", "./y.css", "./z.ts"],
    );
  });

  it("never imports server/, channels/ or tests/ from a screen", () => {
    const offending: string[] = [];
    const files = sources(join(ROOT, "web"));
    assert.ok(files.length > 5);
    for (const file of files) {
      for (const spec of importsOf(readFileSync(file, "utf8"))) {
        if (!spec.startsWith(".")) continue;
        const top = relative(ROOT, resolve(dirname(file), spec)).split("/")[0]!;
        if (FORBIDDEN.includes(top)) offending.push(`${relative(ROOT, file)} → ${spec}`);
      }
    }
    assert.deepEqual(offending, []);
  });
});
