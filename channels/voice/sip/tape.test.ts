import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ulawSample } from "./answering.ts";
import { CallTape, mixFrames, ulawByte } from "./tape.ts";

describe("a call's recording", () => {
  it("encodes μ-law as G.711 decodes it, within a segment's step", () => {
    for (const sample of [0, 100, -100, 1000, -5000, 12000, -32000]) {
      const back = ulawSample(ulawByte(sample));
      assert.ok(Math.abs(back - sample) <= Math.max(8, Math.abs(sample) / 16), `${sample} → ${back}`);
    }
    assert.equal(ulawByte(0), 0xff, "silence is 0xff");
    for (let byte = 0; byte < 256; byte++) {
      if (byte === 0x7f) continue; // negative zero encodes as positive zero
      assert.equal(ulawByte(ulawSample(byte)), byte, `byte ${byte}`);
    }
  });

  it("mixes both sides: a frame said and a frame heard at once add up; alone, each is itself", () => {
    const loud = Buffer.alloc(160, ulawByte(4000));
    const soft = Buffer.alloc(160, ulawByte(1000));
    const mixed = mixFrames(loud, soft);
    assert.ok(Math.abs(ulawSample(mixed[0]!) - 5000) < 200);
    assert.equal(mixFrames(loud, undefined), loud);
    assert.equal(
      mixFrames(undefined, undefined).every((b) => b === 0xff),
      true,
    );
  });

  it("keeps the caller's frames in order for a <Record>, and the whole call on the clock", async () => {
    const answer = new CallTape(false);
    answer.add("said", Buffer.alloc(160, 1));
    answer.add("heard", Buffer.alloc(160, 2));
    answer.add("heard", Buffer.alloc(160, 3));
    assert.deepEqual(
      [...answer.audio()].filter((_, i) => i % 160 === 0),
      [2, 3],
    );

    const call = new CallTape(true);
    call.add("said", Buffer.alloc(160, ulawByte(2000)));
    call.add("said", Buffer.alloc(160, ulawByte(2000)));
    await new Promise((r) => setTimeout(r, 100));
    call.add("heard", Buffer.alloc(160, ulawByte(3000)));
    const audio = call.audio();
    assert.ok(audio.length >= 160 * 5, `${audio.length} bytes: the pause between is kept`);
    assert.ok(Math.abs(ulawSample(audio[0]!) - 2000) < 100);
    assert.ok(Math.abs(ulawSample(audio.at(-1)!) - 3000) < 150);
  });
});
