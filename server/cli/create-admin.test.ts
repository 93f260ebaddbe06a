import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cliHarness } from "../../tests/cli-harness.ts";
import { login } from "../staff/commands.ts";
import { generatePassword, passwordWeakness } from "../staff/first-admin.ts";
import { verifyPassword } from "../staff/passwords.ts";
import { createTenant } from "../tenants/commands.ts";

// create-admin as a city's IT team runs it: its own process, on this file's own database.
const { run, runOnTerminal, withDb, accountOf, hasScript } = await cliHarness();

describe("create-admin", () => {
  it("creates an administrator with a strong generated password, printed once, when there is no terminal", async () => {
    const result = await run(["create-admin", "--email", "Chefe@Prefeitura.example", "--name", "Chefia"]);
    assert.equal(result.code, 0, result.out);
    const printed = result.out.match(/Password \(shown only this once[^:]*\): (\S+)/)?.[1];
    assert.ok(printed, result.out);
    assert.ok(printed.length >= 20, "long and random");
    assert.equal(result.out.split(printed).length - 1, 1, "printed exactly once");
    const account = await accountOf("chefe@prefeitura.example");
    assert.equal(account?.role, "admin");
    assert.ok(!account.password_hash.includes(printed), "only its hash is stored");
    const session = await withDb((db) =>
      login(db, { email: "chefe@prefeitura.example", password: printed, ip: "127.0.0.1" }),
    );
    assert.equal(session.staff.role, "admin");
  });

  it("refuses the demo password from a pipe and changes nothing", async () => {
    const result = await run(
      ["create-admin", "--email", "weak@prefeitura.example", "--password-stdin"],
      "responsiva-admin\n",
    );
    assert.equal(result.code, 65, result.out);
    assert.match(result.out, /Refused: the password is the demo accounts' password/);
    assert.equal(await accountOf("weak@prefeitura.example"), undefined);
  });

  it("judges as weak a short password, a demo password, the e-mail itself and a repeated character", () => {
    const email = "weak@prefeitura.example";
    assert.match(passwordWeakness("short-pass1", email) ?? "", /shorter than 12/);
    assert.match(passwordWeakness("Responsiva-Admin", email) ?? "", /demo/);
    assert.match(passwordWeakness("configured-demo-pw", email, ["Configured-Demo-PW"]) ?? "", /demo/);
    assert.match(passwordWeakness("WEAK@prefeitura.example", email) ?? "", /e-mail/);
    assert.match(passwordWeakness("abababababababab", email) ?? "", /different characters/);
    assert.equal(passwordWeakness("correct horse battery", email), undefined);
    assert.equal(passwordWeakness(generatePassword(), email), undefined, "a generated one always passes");
  });

  it("makes the platform operator in the home tenant only, and no role but admin and the operator", async () => {
    const made = await run([
      "create-admin",
      "--email",
      "operacao@plataforma.example",
      "--role",
      "platform_operator",
      "--generate",
    ]);
    assert.equal(made.code, 0, made.out);
    assert.match(made.out, /Created the platform operator operacao@plataforma\.example/);
    assert.equal((await accountOf("operacao@plataforma.example"))?.role, "platform_operator");
    await withDb((db) => createTenant(db, { slug: "outra", name: "Outra" }));
    const elsewhere = await run([
      "create-admin",
      "--tenant",
      "outra",
      "--email",
      "op@outra.example",
      "--role",
      "platform_operator",
      "--generate",
    ]);
    assert.equal(elsewhere.code, 64, elsewhere.out);
    assert.match(elsewhere.out, /belongs to the home tenant/);
    const bogus = await run([
      "create-admin",
      "--email",
      "x@prefeitura.example",
      "--role",
      "agent",
      "--generate",
    ]);
    assert.equal(bogus.code, 64, bogus.out);
    assert.match(bogus.out, /--role is admin or platform_operator/);
  });

  it("refuses a command line without a valid e-mail", async () => {
    const result = await run(["create-admin", "--email", "not-an-email", "--generate"]);
    assert.equal(result.code, 64, result.out);
    assert.match(result.out, /--email needs an e-mail address/);
  });

  it("resets an existing account to an active administrator with a new password, ending its sessions", async () => {
    const email = "reset@prefeitura.example";
    const first = await run(
      ["create-admin", "--email", email, "--password-stdin"],
      "first-Strong-passw0rd\n",
    );
    assert.equal(first.code, 0, first.out);
    await withDb(async (db) => {
      await login(db, { email, password: "first-Strong-passw0rd", ip: "127.0.0.1" });
      await db.query("UPDATE staff_users SET role = 'agent', active = false WHERE email = $1", [email]);
    });
    assert.equal((await accountOf(email))?.sessions, 1);
    const reset = await run(
      ["create-admin", "--email", email, "--password-stdin"],
      "second-Strong-passw0rd\n",
    );
    assert.equal(reset.code, 0, reset.out);
    assert.match(reset.out, /Reset the administrator/);
    const account = await accountOf(email);
    assert.equal(account?.role, "admin");
    assert.equal(account.active, true);
    assert.equal(account.sessions, 0, "sessions ended");
    assert.equal(await verifyPassword(account.password_hash, "first-Strong-passw0rd"), false);
    assert.equal(await verifyPassword(account.password_hash, "second-Strong-passw0rd"), true);
  });

  it("asks twice on a terminal without echoing the password", {
    skip: !hasScript && "needs util-linux script",
  }, async () => {
    const email = "tty@prefeitura.example";
    const secret = "Typed-on-a-terminal-42";
    const result = await runOnTerminal(
      ["create-admin", "--email", email],
      [
        { after: "New password", type: "short\r" },
        { after: "New password", type: `${secret}\r` },
        { after: "Again", type: `${secret}\r` },
      ],
    );
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /Refused: the password is shorter than 12 characters/);
    assert.match(result.out, /Created the administrator tty@prefeitura\.example/);
    assert.ok(!result.out.includes(secret), "the password is never echoed");
    const account = await accountOf(email);
    assert.equal(await verifyPassword(account!.password_hash, secret), true);
  });
});
