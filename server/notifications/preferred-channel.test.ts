/**
 * The channel a citizen asks to be answered on (citizen.preferredChannel, the portal's "Receber as respostas por")
 * is tried first for every message to them; WhatsApp chosen with only a phone makes the phone their WhatsApp; a
 * preference without its contact is refused.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { demandBody, findPlainService } from "../../tests/factories.ts";
import { testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { planMessage } from "./planning.ts";
import type { SendMessagePayload } from "./schemas.ts";

const { app, ctx } = await testApp();
const service = await findPlainService(ctx.db);

async function file(citizen: Record<string, unknown>) {
  const body = demandBody(service, { email: "quem@example.org" });
  return app.inject({
    method: "POST",
    url: "/api/v1/demands",
    payload: { ...body, citizen: { name: "Rosa", ...citizen } },
  });
}

/** The channels the receipt of `protocol` would be tried on, in order. */
async function receiptChannels(protocol: string): Promise<string[]> {
  const row = await one<{ id: number; payload: SendMessagePayload }>(
    ctx.db,
    `SELECT o.id, o.payload FROM outbox o JOIN demands d ON d.id = (o.payload->>'demandId')::bigint
      WHERE o.job = 'send-message' AND o.payload->>'template' = 'demand.received' AND d.protocol = $1`,
    [protocol],
  );
  const plan = await planMessage(
    ctx.db,
    Number(row.id),
    row.payload,
    ["email", "whatsapp", "sms"],
    "https://x",
  );
  assert.equal(plan.kind, "send");
  return plan.kind === "send" ? plan.recipients.map((r) => r.channel) : [];
}

describe("the citizen's preferred channel", () => {
  it("tries the channel the citizen chose first", async () => {
    const sms = await file({ email: "rosa@example.org", phone: "(11) 98765-4321", preferredChannel: "sms" });
    assert.equal(sms.statusCode, 201, sms.body);
    assert.deepEqual(await receiptChannels(sms.json().protocol), ["sms", "email"]);

    const none = await file({ email: "rosa2@example.org", phone: "(11) 98765-4322" });
    assert.deepEqual(
      await receiptChannels(none.json().protocol),
      ["email", "sms"],
      "the web demand: e-mail first",
    );
  });

  it("makes the phone the WhatsApp number when WhatsApp is chosen with a phone only", async () => {
    const res = await file({ phone: "+55 11 98765-4323", preferredChannel: "whatsapp" });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(await receiptChannels(res.json().protocol), ["whatsapp", "sms"]);
    const contact = await one<{ value: string }>(
      ctx.db,
      `SELECT c.value FROM citizen_contacts c JOIN demands d ON d.citizen_id = c.citizen_id
        WHERE d.protocol = $1 AND c.channel = 'whatsapp'`,
      [res.json().protocol],
    );
    assert.match(contact.value, /5511987654323$/);
  });

  it("refuses a preferred channel without its contact, naming the field", async () => {
    const res = await file({ phone: "(11) 98765-4324", preferredChannel: "email" });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(
      res.json().errors.map((e: { field: string }) => e.field),
      ["citizen.preferredChannel"],
    );
  });
});
