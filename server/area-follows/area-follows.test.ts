/**
 * Following an area, on a real database with e-mail delivered to the fake SMTP server: what matches a district and
 * a point with a radius (the published point, never a district-only demand), the hourly digest and what it may say,
 * each item sent once with two workers racing, the double opt-in and the stop links, the limits and the citizen's
 * own list.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { answerByDepartment, factoriesFor, testAppWithMail } from "../../tests/factories.ts";
import { staffHeaders, withinOneRateWindow } from "../../tests/helpers.ts";
import { hashToken } from "../access/principal.ts";
import { one } from "../db/index.ts";
import { FOLLOWS_PER_ADDRESS } from "./commands.ts";
import { matchAreaFollows, writeAreaDigests } from "./fan-out.ts";
import { digestAreaFollowsJob } from "./jobs.ts";
import { FOLLOW_REQUESTS_PER_MINUTE } from "./routes.ts";

const { app, ctx, fake, mailsTo } = await testAppWithMail();
const { db } = ctx;
const world = { app, ctx };
const { drain, fileDemand } = factoriesFor(world);

const serviceOf = async (sensitive: boolean, skip = 0) =>
  (
    await one<{ code: string }>(
      db,
      `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch
          AND sensitive = $1 ORDER BY code OFFSET $2 LIMIT 1`,
      [sensitive, skip],
    )
  ).code;
const plain = await serviceOf(false);
const otherPlain = await serviceOf(false, 1);
const sensitive = await one<{ code: string }>(
  db,
  "SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND sensitive ORDER BY code LIMIT 1",
).then((r) => r.code);

const se = await one<{ code: string }>(db, "SELECT code FROM districts WHERE name = 'SE'");
/** A point of the district of Sé (Praça da Sé) and one far from it (Santo Amaro). */
const IN_SE = { lat: -23.5503, lon: -46.634 };
const FAR = { lat: -23.6525, lon: -46.7085 };

/** Matching, digesting and sending, as the periodic job and the worker do. */
async function cycle(): Promise<void> {
  await matchAreaFollows(db);
  await writeAreaDigests(db);
  await drain();
}

let serial = 0;
/** A citizen signed in with a proven e-mail: the cookie and the address. */
async function signedIn(): Promise<{ cookie: string; email: string; citizenId: number }> {
  const email = `seguidora${++serial}-${randomBytes(3).toString("hex")}@example.org`;
  const { id } = await one<{ id: number }>(
    db,
    "INSERT INTO citizens (name) VALUES ('Seguidora') RETURNING id",
  );
  await db.query(
    `INSERT INTO citizen_contacts (citizen_id, channel, value, verified_at, verified_by)
     VALUES ($1, 'email', $2, now(), 'email_code')`,
    [id, email],
  );
  const token = randomBytes(24).toString("base64url");
  await db.query(
    "INSERT INTO citizen_sessions (token_hash, citizen_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')",
    [hashToken(token), id],
  );
  return { cookie: `responsiva_citizen=${token}`, email, citizenId: Number(id) };
}

/** Each caller its own address, so the per-address rate limit stays out of the way unless a test wants it. */
let caller = 0;
function follow(
  body: object,
  cookie?: string,
  remoteAddress = `10.0.${Math.floor(++caller / 250)}.${caller % 250}`,
) {
  return app.inject({
    method: "POST",
    url: "/api/v1/area-follows",
    headers: cookie ? { cookie } : {},
    payload: body,
    remoteAddress,
  });
}

/** A raw header of a received mail (mailparser turns List-* headers into objects). */
const headerOf = (mail: { headerLines: ReadonlyArray<{ key: string; line: string }> }, key: string) =>
  mail.headerLines
    .find((h) => h.key === key)
    ?.line.slice(key.length + 1)
    .trim() ?? "";

const textsTo = async (email: string) => (await mailsTo(email)).map((m) => `${m.subject}\n${m.text}`);

