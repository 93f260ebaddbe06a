/**
 * SMS by Kannel end to end: a real Kannel (bearerbox + smsbox) bound over SMPP to the fake SMS centre, its get-url
 * pointed at the running app. A citizen's SMS goes SMSC → Kannel → `GET /webhooks/kannel/sms`, the step runs from
 * the outbox, the reply goes app → sendsms → Kannel → SMSC, and the SMS centre's delivery report comes back to
 * `GET /webhooks/kannel/dlr` as the reply's delivery state. Also: a message Kannel fetches three times is one, and
 * requests without the secret, with a forged report signature or malformed are refused with nothing stored.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type FakeSmsc, type FakeSmscMessage, startFakeSmsc } from "../../channels/kannel/fake.ts";
import { signReportKey } from "../../channels/kannel/parse.ts";
import {
  ANSWER,
  answerByDepartment,
  departmentCodeOf,
  drain,
  fileDemand,
  makeStaff,
  openOrder,
  postAs,
  statusOf,
} from "../../tests/factories.ts";
import { testApp } from "../../tests/helpers.ts";
import { hasKannel, startKannel, type TestKannel } from "../../tests/kannel.ts";
import { one } from "../db/index.ts";
import { closeChannelsOf } from "../notifications/jobs.ts";

const SECRET = "kannel-webhook-secret-for-tests";
const SHORT_CODE = "156";

const world = await testApp();

describe("SMS through a real Kannel", { skip: hasKannel ? false : "kannel is not installed" }, () => {
  let smsc: FakeSmsc;
  let kannel: TestKannel;
  let base = "";
  const count = async () =>
    (await one<{ n: number }>(world.ctx.db, "SELECT count(*)::int AS n FROM inbound_messages")).n;

  before(async () => {
    base = await world.app.listen({ port: 0, host: "127.0.0.1" });
    smsc = await startFakeSmsc();
    const port = new URL(base).port;
    kannel = await startKannel({
      smsc,
      moUrl: `http://kannel:${SECRET}@127.0.0.1:${port}/webhooks/kannel/sms?id=%I&from=%p&to=%P&text=%b&coding=%c&charset=%C&time=%T`,
    });
    const { config } = world.ctx;
    config.publicUrl = base;
    config.messaging.kannel = {
      sendsmsUrl: kannel.sendsmsUrl,
      username: kannel.username,
      password: kannel.password,
      from: SHORT_CODE,
      webhookSecret: SECRET,
      maxParts: 6,
      foldToGsm: false,
    };
  });
  after(async () => {
    await closeChannelsOf(world.ctx.config);
    await kannel?.stop();
    await smsc?.close();
  });

  /** Runs the outbox until the citizen's n-th SMS from us arrived at the SMS centre, and returns it. */
  const nth = async (to: string, n: number): Promise<FakeSmscMessage> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      await drain(world.ctx);
      const got = smsc.messages.filter((m) => m.to === to);
      if (got.length >= n) return got[n - 1]!;
      if (Date.now() > deadline) {
        assert.fail(`no SMS #${n} to ${to}; got:\n${got.map((m) => m.text).join("\n---\n")}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /** Waits until Kannel's request for a message is stored. */
  const stored = async (n: number) => {
    const deadline = Date.now() + 15_000;
    while ((await count()) < n) {
      if (Date.now() > deadline) assert.fail(`Kannel did not bring the message\n${await kannel.logs()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it("refuses requests without the secret, with a forged report or malformed, and stores nothing", async () => {
    const before = await count();
    const mo = "/webhooks/kannel/sms?id=abc-1&from=5511977770000&to=156&text=oi&charset=UTF-8";
    assert.equal((await fetch(`${base}${mo}`)).status, 401);
    const wrong = `Basic ${Buffer.from("kannel:not-the-secret-at-all").toString("base64")}`;
    assert.equal((await fetch(`${base}${mo}`, { headers: { authorization: wrong } })).status, 401);
    const right = `Basic ${Buffer.from(`kannel:${SECRET}`).toString("base64")}`;
    const malformed = await fetch(`${base}/webhooks/kannel/sms?from=5511977770000&text=oi`, {
      headers: { authorization: right },
    });
    assert.equal(malformed.status, 400);
    assert.match(malformed.headers.get("content-type") ?? "", /problem\+json/);
    const forged = `/webhooks/kannel/dlr?key=k1&sig=${signReportKey("another-secret-value", "k1")}&type=1&fid=1`;
    assert.equal((await fetch(`${base}${forged}`)).status, 401);
    assert.equal(await count(), before);
  });

  it("counts a message Kannel fetches three times once", async () => {
    const before = await count();
    const right = `Basic ${Buffer.from(`kannel:${SECRET}`).toString("base64")}`;
    const mo =
      "/webhooks/kannel/sms?id=same-id-3x&from=5511977770001&to=156&text=oi&charset=UTF-8&time=1796456298";
    for (let i = 0; i < 3; i++) {
      const answer = await fetch(`${base}${mo}`, { headers: { authorization: right } });
      assert.equal(answer.status, 200);
      assert.equal(await answer.text(), "", "nothing for Kannel to send back");
    }
    assert.equal(await count(), before + 1);
    await nth("5511977770001", 1);
    await drain(world.ctx);
    assert.equal(smsc.messages.filter((m) => m.to === "5511977770001").length, 1, "one reply");
  });

  it("takes a citizen from a first SMS to a protocol, in the alphabet each reply needs, with delivery reports", async () => {
    const citizen = "5511977776666";
    let inbound = await count();
    const say = async (text: string) => {
      await smsc.deliver(citizen, SHORT_CODE, text);
      await stored(++inbound);
    };
    await say("boa noite tem um buraco enorme na r augusta 1200 quase caí de moto");
    let n = 1;
    let last = await nth(citizen, n);
    assert.equal(last.from, SHORT_CODE);
    let sent = 1;
    while (!/Posso registrar/.test(last.text) && sent < 8) {
      // SMS has no buttons: the choices come as a numbered list and the citizen types a number or an address.
      if (/Onde fica/.test(last.text)) await say("rua augusta 1200");
      else if (/\n1\. /.test(last.text)) await say(/\n(\d)\. (Não|Pular)/.exec(last.text)?.[1] ?? "1");
      else await say("não");
      sent++;
      last = await nth(citizen, ++n);
    }
    const dialogue = () =>
      smsc.messages
        .filter((m) => m.to === citizen)
        .map((m) => m.text)
        .join("\n---\n");
    assert.match(last.text, /Posso registrar/, dialogue());
    assert.ok(
      last.parts.every((p) => p.units <= (p.dataCoding === 8 ? 70 : 160)),
      "every part within its alphabet's limit",
    );
    await say("1");
    sent++;
    const receipt = await nth(citizen, ++n);
    const demand = await one<{ protocol: string; channel: string }>(
      world.ctx.db,
      `SELECT d.protocol, d.channel FROM demands d JOIN citizen_contacts c ON c.citizen_id = d.citizen_id
        WHERE c.value IN ($1, '+' || $1)`,
      [citizen],
    );
    assert.equal(demand.channel, "sms");
    assert.ok(sent <= 5, `filed after ${sent} messages from the citizen`);
    assert.ok(
      receipt.text.includes(demand.protocol) ||
        smsc.messages.some((m) => m.to === citizen && m.text.includes(demand.protocol)),
      "the protocol came back by SMS",
    );
    // The department answers and closes it: the answer and the survey come by SMS; the citizen rates it there,
    // says it was not solved, and reopens it.
    const { id: demandId } = await one<{ id: number }>(
      world.ctx.db,
      "SELECT id FROM demands WHERE protocol = $1",
      [demand.protocol],
    );
    await drain(world.ctx);
    await answerByDepartment(world, demandId);
    const before = smsc.messages.filter((m) => m.to === citizen).length;
    let survey: FakeSmscMessage | undefined;
    for (let k = before + 1; !survey; k++) {
      const m = await nth(citizen, k);
      if (/nota de 1 a 5/.test(m.text)) survey = m;
    }
    assert.ok(
      smsc.messages.some((m) => m.to === citizen && m.text.includes(ANSWER.slice(0, 40))),
      "the answer came by SMS",
    );
    n = smsc.messages.filter((m) => m.to === citizen).length;
    await say("2");
    assert.match((await nth(citizen, ++n)).text, /foi resolvido\?/);
    await say("não");
    assert.match((await nth(citizen, ++n)).text, /reaberta/);
    await say("sim");
    assert.match((await nth(citizen, ++n)).text, /foi reaberta e voltou/);
    const rated = await one<{ rating: number; solved: boolean; reopen_count: number }>(
      world.ctx.db,
      `SELECT s.rating, s.solved, d.reopen_count FROM satisfaction_surveys s JOIN demands d ON d.id = s.demand_id
        WHERE s.demand_id = $1 AND s.round = 0`,
      [demandId],
    );
    assert.deepEqual({ ...rated }, { rating: 2, solved: false, reopen_count: 1 });
    assert.equal(await statusOf(world.ctx.db, demandId), "dispatched", "back with the department");

    // The SMS centre reported every message delivered: Kannel fetched the signed report URL.
    const deadline = Date.now() + 15_000;
    for (;;) {
      await drain(world.ctx);
      const { n: undelivered } = await one<{ n: number }>(
        world.ctx.db,
        `SELECT count(*)::int AS n FROM conversation_replies r JOIN conversations c ON c.id = r.conversation_id
          WHERE c.channel = 'sms' AND c.address = $1 AND r.state <> 'delivered'`,
        [citizen],
      );
      if (undelivered === 0) break;
      if (Date.now() > deadline) assert.fail(`${undelivered} replies without a delivery report`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it("asks the department's question by SMS and joins the citizen's SMS to the demand as its complement", async () => {
    const citizen = "5511977775555";
    const demand = await fileDemand(world, { phone: `+${citizen}` });
    await drain(world.ctx);
    const order = await openOrder(world.ctx.db, demand.id);
    const staff = await makeStaff(
      world.ctx.db,
      "department_staff",
      await departmentCodeOf(world.ctx.db, order.department_id),
    );
    for (const step of ["accept", "start"]) {
      const moved = await postAs(world.app, `/api/v1/work-orders/${order.id}/${step}`, staff);
      assert.equal(moved.statusCode, 200, moved.body);
    }
    const question = "Em frente a qual número fica o buraco, exatamente?";
    const asked = await postAs(world.app, `/api/v1/work-orders/${order.id}/complement-request`, staff, {
      question,
    });
    assert.equal(asked.statusCode, 200, asked.body);
    let k = 1;
    while (!(await nth(citizen, k)).text.includes(question.slice(0, 30))) k++;
    await smsc.deliver(citizen, SHORT_CODE, "Fica em frente ao número 1200, perto da padaria");
    const reply = await nth(citizen, ++k);
    assert.match(reply.text, /juntada à solicitação/);
    const { state } = await one<{ state: string }>(
      world.ctx.db,
      "SELECT state FROM work_orders WHERE id = $1",
      [order.id],
    );
    assert.equal(state, "in_progress", "the order runs again");
    const text = await one<{ text: string }>(
      world.ctx.db,
      `SELECT data->>'text' AS text FROM demand_events WHERE demand_id = $1 AND type = 'demand.complement_text'`,
      [demand.id],
    );
    assert.match(text.text, /número 1200/);
  });
});
