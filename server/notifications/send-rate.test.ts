import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testDb } from "../../tests/helpers.ts";
import { awaitSendSlot, DEFAULT_SEND_RATES, parseSendRates, RateLimited } from "./send-rate.ts";

const db = await testDb();

describe("per-provider send rates", () => {
  it("reads SEND_RATES over the defaults and refuses what is not channel=rate", () => {
    assert.deepEqual(parseSendRates(undefined), DEFAULT_SEND_RATES);
    assert.deepEqual(parseSendRates("sms=5, whatsapp=200"), { ...DEFAULT_SEND_RATES, sms: 5, whatsapp: 200 });
    assert.ok("problem" in parseSendRates("fax=3"));
    assert.ok("problem" in parseSendRates("sms=-1"));
    assert.equal((parseSendRates("email=0") as Record<string, number>).email, 0, "0: no shared limit");
  });

  it("spaces the sends of one channel by its rate across callers, and leaves other channels alone", async () => {
    const started = Date.now();
    // 10 a second: ten sends at once take about 0.9 s between the first and the last.
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, () =>
        awaitSendSlot(db, "sms", 10).then(() => times.push(Date.now() - started)),
      ),
    );
    times.sort((a, b) => a - b);
    assert.ok(times.at(-1)! - times[0]! >= 800, `spread over ${times.at(-1)! - times[0]!} ms`);
    const other = Date.now();
    await awaitSendSlot(db, "telegram", 10);
    assert.ok(Date.now() - other < 300, "another channel has its own slots");
  });

  it("gives a slot up rather than wait longer than a job should", async () => {
    // 1 a second: the seventh caller at once would wait 6 s.
    const outcomes = await Promise.allSettled(Array.from({ length: 7 }, () => awaitSendSlot(db, "email", 1)));
    const limited = outcomes.filter((o) => o.status === "rejected" && o.reason instanceof RateLimited);
    assert.ok(limited.length >= 1, "the last one is told to come back later");
  });
});
