/**
 * A call's recording as the gateway keeps it: each 20 ms frame put at its place on the clock, the caller's ("heard")
 * and, for a whole call, the gateway's own prompts ("said"); on stop, both sides mixed into one μ-law track (what a
 * supervisor listens to: the questions and the answers). A `<Record>` verb keeps only what the caller said, frame
 * after frame. G.711 μ-law is decoded to 16-bit, summed, clipped and encoded again (ITU-T G.711's segments).
 */
import { ulawSample } from "./answering.ts";

const FRAME = 160;
const FRAME_MS = 20;
const SILENCE = 0xff;

/** Linear 16-bit to G.711 μ-law (the encoder ulawSample inverts). */
export function ulawByte(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  const sign = sample < 0 ? 0x80 : 0;
  const magnitude = Math.min(CLIP, Math.abs(Math.round(sample))) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** Mixes two μ-law frames (either may be absent) into one. */
export function mixFrames(a: Buffer | undefined, b: Buffer | undefined): Buffer {
  if (!a) return b ?? Buffer.alloc(FRAME, SILENCE);
  if (!b) return a;
  const out = Buffer.alloc(FRAME, SILENCE);
  for (let i = 0; i < FRAME; i++) {
    const sum = ulawSample(a[i] ?? SILENCE) + ulawSample(b[i] ?? SILENCE);
    out[i] = ulawByte(Math.max(-32768, Math.min(32767, sum)));
  }
  return out;
}

/** A recording under way. */
export class CallTape {
  private readonly started = performance.now();
  private readonly heard = new Map<number, Buffer>();
  private readonly said = new Map<number, Buffer>();
  private readonly frames: Buffer[] = [];

  /** `both`: the whole call, both sides on the clock; else the caller's frames one after the other. */
  constructor(readonly both: boolean) {}

  add(side: "heard" | "said", frame: Buffer): void {
    if (!this.both) {
      if (side === "heard") this.frames.push(frame);
      return;
    }
    const on = side === "heard" ? this.heard : this.said;
    // A burst (a late timer sends the frames due at once): each frame its own 20 ms.
    let tick = Math.max(0, Math.round((performance.now() - this.started) / FRAME_MS));
    while (on.has(tick)) tick++;
    on.set(tick, frame);
  }

  /** The μ-law audio kept. */
  audio(): Buffer {
    if (!this.both) return Buffer.concat(this.frames);
    const ticks = [...this.heard.keys(), ...this.said.keys()];
    if (ticks.length === 0) return Buffer.alloc(0);
    const last = Math.max(...ticks);
    const out: Buffer[] = [];
    for (let t = 0; t <= last; t++) out.push(mixFrames(this.heard.get(t), this.said.get(t)));
    return Buffer.concat(out);
  }
}
