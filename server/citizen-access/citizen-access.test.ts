import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { startFakeSmtp } from "../../channels/email/fake.ts";
import { fileDemand as fileDemandAs } from "../../tests/factories.ts";
import { staffHeaders, testConfig, testDb } from "../../tests/helpers.ts";
import type { AppContext } from "../context.ts";
import { one } from "../db/index.ts";
import { buildApp } from "../http/app.ts";
import { runOnce } from "../jobs/runner.ts";
import { closeChannelsOf } from "../notifications/jobs.ts";
import { sendSignInCode } from "./jobs.ts";

const fake = await startFakeSmtp();
after(() => fake.close());
const db = await testDb();
const config = testConfig({ smtpUrl: fake.url });
const ctx: AppContext = { db, config };
const app = await buildApp(ctx);
after(() => app.close());
after(() => closeChannelsOf(config));

const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required ORDER BY code LIMIT 1`,
  )
).code;

/** Files a demand of Joana's with `email` as her contact; answers its protocol. */
const fileDemand = async (email: string): Promise<string> =>
  (
    await fileDemandAs(
      { app, ctx },
      { service, description: "Buraco grande na calçada", email, name: "Joana" },
    )
  ).protocol;

/** Asks for a code and runs the sending job; answers the code read from the e-mail the fake SMTP server got. */
async function codeFor(email: string, lang = "pt-BR"): Promise<string | undefined> {
  const before = fake.received.length;
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/citizen/sign-in",
    headers: { "accept-language": lang },
    payload: { email },
  });
  assert.equal(res.statusCode, 202);
  await runOnce(ctx, [sendSignInCode]);
  if (fake.received.length === before) return undefined;
  const mail = await fake.parse(fake.received.at(-1)!);
  assert.deepEqual(fake.received.at(-1)!.to, [email.toLowerCase()]);
  return mail.subject?.match(/\d{6}/)?.[0];
}

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const set = String(res.headers["set-cookie"]);
  return set.split(";")[0]!;
}

describe("citizen sign-in by a code sent by e-mail", () => {
  it("signs a citizen in and lists their demands; the full view and the rating need no secret then", async () => {
    const first = await fileDemand("joana@example.org");
    const second = await fileDemand("Joana@Example.org");
    const other = await fileDemand("outra@example.org");
    const code = await codeFor("JOANA@example.org");
    assert.match(code ?? "", /^\d{6}$/);

    const wrong = await app.inject({
      method: "POST",
      url: "/api/v1/citizen/verify",
      payload: { email: "joana@example.org", code: code === "000000" ? "111111" : "000000" },
    });
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().code, "sign_in_code_invalid");

    const ok = await app.inject({
      method: "POST",
      url: "/api/v1/citizen/verify",
      payload: { email: "joana@example.org", code },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    const cookie = cookieOf(ok);
    assert.match(String(ok.headers["set-cookie"]), /HttpOnly; SameSite=Lax/);

    const mine = await app.inject({ method: "GET", url: "/api/v1/citizen/demands", headers: { cookie } });
    assert.equal(mine.statusCode, 200);
    assert.equal(mine.headers["cache-control"], "private, no-store");
    const protocols = mine.json().demands.map((d: { protocol: string }) => d.protocol);
    assert.deepEqual(protocols.sort(), [first, second].sort());
    assert.equal(mine.json().email, "joana@example.org");

    // Her own demand in full without the secret; someone else's stays public.
    const full = await app.inject({ method: "GET", url: `/api/v1/demands/${first}`, headers: { cookie } });
    assert.equal(full.json().description, "Buraco grande na calçada");
    const foreign = await app.inject({ method: "GET", url: `/api/v1/demands/${other}`, headers: { cookie } });
    assert.equal(foreign.json().view, "public");
    assert.equal(foreign.json().description, undefined);

    // A code works once.
    const again = await app.inject({
      method: "POST",
      url: "/api/v1/citizen/verify",
      payload: { email: "joana@example.org", code },
    });
    assert.equal(again.statusCode, 400);

    // Signing out ends the session.
    const out = await app.inject({ method: "POST", url: "/api/v1/citizen/sign-out", headers: { cookie } });
    assert.equal(out.statusCode, 204);
    const gone = await app.inject({ method: "GET", url: "/api/v1/citizen/demands", headers: { cookie } });
    assert.equal(gone.statusCode, 401);
    assert.equal(gone.json().code, "citizen_not_signed_in");
  });

  it("answers the same for an unknown address and sends nothing", async () => {
    assert.equal(await codeFor("ninguem@example.org"), undefined);
    const rows = await db.query("SELECT 1 FROM citizen_sign_in_codes WHERE email = 'ninguem@example.org'");
    assert.equal(rows.length, 0);
  });

  it("sends the code in the asker's language", async () => {
    await fileDemand("lang@example.org");
    const before = fake.received.length;
    await codeFor("lang@example.org", "es");
    const mail = await fake.parse(fake.received[before]!);
    assert.match(mail.subject ?? "", /^Su código de acceso: \d{6}$/);
    assert.match(mail.text ?? "", /Vale por 15 minutos/);
  });

  it("locks a code after five wrong tries and limits codes to five an hour", async () => {
    await fileDemand("tries@example.org");
    const code = (await codeFor("tries@example.org"))!;
    const wrongCode = code === "123456" ? "654321" : "123456";
    for (let i = 0; i < 5; i++) {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/citizen/verify",
        payload: { email: "tries@example.org", code: wrongCode },
      });
      assert.equal(res.statusCode, 400);
    }
    const right = await app.inject({
      method: "POST",
      url: "/api/v1/citizen/verify",
      payload: { email: "tries@example.org", code },
    });
    assert.equal(right.statusCode, 400, "the right code no longer opens after five wrong ones");
    for (let i = 0; i < 6; i++) await codeFor("tries@example.org");
    const codes = await one<{ n: number }>(
      db,
      "SELECT count(*)::int AS n FROM citizen_sign_in_codes WHERE email = 'tries@example.org'",
    );
    assert.equal(codes.n, 5);
  });

  it("refuses bad input with a problem and forgets sessions and codes when the citizen is erased", async () => {
    const bad = await app.inject({ method: "POST", url: "/api/v1/citizen/sign-in", payload: { email: "x" } });
    assert.equal(bad.statusCode, 400);
    assert.match(String(bad.headers["content-type"]), /problem\+json/);

    await fileDemand("erase@example.org");
    const code = await codeFor("erase@example.org");
    const ok = await app.inject({
      method: "POST",
      url: "/api/v1/citizen/verify",
      payload: { email: "erase@example.org", code },
    });
    const cookie = cookieOf(ok);
    const citizen = await one<{ citizen_id: number }>(
      db,
      "SELECT citizen_id FROM citizen_contacts WHERE value = 'erase@example.org' AND verified_at IS NOT NULL",
    );
    const { authorization } = await staffHeaders(db, "ombudsman");
    const erased = await app.inject({
      method: "POST",
      url: `/api/v1/citizens/${citizen.citizen_id}/erasure`,
      headers: { authorization },
    });
    assert.equal(erased.statusCode, 200, erased.body);
    const gone = await app.inject({ method: "GET", url: "/api/v1/citizen/demands", headers: { cookie } });
    assert.equal(gone.statusCode, 401);
    const left = await db.query(
      `SELECT 1 FROM citizen_sessions WHERE citizen_id = $1
       UNION ALL SELECT 1 FROM citizen_sign_in_codes WHERE citizen_id = $1`,
      [citizen.citizen_id],
    );
    assert.equal(left.length, 0);
  });
});
