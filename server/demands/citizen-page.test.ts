/**
 * The citizen's page (decision 0030): /acompanhar and the links of messages lead to the portal's page of the
 * demand; the full view, photos, rating and reopening only with a proof (the secret or access code, the link key
 * of the messages sent to the demand's own citizen, or the sign-in by code); every server page has the portal's look.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { startFakeSmtp } from "../../channels/email/fake.ts";
import { drain as drainJobs, multipartBody } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { buildWeb } from "../../web/build.ts";
import { consentLinkToken } from "../citizens/consent.ts";
import { one } from "../db/index.ts";
import { iconPng } from "../http/icons.ts";
import { closeChannelsOf } from "../notifications/jobs.ts";
import { notifyCitizens } from "./transitions.ts";

await buildWeb({ quiet: true });
const fake = await startFakeSmtp();
after(() => fake.close());
const PUBLIC_URL = "https://156.cidade.example";
const { app, ctx } = await testApp({ smtpUrl: fake.url, publicUrl: PUBLIC_URL });
after(() => closeChannelsOf(ctx.config));
const db = ctx.db;

const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch
      ORDER BY code LIMIT 1`,
  )
).code;

/** Runs every job until nothing is due. */
const drain = () => drainJobs(ctx);

let serial = 0;
/** Files an identified demand with one photo, near the Sé, and lets the matrix dispatch it. */
async function fileDemand(email: string) {
  serial++;
  const body = multipartBody(
    {
      service,
      description: `Buraco fundo na calçada, perto do número ${serial}`,
      location: { lat: -23.5503 - serial * 0.004, lon: -46.634 },
      identity: "identified",
      citizen: { name: "Zuleica Quixadá", email, locale: "pt-BR" },
    },
    [{ name: "buraco.png", content: iconPng(192) }],
  );
  const res = await app.inject({ method: "POST", url: "/api/v1/demands", ...body });
  assert.equal(res.statusCode, 201, res.body);
  const { protocol, secret } = res.json() as { protocol: string; secret: string };
  await drain();
  const order = await one<{ id: number; code: string; demand_id: number }>(
    db,
    `SELECT w.id, dep.code, d.id AS demand_id FROM work_orders w JOIN demands d ON d.id = w.demand_id
       JOIN departments dep ON dep.id = w.department_id WHERE d.protocol = $1`,
    [protocol],
  );
  return { protocol, secret, order };
}

const ANSWER =
  "A equipe de conservação tapou o buraco com asfalto frio em 12/03 e sinalizou o local até a cura completa.";

/** Answers the demand's order with one of two evidence photos named, and delivers the answer (it closes). */
async function answerWithEvidence(order: { id: number; code: string }) {
  const staff = await staffHeaders(db, "department_staff", order.code);
  const h = { authorization: staff.authorization };
  const upload = multipartBody(undefined, [
    { field: "files", name: "depois.png", content: iconPng(512) },
    { field: "files", name: "equipe.png", content: iconPng(48) },
  ]);
  const res = await app.inject({
    method: "POST",
    url: `/api/v1/work-orders/${order.id}/attachments`,
    payload: upload.payload,
    headers: { ...h, ...upload.headers },
  });
  assert.equal(res.statusCode, 201, res.body);
  const [shown, kept] = (res.json() as { attachments: { id: number }[] }).attachments;
  const answered = await app.inject({
    method: "POST",
    url: `/api/v1/work-orders/${order.id}/answer`,
    headers: h,
    payload: { answer: ANSWER, evidence: [shown!.id] },
  });
  assert.equal(answered.statusCode, 200, answered.body);
  await drain();
  return { shown: shown!.id, kept: kept!.id };
}

/** The links to the demand's page in the e-mails an address received. */
async function linksTo(address: string, protocol: string): Promise<string[]> {
  const mails = await Promise.all(
    fake.received.filter((m) => m.to.includes(address)).map((m) => fake.parse(m)),
  );
  const pattern = new RegExp(
    `${PUBLIC_URL}/acompanhar\\?protocolo=${protocol}&lang=pt-BR(#chave=[\\w-]+)?`,
    "g",
  );
  return mails.flatMap((m) => [...(m.text ?? "").matchAll(pattern)].map((x) => x[0]));
}

