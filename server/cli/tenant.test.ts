/** `npm run tenant`: the operator creates, lists, suspends, resumes tenants and gives them hosts. */
import assert from "node:assert/strict";
import { describe, it, mock } from "node:test";
import { testConfig, testDb } from "../../tests/helpers.ts";
import { runAsTenant } from "../tenants/current.ts";
import { listTenants } from "../tenants/queries.ts";
import { runTenantCommand } from "./tenant.ts";

const db = await testDb();
const config = testConfig();

/** Runs the command and returns its exit code and what it printed. */
async function run(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = mock.method(console, "log", (...a: unknown[]) => void lines.push(a.join(" ")));
  const error = mock.method(console, "error", (...a: unknown[]) => void lines.push(a.join(" ")));
  try {
    return { code: await runTenantCommand(db, config, args), out: lines.join("\n") };
  } finally {
    log.mock.restore();
    error.mock.restore();
  }
}

describe("npm run tenant", () => {
  it("creates a tenant from a subprefeitura of São Paulo, with its host and jurisdiction, and lists it", async () => {
    const created = await run(
      "create",
      "--slug",
      "pinheiros",
      "--name",
      "Pinheiros",
      "--template",
      "subprefeitura:11",
      "--fixture",
      "--host",
      "Pinheiros.Example",
      "--jurisdiction",
      "pinheiros.example",
    );
    assert.equal(created.code, 0, created.out);
    const tenant = (await listTenants(db)).find((t) => t.slug === "pinheiros")!;
    assert.deepEqual(
      { status: tenant.status, hosts: tenant.hosts, jurisdiction: tenant.jurisdictionId },
      { status: "active", hosts: ["pinheiros.example"], jurisdiction: "pinheiros.example" },
    );
    const [counts] = await runAsTenant(tenant.id, () =>
      db.query<{ subs: number; services: number; staff: number }>(
        `SELECT (SELECT count(*) FROM subprefeituras)::int AS subs, (SELECT count(*) FROM services)::int AS services,
                (SELECT count(*) FROM staff_users)::int AS staff`,
      ),
    );
    // One subprefeitura as the city, the whole catalogue, and no demo accounts (the operator creates the admin).
    assert.deepEqual({ subs: counts!.subs, staff: counts!.staff }, { subs: 1, staff: 0 });
    assert.ok(counts!.services > 100);
    const listed = await run("list");
    assert.match(listed.out, /\tpinheiros\tactive\tPinheiros\tpinheiros\.example\tpinheiros\.example/);
  });

  it("refuses a taken slug or host, a bad slug and an unknown subprefeitura, creating nothing", async () => {
    const before = (await listTenants(db)).length;
    assert.equal((await run("create", "--slug", "pinheiros", "--name", "Outra")).code, 65);
    assert.equal(
      (await run("create", "--slug", "x2", "--name", "X", "--host", "pinheiros.example")).code,
      65,
    );
    assert.equal((await run("create", "--slug", "Não Vale", "--name", "X")).code, 64);
    const unknown = await run("create", "--slug", "nada", "--name", "Nada", "--template", "subprefeitura:99");
    assert.equal(unknown.code, 64);
    assert.match(unknown.out, /no subprefeitura with code "99"[\s\S]*11 {2}PINHEIROS/);
    assert.equal((await listTenants(db)).length, before);
  });

  it("suspends and resumes a tenant, and adds a host", async () => {
    assert.equal((await run("suspend", "pinheiros", "--reason", "fim do contrato")).code, 0);
    assert.equal((await listTenants(db)).find((t) => t.slug === "pinheiros")!.status, "suspended");
    assert.equal((await run("resume", "pinheiros")).code, 0);
    assert.equal((await listTenants(db)).find((t) => t.slug === "pinheiros")!.status, "active");
    assert.equal((await run("add-host", "pinheiros", "156.pinheiros.example")).code, 0);
    assert.deepEqual((await listTenants(db)).find((t) => t.slug === "pinheiros")!.hosts, [
      "156.pinheiros.example",
      "pinheiros.example",
    ]);
    assert.equal((await run("suspend", "nowhere")).code, 66);
  });
});
