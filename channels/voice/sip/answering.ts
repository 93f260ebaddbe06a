/**
 * Answering-machine detection for calls placed over SIP (what Twilio's `MachineDetection=Enable` does): the first
 * seconds after the answer, 20 ms at a time. A person says a short "Alô?" and waits; a machine reads a long greeting
 * without a pause. As Asterisk's AMD does, by the energy of the audio: speech that goes on for more than
 * GREETING_MS is a machine (`machine_start`); speech followed by AFTER_GREETING_MS of silence is a person (`human`);
 * silence for INITIAL_SILENCE_MS, or no decision within TOTAL_MS, is `unknown` (the call goes on as with a person).
 */
import type { RtpSession } from "./rtp.ts";

export const INITIAL_SILENCE_MS = 2500;
export const GREETING_MS = 1500;
export const AFTER_GREETING_MS = 800;
export const TOTAL_MS = 5000;
/** Mean absolute amplitude (16-bit) above which 20 ms count as speech. */
export const SPEECH_LEVEL = 600;
/** A gap shorter than this between words does not end a greeting. */
const WORD_GAP_MS = 300;

/** G.711 μ-law to linear 16-bit (ITU-T G.711, the inverse of the encoder's segments). */
export function ulawSample(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = (((u & 0x0f) << 3) + 0x84) << exponent;
  return u & 0x80 ? 0x84 - magnitude : magnitude - 0x84;
}

/** The mean absolute amplitude of a frame of μ-law. */
export function levelOf(frame: Buffer): number {
  let sum = 0;
  for (const byte of frame) sum += Math.abs(ulawSample(byte));
  return frame.length === 0 ? 0 : sum / frame.length;
}

export type AnsweredBy = "human" | "machine_start" | "unknown";

/** Listens to the other side until it can tell (at most TOTAL_MS), or the call ends. */
export function detectAnswering(rtp: RtpSession, ended: Promise<unknown>): Promise<AnsweredBy> {
  return new Promise((resolve) => {
    let heardMs = 0;
    let speechMs = 0;
    let silenceMs = 0;
    let spoke = false;
    let done = false;
    const finish = (verdict: AnsweredBy) => {
      if (done) return;
      done = true;
      off();
      clearTimeout(timer);
      resolve(verdict);
    };
    const off = rtp.onAudio((frame) => {
      const ms = frame.length / 8;
      heardMs += ms;
      if (levelOf(frame) >= SPEECH_LEVEL) {
        spoke = true;
        // A short gap between words belongs to the greeting; a longer one starts a new stretch of speech.
        speechMs = silenceMs < WORD_GAP_MS ? speechMs + silenceMs + ms : ms;
        silenceMs = 0;
        if (speechMs >= GREETING_MS) finish("machine_start");
        return;
      }
      silenceMs += ms;
      if (spoke && silenceMs >= AFTER_GREETING_MS) finish("human");
      else if (!spoke && heardMs >= INITIAL_SILENCE_MS) finish("unknown");
    });
    // A phone that sends no audio at all (no RTP) is told apart by the clock alone.
    const timer = setTimeout(() => finish("unknown"), TOTAL_MS);
    void ended.then(() => finish("unknown"));
  });
}