const view = (protocol: string, proof?: string, headers: Record<string, string> = {}) =>
  app.inject({
    url: `/api/v1/demands/${protocol}`,
    headers: { ...headers, ...(proof ? { "x-demand-secret": proof } : {}) },
  });
const act = (protocol: string, what: "rating" | "reopen", payload: object) =>
  app.inject({ method: "POST", url: `/api/v1/demands/${protocol}/${what}`, payload });

const maria = await fileDemand("zuleica.page@example.org");
const evidence = await answerWithEvidence(maria.order);
const status = async () =>
  (await one<{ status: string }>(db, "SELECT status FROM demands WHERE protocol = $1", [maria.protocol]))
    .status;

describe("the citizen's page", () => {
  it("is where /acompanhar leads, keeping the language and turning a typed code into the link's fragment", async () => {
    const to = async (url: string) => {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 303, url);
      assert.equal(res.headers["referrer-policy"], "no-referrer");
      return res.headers.location;
    };
    assert.equal(
      await to(`/acompanhar?protocolo=${maria.protocol}&lang=es`),
      `/demanda/${maria.protocol}?lang=es`,
    );
    assert.equal(await to("/acompanhar"), "/demanda?lang=pt-BR");
    assert.equal(
      await to(`/acompanhar?protocolo=${maria.protocol}&chave=${maria.secret}&lang=en`),
      `/demanda/${maria.protocol}?lang=en#chave=${maria.secret}`,
    );
    // A wrong protocol still goes to its page, which says what is wrong beside the box.
    assert.equal(await to("/acompanhar?protocolo=12%2F3"), "/demanda/12%2F3?lang=pt-BR");
    const page = await app.inject({ url: `/demanda/${maria.protocol}?lang=en` });
    assert.equal(page.statusCode, 200);
  });

  it("is linked with the demand's link key in the messages to its own citizen", async () => {
    assert.equal(await status(), "closed");
    const links = await linksTo("zuleica.page@example.org", maria.protocol);
    // Receipt, answer and survey: every message carries the proof.
    assert.ok(links.length >= 3, `${links.length} links`);
    assert.ok(links.every((l) => l.includes("#chave=")));
    const key = links[0]!.split("#chave=")[1]!;
    assert.notEqual(key, maria.secret);
    const full = await view(maria.protocol, key);
    assert.equal(full.statusCode, 200);
    assert.equal(full.json().view, "citizen");
    assert.equal(full.json().description, `Buraco fundo na calçada, perto do número 1`);
  });

  it("without proof shows only the public view: no description, no photos, no choices", async () => {
    const res = await view(maria.protocol);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.view, "public");
    assert.equal(body.description, undefined);
    assert.equal(body.attachments, undefined);
    assert.equal(body.choices, undefined);
    assert.doesNotMatch(res.body, /Quixad|zuleica/i);
    const photo = await app.inject({
      url: `/api/v1/demands/${maria.protocol}/attachments/${evidence.shown}`,
    });
    assert.equal(photo.statusCode, 403);
  });

  it("with a wrong code shows nothing more and refuses rating and reopening", async () => {
    for (const wrong of ["not-the-code", `${maria.secret}x`, "A".repeat(43)]) {
      const res = await view(maria.protocol, wrong);
      assert.equal(res.statusCode, 403, wrong);
      assert.equal(res.json().code, "wrong_secret");
      assert.doesNotMatch(res.body, /Buraco fundo/);
      const photo = await app.inject({
        url: `/api/v1/demands/${maria.protocol}/attachments/${evidence.shown}`,
        headers: { "x-demand-secret": wrong },
      });
      assert.equal(photo.statusCode, 403);
    }
    const rate = await act(maria.protocol, "rating", { secret: "not-the-code", rating: 1, solved: false });
    assert.equal(rate.statusCode, 403);
    const reopen = await act(maria.protocol, "reopen", {
      secret: "not-the-code",
      reason: "Continua o buraco.",
    });
    assert.equal(reopen.statusCode, 403);
    // Another demand's link key is not this one's proof.
    const other = await fileDemand("outra.pessoa@example.org");
    const otherKey = (await linksTo("outra.pessoa@example.org", other.protocol))[0]!.split("#chave=")[1]!;
    assert.equal((await view(maria.protocol, otherKey)).statusCode, 403);
    assert.equal(await status(), "closed");
  });

  it("with the link key shows the citizen's photos and the evidence shown to them, and serves them sandboxed", async () => {
    const key = (await linksTo("zuleica.page@example.org", maria.protocol))[0]!.split("#chave=")[1]!;
    const body = (await view(maria.protocol, key)).json() as {
      attachments: { id: number; kind: string; url: string; mediaType: string }[];
      choices: { canRate: boolean; canReopen: boolean; reopenUntil: string };
    };
    assert.deepEqual(
      body.attachments.map((a) => a.kind),
      ["citizen", "evidence"],
    );
    assert.equal(body.attachments[1]!.id, evidence.shown);
    assert.ok(
      !body.attachments.some((a) => a.id === evidence.kept),
      "evidence the answer did not name stays internal",
    );
    for (const a of body.attachments) {
      const file = await app.inject({ url: a.url, headers: { "x-demand-secret": key } });
      assert.equal(file.statusCode, 200);
      assert.equal(file.headers["content-type"], "image/png");
      assert.match(String(file.headers["content-security-policy"]), /sandbox/);
    }
    const kept = await app.inject({
      url: `/api/v1/demands/${maria.protocol}/attachments/${evidence.kept}`,
      headers: { "x-demand-secret": key },
    });
    assert.equal(kept.statusCode, 404);
    assert.equal(body.choices.canRate, true);
    assert.equal(body.choices.canReopen, true);
    const days = (Date.parse(body.choices.reopenUntil) - Date.now()) / 86_400_000;
    assert.ok(days > 29 && days <= 30, `${days} days left to reopen`);
  });

  it("with the link key rates once, then with the receipt's access code reopens", async () => {
    const key = (await linksTo("zuleica.page@example.org", maria.protocol))[0]!.split("#chave=")[1]!;
    const rated = await act(maria.protocol, "rating", { secret: key, rating: 2, solved: false });
    assert.equal(rated.statusCode, 201, rated.body);
    const again = await act(maria.protocol, "rating", { secret: key, rating: 5, solved: true });
    assert.equal(again.statusCode, 409);
    const after = (await view(maria.protocol, maria.secret)).json();
    assert.deepEqual(
      { canRate: after.choices.canRate, canReopen: after.choices.canReopen },
      {
        canRate: false,
        canReopen: true,
      },
    );
    const reopened = await act(maria.protocol, "reopen", {
      secret: maria.secret,
      reason: "O buraco voltou.",
    });
    assert.equal(reopened.statusCode, 200, reopened.body);
    assert.equal(await status(), "dispatched");
    const now = (await view(maria.protocol, maria.secret)).json();
    assert.deepEqual(now.choices, { canRate: false, canReopen: false, reopenUntil: null });
  });

  it("gives a follower of the demand (a merged duplicate's citizen) its link without the proof", async () => {
    const follower = await fileDemand("seguidor.page@example.org");
    await db.query(
      `INSERT INTO demand_followers (demand_id, citizen_id, from_demand_id, channel)
       SELECT m.id, f.citizen_id, f.id, 'web' FROM demands m, demands f WHERE m.protocol = $1 AND f.protocol = $2`,
      [maria.protocol, follower.protocol],
    );
    await db.transaction(async (tx) => {
      const { id } = await one<{ id: number }>(tx, "SELECT id FROM demands WHERE protocol = $1", [
        maria.protocol,
      ]);
      assert.equal(await notifyCitizens(tx, id, "demand.reopened", { protocol: maria.protocol }), 2);
    });
    await drain();
    const theirs = await linksTo("seguidor.page@example.org", maria.protocol);
    assert.ok(theirs.length >= 1);
    assert.ok(
      theirs.every((l) => !l.includes("#chave=")),
      theirs.join(" "),
    );
    const owners = await linksTo("zuleica.page@example.org", maria.protocol);
    assert.ok(owners.every((l) => l.includes("#chave=")));
  });

  it("with the sign-in by code offers the same choices to the demand's own citizen only", async () => {
    const ana = await fileDemand("ana.sign-in@example.org");
    await answerWithEvidence(ana.order);
    const signIn = await app.inject({
      method: "POST",
      url: "/api/v1/citizen/sign-in",
      payload: { email: "ana.sign-in@example.org" },
    });
    assert.equal(signIn.statusCode, 202, signIn.body);
    await drain();
    const mails = await Promise.all(
      fake.received.filter((m) => m.to.includes("ana.sign-in@example.org")).map((m) => fake.parse(m)),
    );
    const code = mails
      .map((m) => /\b(\d{6})\b/.exec(m.text ?? "")?.[1])
      .filter(Boolean)
      .at(-1)!;
    const verified = await app.inject({
      method: "POST",
      url: "/api/v1/citizen/verify",
      payload: { email: "ana.sign-in@example.org", code },
    });
    assert.equal(verified.statusCode, 200, verified.body);
    const cookie = String(verified.headers["set-cookie"]).split(";")[0]!;
    const own = (await view(ana.protocol, undefined, { cookie })).json();
    assert.equal(own.view, "citizen");
    assert.equal(own.choices.canRate, true);
    // Signed in, another person's demand is still the public view.
    assert.equal((await view(maria.protocol, undefined, { cookie })).json().view, "public");
  });
});

