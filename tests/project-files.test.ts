/**
 * The project files a city's procurement and IT team read before anything else stay true to the code: the licence,
 * the changelog's version, the environment table against server/config.ts, and the deployment files (systemd units,
 * Dockerfile, compose.yaml) against the three roles and the image rules of docs/operations.md. The tools that check
 * the same files for real (systemd-analyze, nginx -t, a YAML parser) run in .ci/check-deploy.sh.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { testApp } from "./helpers.ts";

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");
const ROLES = ["web", "worker", "scheduler"] as const;
const packageJson = JSON.parse(read("package.json")) as { version: string; license: string };

describe("licence and project files", () => {
  it("ships the AGPL-3.0 text unchanged", () => {
    const text = read("LICENSE");
    assert.match(text, /^GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November 2007\n/);
    // The SPDX list's AGPL-3.0-only text with its whitespace collapsed: any edit of a word changes the digest.
    const digest = createHash("sha256").update(text.replace(/\s+/g, " ").trim()).digest("hex");
    assert.equal(digest, "0a7e77a9ebe3fa59cc00696f2180ffc7e0834b7445213b59eb4232c1a1b75746");
  });

  it("names the same licence in package.json", () => {
    assert.equal(packageJson.license, "AGPL-3.0-only");
  });

  it("has a changelog section and link for package.json's version, after Unreleased", () => {
    const changelog = read("CHANGELOG.md");
    const versions = [...changelog.matchAll(/^## \[([^\]]+)\]/gm)].map((m) => m[1]);
    assert.equal(versions[0], "Unreleased");
    assert.ok(versions.includes(packageJson.version), `no "## [${packageJson.version}]" section`);
    assert.match(
      changelog,
      new RegExp(`^## \\[${packageJson.version.replaceAll(".", "\\.")}\\] - \\d{4}-\\d{2}-\\d{2}$`, "m"),
    );
    assert.match(
      changelog,
      new RegExp(`^\\[${packageJson.version.replaceAll(".", "\\.")}\\]: https://`, "m"),
    );
  });
});

describe("environment variables", () => {
  // The keys of the Env schema: the only upper-case keys at two spaces of indentation in server/config.ts and in
  // its parts for the messaging providers (server/config-messaging.ts), the sign-in providers (config-sign-in.ts) and
  // the SIP gateway (config-sip.ts).
  const files = [
    "server/config.ts",
    "server/config-messaging.ts",
    "server/config-sign-in.ts",
    "server/config-sip.ts",
  ];
  const variables = files.flatMap((file) =>
    [...read(file).matchAll(/^ {2}([A-Z][A-Z0-9_]+): z\b/gm)].map((m) => m[1]!),
  );
  const operations = read("docs/operations.md");
  const section = operations.split(/^## /m).find((s) => s.startsWith("Environment variables")) ?? "";
  const tabled = new Set([...section.matchAll(/^\| `([A-Z][A-Z0-9_]+)`/gm)].map((m) => m[1]));

  it("finds the variables of server/config.ts", () => {
    assert.ok(variables.length >= 20, `only ${variables.length} found: has the schema's layout changed?`);
    assert.ok(variables.includes("DATABASE_URL"));
  });

  it("lists every variable of server/config.ts in the operations guide's one table", () => {
    assert.deepEqual(
      variables.filter((name) => !tabled.has(name)),
      [],
      'add a row "| `NAME` | default | meaning |" to docs/operations.md, "Environment variables"',
    );
  });

  it("lists no variable in that table that server/config.ts does not read", () => {
    assert.deepEqual(
      [...tabled].filter((name) => !variables.includes(name!)),
      [],
    );
  });

  it("has rows for the pool size and the log level in the README's table too", () => {
    const readme = read("README.md");
    for (const name of ["DATABASE_POOL_SIZE", "LOG_LEVEL"]) {
      assert.match(readme, new RegExp(`^\\| \`${name}\``, "m"), `README.md has no row for ${name}`);
      assert.ok(tabled.has(name), `docs/operations.md has no row for ${name}`);
    }
  });
});

describe("systemd units", () => {
  const dir = "deploy/systemd";
  const units = readdirSync(new URL(`../${dir}`, import.meta.url)).filter((f) => f.endsWith(".service"));
  const unit = (name: string) => read(`${dir}/${name}`);

  it("runs each role in a unit of its own, after the migration", () => {
    for (const role of ROLES) {
      const text = unit(`responsiva-${role}.service`);
      assert.match(text, new RegExp(`^ExecStart=/usr/bin/node dist/main\\.js --roles=${role}$`, "m"));
      assert.match(text, /^Requires=responsiva-migrate\.service$/m);
      assert.match(text, /^After=.*responsiva-migrate\.service/m);
    }
    assert.match(unit("responsiva-migrate.service"), /^ExecStart=\/usr\/bin\/node dist\/cli\.js migrate$/m);
  });

  it("gives every unit the same user, environment file and hardening", () => {
    const settings = (text: string) =>
      text
        .split("\n")
        .filter((line) =>
          /^(User|Group|EnvironmentFile|StateDirectory|ReadWritePaths|Protect|Private|NoNew|Restrict|Lock|SystemCall|Capability|UMask)/.test(
            line,
          ),
        )
        .sort();
    const first = settings(unit(units[0]!));
    assert.ok(first.includes("User=responsiva") && first.includes("ProtectSystem=strict"));
    assert.ok(first.includes("NoNewPrivileges=yes") && first.includes("EnvironmentFile=/etc/responsiva/env"));
    for (const name of units)
      assert.deepEqual(settings(unit(name)), first, `${name} differs from ${units[0]}`);
  });
});

/** The Dockerfile's instructions, continuation lines joined and comments dropped, grouped by stage. */
function dockerStages(text: string): { from: string; lines: string[] }[] {
  const instructions = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const args = new Map<string, string>();
  const stages: { from: string; lines: string[] }[] = [];
  for (const line of instructions) {
    const arg = /^ARG (\w+)=(\S+)$/.exec(line);
    if (arg && stages.length === 0) args.set(arg[1]!, arg[2]!);
    if (line.startsWith("FROM ")) {
      const from = line.slice(5).replace(/\$\{(\w+)\}/g, (_m, name: string) => args.get(name) ?? "");
      stages.push({ from, lines: [] });
    } else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

describe("container image", () => {
  const stages = dockerStages(read("Dockerfile"));
  const runtime = stages.at(-1)!;

  it("builds in one stage and runs from another, on a pinned Node.js LTS image", () => {
    assert.ok(stages.length >= 2, "multi-stage");
    assert.ok(
      stages[0]!.lines.some((l) => /^RUN npm ci\b/.test(l)) && stages[0]!.lines.includes("RUN npm run build"),
    );
    assert.ok(
      runtime.lines.some((l) => /^RUN npm ci --omit=dev\b/.test(l)),
      "production dependencies only",
    );
    assert.ok(runtime.lines.some((l) => /^COPY --from=build \/app\/dist /.test(l)));
    for (const { from } of stages) {
      const image = from.split(/\s+/)[0]!;
      assert.match(image, /^node:(22|24)-bookworm-slim$/, `${from}: a pinned Node.js 22 or 24 slim image`);
      assert.doesNotMatch(image, /:latest$/);
    }
  });

  it("runs as a non-root user with a health check on /health", () => {
    const user = runtime.lines.filter((l) => l.startsWith("USER ")).at(-1);
    assert.ok(user, "the runtime stage sets USER");
    assert.doesNotMatch(user, /^USER (root|0)(:|$)/);
    assert.ok(runtime.lines.some((l) => l.startsWith("HEALTHCHECK ") && l.includes("/health")));
    assert.ok(runtime.lines.includes("EXPOSE 3000"));
    assert.ok(runtime.lines.includes('CMD ["node", "dist/main.js", "--roles=web"]'));
  });

  it("starts the three roles after the migration in compose.yaml", () => {
    const compose = read("compose.yaml");
    for (const role of ROLES)
      assert.ok(compose.includes(`command: ["node", "dist/main.js", "--roles=${role}"]`));
    assert.ok(compose.includes('command: ["node", "dist/cli.js", "migrate"]'));
    assert.match(compose, /image: postgis\/postgis:\d+-\d/);
  });
});

describe("source of the running version (AGPL-3.0 section 13)", () => {
  it("sends /codigo-fonte to SOURCE_URL and links it from the page footer", async () => {
    const sourceUrl = "https://git.cidade.example.gov.br/156/responsiva";
    const { app } = await testApp({ sourceUrl });
    const res = await app.inject({ url: "/codigo-fonte" });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, sourceUrl);
    const page = await app.inject({ url: "/carta-de-servicos" });
    assert.match(page.body, /<a href="\/codigo-fonte">Código-fonte<\/a>/);
  });
});