describe("following an area", () => {
  it("sends a district follow its district's news, and district-only demands only as a count", async () => {
    const who = await signedIn();
    const started = await follow({ district: se.code }, who.cookie);
    assert.equal(started.statusCode, 201, started.body);
    assert.equal(started.json().state, "active");
    assert.equal(started.json().confirmationSent, false);

    const open = await fileDemand({
      service: plain,
      at: IN_SE,
      name: "Joana Quintal",
      email: "joana@example.org",
    });
    const hidden = await fileDemand({
      service: sensitive,
      at: { lat: -23.5512, lon: -46.6335 },
      email: "sensivel@example.org",
    });
    const confidential = await fileDemand({
      service: otherPlain,
      at: { lat: -23.549, lon: -46.6352 },
      identity: "confidential",
      email: "sigilo@example.org",
    });
    const elsewhere = await fileDemand({ service: plain, at: FAR });
    await cycle();

    const mails = await mailsTo(who.email);
    assert.equal(mails.length, 1);
    const [mail] = mails;
    const text = mail!.text ?? "";
    assert.match(mail!.subject ?? "", /Novidades em o distrito SE/);
    assert.ok(text.includes(open.protocol), text);
    assert.ok(text.includes(`/acompanhar?protocolo=${open.protocol}&lang=pt-BR`));
    for (const never of [hidden.protocol, confidential.protocol, elsewhere.protocol])
      assert.ok(!text.includes(never), `${never} in ${text}`);
    assert.match(text, /Além disso, 2 novidades de serviços que só publicamos por distrito \(abertas: 2;/);
    // No personal data, no demand text.
    for (const never of ["Joana", "joana@", "sigilo@", "Buraco grande"])
      assert.ok(!text.includes(never), never);
    // The one-click unsubscribe of RFC 8058.
    assert.match(
      headerOf(mail!, "list-unsubscribe"),
      /^<https:\/\/[^>]+\/api\/v1\/area-follows\/unsubscribe\?token=[^>]+>$/,
    );
    assert.equal(headerOf(mail!, "list-unsubscribe-post"), "List-Unsubscribe=One-Click");
  });

  it("matches a point follow on the published point within the radius, and never a district-only demand", async () => {
    const who = await signedIn();
    const center = { lat: -23.55, lon: -46.64 };
    const started = await follow({ point: center, radiusM: 990 }, who.cookie);
    assert.equal(started.statusCode, 201, started.body);
    // 0.008° south: 886 m. Published as it is.
    const inside = await fileDemand({ service: plain, at: { lat: -23.558, lon: -46.64 } });
    // Exactly 986 m away, but published on the grid at -23.559: 997 m, outside. A follow tells no more than open data.
    const edge = await fileDemand({ service: otherPlain, at: { lat: -23.5589, lon: -46.64 } });
    const hidden = await fileDemand({
      service: sensitive,
      at: { lat: -23.551, lon: -46.64 },
      email: "s2@example.org",
    });
    await cycle();
    const [text] = await textsTo(who.email);
    assert.ok(text?.includes(inside.protocol), text);
    assert.ok(!text?.includes(edge.protocol), text);
    assert.ok(!text?.includes(hidden.protocol), text);
    assert.ok(
      !text?.includes("só publicamos por distrito"),
      "a point follow never counts district-only demands",
    );
    const items = await db.query<{ demand_id: number }>(
      "SELECT demand_id FROM area_follow_items WHERE follow_id = $1",
      [started.json().id],
    );
    assert.deepEqual(
      items.map((i) => Number(i.demand_id)),
      [inside.id],
    );
  });

  it("sends at most one digest an hour, the news in between batched into the next", async () => {
    const who = await signedIn();
    const { id } = (await follow({ point: { lat: -23.6, lon: -46.66 }, radiusM: 2000 }, who.cookie)).json();
    const first = await fileDemand({ service: plain, at: { lat: -23.601, lon: -46.66 } });
    await cycle();
    assert.equal((await mailsTo(who.email)).length, 1);

    const second = await fileDemand({ service: otherPlain, at: { lat: -23.604, lon: -46.661 } });
    await answerByDepartment(world, first.id);
    await cycle();
    assert.equal((await mailsTo(who.email)).length, 1, "the next digest waits for the hour");

    await db.query("UPDATE area_follows SET last_digest_at = now() - interval '61 minutes' WHERE id = $1", [
      id,
    ]);
    await cycle();
    const texts = await textsTo(who.email);
    assert.equal(texts.length, 2);
    const last = texts[1]!;
    assert.match(last, /Nova solicitação \(1\):/);
    assert.ok(last.includes(second.protocol));
    assert.match(last, /Respondida \(1\):\n- [^\n]*/);
    assert.match(last, /Encerrada \(1\):/);
    assert.ok(last.includes(`${first.protocol} · `));
  });

  it("writes each item into one digest and sends it once, with two workers racing", async () => {
    const who = await signedIn();
    const { id } = (await follow({ point: { lat: -23.53, lon: -46.62 }, radiusM: 1500 }, who.cookie)).json();
    await fileDemand({ service: plain, at: { lat: -23.531, lon: -46.62 } });
    await fileDemand({ service: otherPlain, at: { lat: -23.533, lon: -46.621 } });
    await Promise.all([matchAreaFollows(db), matchAreaFollows(db)]);
    const written = await Promise.all([writeAreaDigests(db), writeAreaDigests(db)]);
    const digests = await db.query<{ id: number }>(
      "SELECT id FROM area_follow_digests WHERE follow_id = $1",
      [id],
    );
    assert.equal(digests.length, 1);
    assert.equal(
      written.reduce((a, b) => a + b, 0),
      1,
    );
    const items = await db.query<{ digest_id: number }>(
      "SELECT digest_id FROM area_follow_items WHERE follow_id = $1",
      [id],
    );
    assert.equal(items.length, 2);
    assert.ok(items.every((i) => Number(i.digest_id) === Number(digests[0]!.id)));
    await Promise.all([drain(), drain()]);
    await drain();
    assert.equal((await mailsTo(who.email)).length, 1);
  });

  it("starts a follow by e-mail only after its confirmation link, and stops it by the link of any e-mail", async () => {
    const email = `anonima-${randomBytes(3).toString("hex")}@example.org`;
    const started = await follow({ district: se.code, email: email.toUpperCase() });
    assert.equal(started.statusCode, 201, started.body);
    assert.equal(started.json().state, "pending");
    assert.equal(started.json().confirmationSent, true);
    // Asked again: the same follow, no second e-mail.
    const again = await follow({ district: se.code, email });
    assert.equal(again.json().id, started.json().id);
    assert.equal(again.json().confirmationSent, false);
    await drain();
    const [confirmation, ...others] = await mailsTo(email);
    assert.equal(others.length, 0);
    assert.match(confirmation!.subject ?? "", /Confirme: acompanhar o distrito SE/);
    const confirmToken = decodeURIComponent(/confirmar=([^&\s]+)/.exec(confirmation!.text ?? "")![1]!);
    const stopToken = decodeURIComponent(/parar=([^&\s]+)/.exec(confirmation!.text ?? "")![1]!);

    // News before the confirmation is not sent.
    await fileDemand({ service: plain, at: { lat: -23.5495, lon: -46.6345 } });
    await cycle();
    assert.equal((await mailsTo(email)).length, 1);

    const post = (url: string, token: string) => app.inject({ method: "POST", url, payload: { token } });
    const wrong = await post("/api/v1/area-follows/confirm", stopToken);
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().errors[0].code, "invalid_area_follow_link");
    const confirmed = await post("/api/v1/area-follows/confirm", confirmToken);
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    assert.equal(confirmed.json().state, "active");

    const news = await fileDemand({ service: plain, at: { lat: -23.5485, lon: -46.6335 } });
    await cycle();
    const mails = await mailsTo(email);
    assert.equal(mails.length, 2);
    assert.ok(mails[1]!.text?.includes(news.protocol));

    // The mail client's one-click POST (RFC 8058) stops it, and the address is forgotten.
    const oneClick = /<([^>]+)>/.exec(headerOf(mails[1]!, "list-unsubscribe"))![1]!;
    const stopped = await app.inject({
      method: "POST",
      url: new URL(oneClick).pathname + new URL(oneClick).search,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "List-Unsubscribe=One-Click",
    });
    assert.equal(stopped.statusCode, 200, stopped.body);
    assert.equal(stopped.json().state, "stopped");
    const row = await one<{ email: string | null }>(db, "SELECT email FROM area_follows WHERE id = $1", [
      started.json().id,
    ]);
    assert.equal(row.email, null);
    assert.equal((await post("/api/v1/area-follows/confirm", confirmToken)).statusCode, 410);
    await fileDemand({ service: plain, at: { lat: -23.5492, lon: -46.6331 } });
    await db.query("UPDATE area_follows SET last_digest_at = NULL WHERE id = $1", [started.json().id]);
    await cycle();
    assert.equal((await mailsTo(email)).length, 2);
    assert.equal((await post("/api/v1/area-follows/stop", "1.x")).statusCode, 400);
  });

  it("forgets a follow never confirmed after a week, and digests sent three months ago", async () => {
    const email = `esquecida-${randomBytes(3).toString("hex")}@example.org`;
    const pending = (await follow({ district: se.code, email })).json();
    const who = await signedIn();
    const active = (await follow({ point: { lat: -23.57, lon: -46.65 }, radiusM: 800 }, who.cookie)).json();
    await fileDemand({ service: plain, at: { lat: -23.571, lon: -46.65 } });
    await cycle();
    const sent = await one<{ id: number }>(db, "SELECT id FROM area_follow_digests WHERE follow_id = $1", [
      active.id,
    ]);
    await db.query("UPDATE area_follows SET created_at = now() - interval '8 days' WHERE id = $1", [
      pending.id,
    ]);
    await db.query("UPDATE area_follow_digests SET sent_at = now() - interval '91 days' WHERE id = $1", [
      sent.id,
    ]);
    await digestAreaFollowsJob.run(ctx, { slot: new Date().toISOString() });
    const row = await one<{ email: string | null; stopped: boolean }>(
      db,
      "SELECT email, stopped_at IS NOT NULL AS stopped FROM area_follows WHERE id = $1",
      [pending.id],
    );
    assert.deepEqual(row, { email: null, stopped: true });
    const left = await db.query("SELECT 1 FROM area_follow_items WHERE digest_id = $1", [sent.id]);
    assert.equal(left.length, 0);
    assert.equal((await db.query("SELECT 1 FROM area_follow_digests WHERE id = $1", [sent.id])).length, 0);
  });

  it("refuses a follow without exactly one area, outside the city, or of an unknown district", async () => {
    const email = "valida@example.org";
    const codes = async (body: object) => {
      const res = await follow(body);
      return [
        res.statusCode,
        res.json().errors?.map((e: { field: string; code: string }) => `${e.field}:${e.code}`),
      ];
    };
    assert.deepEqual(await codes({ email }), [400, ["district:area_required"]]);
    assert.deepEqual(await codes({ email, district: se.code, point: IN_SE, radiusM: 500 }), [
      400,
      ["district:area_required"],
    ]);
    assert.deepEqual(await codes({ email, point: IN_SE }), [400, ["radiusM:required"]]);
    assert.deepEqual(await codes({ email, point: IN_SE, radiusM: 50 }), [400, ["radiusM:too_small"]]);
    assert.deepEqual(await codes({ email, point: IN_SE, radiusM: 5001 }), [400, ["radiusM:too_big"]]);
    assert.deepEqual(await codes({ district: se.code }), [400, ["email:required"]]);
    assert.deepEqual(await codes({ email, district: "nope" }), [422, ["district:unknown_area"]]);
    assert.deepEqual(await codes({ email, point: { lat: -22.9, lon: -43.2 }, radiusM: 500 }), [
      422,
      ["point:point_outside_city"],
    ]);
  });

  it("limits the follows of an address and the requests of a caller", async () => {
    const email = `limite-${randomBytes(3).toString("hex")}@example.org`;
    for (let i = 0; i < FOLLOWS_PER_ADDRESS; i++) {
      const res = await follow({ email, point: { lat: -23.55 - i * 0.01, lon: -46.64 }, radiusM: 300 });
      assert.equal(res.statusCode, 201, res.body);
    }
    const over = await follow({ email, point: { lat: -23.51, lon: -46.64 }, radiusM: 300 });
    assert.equal(over.statusCode, 422);
    assert.equal(over.json().code, "area_follow_limit");

    const address = "192.0.2.77";
    await withinOneRateWindow(20_000);
    const statuses: number[] = [];
    for (let i = 0; i <= FOLLOW_REQUESTS_PER_MINUTE; i++)
      statuses.push(
        (await follow({ email: `r${i}@example.org`, district: se.code }, undefined, address)).statusCode,
      );
    assert.deepEqual(
      statuses.slice(0, FOLLOW_REQUESTS_PER_MINUTE),
      Array(FOLLOW_REQUESTS_PER_MINUTE).fill(201),
    );
    const limited = await follow({ email: "r-last@example.org", district: se.code }, undefined, address);
    assert.equal(limited.statusCode, 429);
    assert.ok(limited.headers["retry-after"]);
  });

  it("lists a signed-in citizen's follows and stops one of theirs, never another's", async () => {
    const who = await signedIn();
    const other = await signedIn();
    const mine = (await follow({ district: se.code }, who.cookie)).json();
    const theirs = (await follow({ district: se.code }, other.cookie)).json();
    const list = await app.inject({
      method: "GET",
      url: "/api/v1/area-follows",
      headers: { cookie: who.cookie },
    });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(
      list.json().follows.map((f: { id: number }) => f.id),
      [mine.id],
    );
    assert.equal(list.json().follows[0].district.name, "SE");
    const stopOther = await app.inject({
      method: "DELETE",
      url: `/api/v1/area-follows/${theirs.id}`,
      headers: { cookie: who.cookie },
    });
    assert.equal(stopOther.statusCode, 404);
    const stop = await app.inject({
      method: "DELETE",
      url: `/api/v1/area-follows/${mine.id}`,
      headers: { cookie: who.cookie },
    });
    assert.equal(stop.statusCode, 200);
    assert.equal(stop.json().state, "stopped");
    const after = await app.inject({
      method: "GET",
      url: "/api/v1/area-follows",
      headers: { cookie: who.cookie },
    });
    assert.deepEqual(after.json().follows, []);
    assert.equal((await app.inject({ method: "GET", url: "/api/v1/area-follows" })).statusCode, 401);
    assert.ok(fake.received.length > 0);
  });

  it("stops the follows of an erased citizen and forgets their address", async () => {
    const who = await signedIn();
    const { id } = (await follow({ district: se.code }, who.cookie)).json();
    // The ombudsman erases (LGPD art. 18 VI).
    const ombudsman = await staffHeaders(db, "ombudsman");
    const erased = await app.inject({
      method: "POST",
      url: `/api/v1/citizens/${who.citizenId}/erasure`,
      headers: { authorization: ombudsman.authorization },
    });
    assert.equal(erased.statusCode, 200, erased.body);
    const row = await one<{ email: string | null; citizen_id: number | null; stopped: boolean }>(
      db,
      "SELECT email, citizen_id, stopped_at IS NOT NULL AS stopped FROM area_follows WHERE id = $1",
      [id],
    );
    assert.deepEqual(row, { email: null, citizen_id: null, stopped: true });
  });
});