describe("the pages citizens land on", () => {
  const lookOf = (html: string) => ({
    stylesheet: /<link rel="stylesheet" href="\/assets\/[\w.-]+\.css">/.test(html),
    header: html.includes('<header class="site-header">'),
    languages: /<nav class="lang"[^>]*><ul>(<li>.*?<\/li>){3}<\/ul><\/nav>/.test(html),
    menu: html.includes('<nav id="menu"'),
    footer: html.includes('<footer id="footer"'),
  });
  const everything = { stylesheet: true, header: true, languages: true, menu: true, footer: true };

  it("share the portal's stylesheet, header, language switch, menu and footer", async () => {
    const portal = await app.inject({ url: "/demanda?lang=es" });
    const portalCss = /<link rel="stylesheet" href="([^"]+)">/.exec(portal.body)![1];
    const citizenId = (
      await one<{ citizen_id: number }>(db, "SELECT citizen_id FROM demands WHERE protocol = $1", [
        maria.protocol,
      ])
    ).citizen_id;
    const token = await consentLinkToken(db, citizenId);
    for (const url of [
      "/carta-de-servicos?lang=es",
      `/consentimento/retirar?token=${encodeURIComponent(token)}&lang=es`,
      "/consentimento/retirar?token=wrong&lang=es",
    ]) {
      const res = await app.inject({ url });
      assert.deepEqual(lookOf(res.body), everything, url);
      assert.ok(res.body.includes(`href="${portalCss}"`), `${url} links the portal's own stylesheet`);
      assert.match(res.body, /<html lang="es">/);
      assert.match(String(res.headers["content-security-policy"]), /style-src 'self' 'sha256-/);
      assert.doesNotMatch(String(res.headers["content-security-policy"]), /script-src|unsafe-inline/);
    }
    // The consent page's language switch keeps its link, so the reader can change language before confirming.
    const consent = await app.inject({ url: `/consentimento/retirar?token=${encodeURIComponent(token)}` });
    assert.ok(
      consent.body.includes(`href="/consentimento/retirar?token=${encodeURIComponent(token)}&amp;lang=en"`),
    );
  });
});
