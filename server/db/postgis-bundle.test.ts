import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { filterTar, isKeptEntry } from "./postgis-bundle.ts";

const names = (tar: Uint8Array, dir: string): string[] => {
  const path = join(dir, `list-${Math.random()}.tar`);
  writeFileSync(path, tar);
  return execFileSync("tar", ["-tf", path], { encoding: "utf8" }).trim().split("\n").sort();
};

describe("the trimmed PostGIS bundle", () => {
  const dir = mkdtempSync(join(tmpdir(), "postgis-bundle-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps PostGIS, its scripts and the PROJ data of the package's bundle, and nothing of raster or topology", () => {
    const require = createRequire(import.meta.url);
    const dist = join(require.resolve("@electric-sql/pglite-postgis"), "..");
    const whole = gunzipSync(readFileSync(join(dist, "postgis.tar.gz")));
    const kept = names(filterTar(whole, isKeptEntry), dir).filter((n) => !n.endsWith("/"));
    assert.ok(kept.includes("lib/postgresql/postgis-3.so"));
    assert.ok(kept.includes("share/postgresql/extension/postgis.control"));
    assert.ok(kept.some((n) => /^share\/postgresql\/extension\/postgis--\d+\.\d+\.\d+\.sql$/.test(n)));
    assert.ok(kept.includes("share/proj/proj.db"));
    assert.deepEqual(
      kept.filter((n) => /raster|topology|tiger|unpackaged|contrib/.test(n)),
      [],
    );
    const all = names(whole, dir).filter((n) => !n.endsWith("/"));
    assert.deepEqual(
      kept,
      all.filter(isKeptEntry),
      "every entry kept is one the rule keeps, and none is lost",
    );
  });

  it("copies entries with long names whole, and drops a long-named entry with its name", () => {
    const root = join(dir, "src");
    const long = `share/proj/${"a".repeat(60)}/${"b".repeat(60)}.txt`;
    const dropped = `share/other/${"c".repeat(60)}/${"d".repeat(60)}.txt`;
    for (const file of [long, dropped, "lib/postgresql/postgis-3.so"]) {
      mkdirSync(join(root, file, ".."), { recursive: true });
      writeFileSync(join(root, file), `content of ${file}`);
    }
    const archive = join(dir, "in.tar");
    execFileSync("tar", ["--format=gnu", "-cf", archive, "-C", root, "share", "lib"]);
    const filtered = filterTar(readFileSync(archive), isKeptEntry);
    const out = join(dir, "out");
    mkdirSync(out);
    writeFileSync(join(dir, "out.tar"), filtered);
    execFileSync("tar", ["-xf", join(dir, "out.tar"), "-C", out]);
    assert.equal(readFileSync(join(out, long), "utf8"), `content of ${long}`);
    assert.equal(
      readFileSync(join(out, "lib/postgresql/postgis-3.so"), "utf8"),
      "content of lib/postgresql/postgis-3.so",
    );
    assert.ok(!names(filtered, dir).some((n) => n.includes("c".repeat(60))));
  });

  it("refuses an archive of which nothing is kept", () => {
    assert.throws(() => filterTar(new Uint8Array(1024), isKeptEntry), /no entry/);
  });
});
