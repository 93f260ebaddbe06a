/**
 * TwiML's `<Record>` over SIP: a beep (`playBeep`, on by default), then the caller's audio kept until a key of
 * `finishOnKey`, `timeout` seconds without speech, `maxLength` seconds, or the hang-up; the silence at both ends
 * trimmed, as `trim="trim-silence"` does. A recording with no speech in it is nothing: the call goes on with the
 * next verb, as Twilio does. Speech is told from silence by the level of each 20 ms, as the answering-machine
 * detector does.
 */
import wavefile from "wavefile";
import { levelOf, SPEECH_LEVEL } from "./answering.ts";
import type { RtpSession } from "./rtp.ts";
import { wavToUlaw } from "./speech.ts";

/** 20 ms of μ-law at 8 kHz. */
const FRAME = 160;
/** Kept on each side of the speech when the silence is trimmed. */
const PAD_FRAMES = 10;

let beepAudio: Buffer | undefined;
/** The beep before a recording: 400 ms of 1 kHz, as μ-law. */
export function beep(): Buffer {
  if (beepAudio) return beepAudio;
  const samples = Array.from({ length: 3200 }, (_, i) =>
    Math.round(9000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)),
  );
  const file = new wavefile.WaveFile();
  file.fromScratch(1, 8000, "16", samples);
  beepAudio = wavToUlaw(Buffer.from(file.toBuffer()));
  return beepAudio;
}

/** The audio from the first to the last 20 ms of speech (with a little margin); empty when nobody spoke. */
export function trimSilence(audio: Buffer): Buffer {
  let first = -1;
  let last = -1;
  for (let at = 0, n = 0; at < audio.length; at += FRAME, n++) {
    if (levelOf(audio.subarray(at, at + FRAME)) < SPEECH_LEVEL) continue;
    if (first < 0) first = n;
    last = n;
  }
  if (first < 0) return Buffer.alloc(0);
  const start = Math.max(0, first - PAD_FRAMES) * FRAME;
  return audio.subarray(start, Math.min(audio.length, (last + 1 + PAD_FRAMES) * FRAME));
}

const seconds = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n >= 0 ? n : fallback;
};

/** What a `<Record>` kept, and how it ended: the key pressed, "hangup", or "timeout" (silence or the length). */
export interface Recorded {
  audio: Buffer;
  ended: string;
}

/** Runs a `<Record>`'s recording with its attributes; `signal` aborts when the caller hangs up. */
export async function recordCaller(
  rtp: RtpSession,
  attributes: Record<string, string>,
  signal: AbortSignal,
): Promise<Recorded> {
  const finishOnKey = attributes.finishOnKey ?? "1234567890*#";
  const silenceMs = seconds(attributes.timeout, 5) * 1000;
  const maxMs = (seconds(attributes.maxLength, 3600) || 3600) * 1000;
  if (attributes.playBeep !== "false") await rtp.play(beep(), signal);
  const recorder = rtp.record();
  const started = Date.now();
  let lastSpeech = started;
  return new Promise<Recorded>((resolve) => {
    let done = false;
    const finish = (ended: string) => {
      if (done) return;
      done = true;
      offAudio();
      offDigit();
      clearInterval(clock);
      signal.removeEventListener("abort", hungUp);
      const audio = recorder.stop();
      resolve({ audio: attributes.trim === "do-not-trim" ? audio : trimSilence(audio), ended });
    };
    const offAudio = rtp.onAudio((frame) => {
      if (levelOf(frame) >= SPEECH_LEVEL) lastSpeech = Date.now();
    });
    const offDigit = rtp.onDigit((digit) => {
      if (finishOnKey.includes(digit)) finish(digit);
    });
    // By the clock, so that a phone sending no audio at all still ends it.
    const clock = setInterval(() => {
      const now = Date.now();
      if ((silenceMs > 0 && now - lastSpeech >= silenceMs) || now - started >= maxMs) finish("timeout");
    }, 50);
    const hungUp = () => finish("hangup");
    if (signal.aborted) hungUp();
    else signal.addEventListener("abort", hungUp, { once: true });
  });
}
