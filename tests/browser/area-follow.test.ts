/**
 * Following an area in the citizen portal, on a phone in pt-BR: a point tapped on the map with a radius and an
 * e-mail; the confirmation e-mail's link opened and confirmed; a demand filed there through the API; the digest
 * e-mail in the fake SMTP server names it (and no one); its stop link stops the follow. axe-core and screenshots.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { startFakeSmtp } from "../../channels/email/fake.ts";
import { digestAreaFollowsJob } from "../../server/area-follows/jobs.ts";
import { one } from "../../server/db/index.ts";
import { JOBS } from "../../server/jobs/registry.ts";
import { runOnce } from "../../server/jobs/runner.ts";
import { closeChannelsOf } from "../../server/notifications/jobs.ts";
import { seriousViolations, shot, startBrowserTest } from "./browser.ts";

const fake = await startFakeSmtp();
after(() => fake.close());
const PUBLIC_URL = "https://156.cidade.example";
const { baseUrl, browser, ctx } = await startBrowserTest({ smtpUrl: fake.url, publicUrl: PUBLIC_URL });
after(() => closeChannelsOf(ctx.config));
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

const drain = async () => {
  while ((await runOnce(ctx, JOBS)) > 0) {}
};
/** The periodic job as the scheduler runs it, then the e-mails it queued. */
const digest = async () => {
  await digestAreaFollowsJob.run(ctx, { slot: new Date().toISOString() });
  await drain();
};

/** The e-mails `email` received, parsed, in order. */
const mailsTo = (email: string) =>
  Promise.all(fake.received.filter((m) => m.to.includes(email)).map((m) => fake.parse(m)));

/** The first link of a text starting with the public address, pointed at the test server. */
function linkIn(text: string, param: string): string {
  const link = [...text.matchAll(/https:\/\/156\.cidade\.example\/\S+/g)]
    .map((l) => l[0])
    .find((l) => l.includes(`${param}=`));
  if (!link) throw new Error(`no ${param} link in ${text}`);
  return link.replace(PUBLIC_URL, baseUrl);
}

describe("following an area in the portal", () => {
  it("follows a point on the map by e-mail, confirms it, gets a digest of a demand filed there and stops", async () => {
    const email = `vizinha-${Date.now()}@example.org`;
    const context = await browser.newContext({ ...PHONE, locale: "pt-BR" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/acompanhar-area`);
    await page.getByRole("heading", { level: 1, name: "Acompanhar uma área" }).waitFor();
    await page.getByLabel("Um ponto no mapa, com um raio").check();
    // The map takes taps once the districts are drawn (they arrive after the map itself).
    await page.locator(".map path.district").first().waitFor();
    // A tap at the map's centre, scrolled into view first: the chat's floating button must not take it.
    const box = (await page.locator(".map").boundingBox())!;
    await page.locator(".map").click({ position: { x: box.width / 2, y: box.height / 2 } });
    await page.getByText(/^Ponto escolhido: /).waitFor();
    await page.getByLabel("Raio em metros (de 100 a 5.000)").fill("1000");
    await page.getByLabel("Seu e-mail").fill(email);
    assert.deepEqual(await seriousViolations(page), []);
    await page.getByRole("button", { name: "Acompanhar", exact: true }).click();
    await page.getByText(`Quase lá: abra o link que enviamos para ${email} para começar.`).waitFor();
    await shot(page, "area-follow-asked-pt-BR");

    await drain();
    const [confirmation] = await mailsTo(email);
    assert.match(confirmation!.subject ?? "", /^Confirme: acompanhar um raio de 1000 m em torno de /);
    await page.goto(linkIn(confirmation!.text ?? "", "confirmar"));
    await page.getByRole("heading", { name: "Confirmar o acompanhamento" }).waitFor();
    await page.getByRole("button", { name: "Confirmar" }).click();
    await page.getByText(/^Confirmado: você acompanha 1000 m em torno de /).waitFor();
    await shot(page, "area-follow-confirmed-pt-BR");

    // A demand filed through the API at the followed point, by a citizen whose name and words never reach the digest.
    const followed = await one<{ lat: number; lon: number }>(
      ctx.db,
      "SELECT ST_Y(point) AS lat, ST_X(point) AS lon FROM area_follows WHERE email = $1",
      [email],
    );
    const [service] = await ctx.db.query<{ code: string }>(
      `SELECT code FROM services WHERE active AND NOT sensitive AND attributes = '[]'::jsonb AND location_required
        ORDER BY code LIMIT 1`,
    );
    const filed = await fetch(`${baseUrl}/api/v1/demands`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        service: service!.code,
        description: "Lâmpada queimada no poste em frente à padaria",
        location: { lat: Number(followed.lat), lon: Number(followed.lon) },
        identity: "identified",
        citizen: { name: "Quitéria Vasconcelos", email: "quiteria@example.org" },
      }),
    });
    assert.equal(filed.status, 201, await filed.clone().text());
    const { protocol } = (await filed.json()) as { protocol: string };
    await digest();
    const mails = await mailsTo(email);
    assert.equal(mails.length, 2);
    const text = mails[1]!.text ?? "";
    assert.match(mails[1]!.subject ?? "", /^Novidades em um raio de 1000 m/);
    assert.ok(text.includes(protocol), text);
    for (const never of ["Quitéria", "quiteria@", "Lâmpada queimada"])
      assert.ok(!text.includes(never), never);

    // The digest's stop link: a button on the portal, then no more e-mails.
    await page.goto(linkIn(text, "parar"));
    await page.getByRole("button", { name: "Parar de acompanhar" }).click();
    await page.getByText(/^Você não acompanha mais 1000 m em torno de /).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await shot(page, "area-follow-stopped-pt-BR");
    const { count } = await one<{ count: number }>(
      ctx.db,
      "SELECT count(*)::int AS count FROM area_follows WHERE email = $1",
      [email],
    );
    assert.equal(count, 0, "the address is forgotten");
    await context.close();
  });
});
