import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { buildProduction, RUNTIME_FILES } from "../scripts/build.ts";
import { testDatabaseUrl } from "./helpers.ts";

const root = resolve(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

// The build goes to a temporary folder; the project's node_modules is linked beside it, as production's would be.
const work = mkdtempSync(join(tmpdir(), "responsiva-build-"));
const dist = join(work, "dist");
after(() => rmSync(work, { recursive: true, force: true }));
const built = await buildProduction(dist, { quiet: true });
symlinkSync(join(root, "node_modules"), join(work, "node_modules"), "dir");

function node(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, args, {
    cwd: work,
    env: { PATH: process.env.PATH, ...env },
    encoding: "utf8",
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

describe("the production build", () => {
  it("writes both entry points, the runtime files and the screens into dist/", () => {
    for (const file of [
      "main.js",
      "cli.js",
      "package.json",
      ".cache/web/manifest.json",
      ".cache/web/sw.js",
    ]) {
      assert.ok(existsSync(join(dist, file)), file);
    }
    for (const path of RUNTIME_FILES) assert.ok(existsSync(join(dist, path)), path);
    assert.deepEqual(readdirSync(join(dist, "migrations")), readdirSync(join(root, "migrations")));
    assert.equal(JSON.parse(readFileSync(join(dist, "package.json"), "utf8")).type, "module");
  });

  it("imports only runtime dependencies, and every runtime dependency is one it imports", () => {
    const imported = new Set(built.packages);
    assert.ok(imported.has("fastify") && imported.has("@electric-sql/pglite"), [...imported].join(", "));
    const runtime = Object.keys(pkg.dependencies);
    for (const name of imported) {
      assert.ok(runtime.includes(name), `${name} is imported by dist/ but is not in "dependencies"`);
    }
    // So `npm ci --omit=dev` installs nothing production does not run (the screens' libraries are bundled).
    for (const name of runtime) {
      assert.ok(imported.has(name), `${name} is in "dependencies" but nothing in dist/ imports it`);
    }
    // mailparser reads citizens' e-mails (channels/email/parse.ts) since issue 14: a runtime dependency now.
    for (const name of ["tsx", "esbuild", "smtp-server", "smpp", "date-holidays", "@fastify/static"]) {
      assert.ok(!runtime.includes(name), `${name} is not a runtime dependency`);
    }
  });

  it("answers --help of the built CLI without a database, and refuses an unknown command", () => {
    const nowhere = { DATABASE_URL: "postgres://responsiva@127.0.0.1:9/none", DATA_DIR: "/nonexistent/data" };
    const help = node([join(dist, "cli.js"), "--help"], nowhere);
    assert.equal(help.code, 0, help.out);
    assert.match(help.out, /^ {2}migrate\b/m);
    assert.match(help.out, /^ {2}export-to\b/m);
    const seedHelp = node([join(dist, "cli.js"), "seed", "--help"], nowhere);
    assert.equal(seedHelp.code, 0, seedHelp.out);
    assert.match(seedHelp.out, /^Usage: seed /);
    assert.equal(node([join(dist, "cli.js"), "migrat"], nowhere).code, 64);
  });

  it("serves the API and the screens from node dist/main.js, and stops on SIGTERM", async () => {
    const dataDir = join(work, "data");
    const databaseUrl = process.env.DATABASE_URL ? await testDatabaseUrl() : undefined;
    const child = spawn(process.execPath, [join(dist, "main.js"), "--roles=web"], {
      cwd: work,
      env: {
        PATH: process.env.PATH,
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
        DATA_DIR: dataDir,
        SEED_DEMO: "never",
        PORT: "0",
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    after(() => child.kill("SIGKILL"));
    const base = await upAt(child);
    const services = await fetch(`${base}/api/v1/services`);
    assert.equal(services.status, 200);
    const page = await (await fetch(`${base}/`)).text();
    const script = page.match(/<script type="module" src="([^"]+)"/)?.[1];
    assert.ok(script, page.slice(0, 500));
    const asset = await fetch(base + script);
    assert.equal(asset.status, 200, script);
    assert.match(asset.headers.get("content-type") ?? "", /javascript/);
    child.kill("SIGTERM");
    assert.equal(await new Promise((r) => child.on("exit", r)), 0);
  });
});

/** Resolves with the base URL once the server logs that it is up; rejects with the output if it exits first. */
function upAt(child: ChildProcess): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    let out = "";
    const onData = (c: Buffer) => {
      out += c.toString();
      const url = out.match(/Responsiva is up on (http:\/\/[^\s"]+)/)?.[1];
      if (url) resolveUrl(url);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => reject(new Error(`exited ${code} before it was up:\n${out}`)));
  });
}
