/**
 * The prompts of calls over SIP, as audio: text synthesised by Debian's `espeak-ng` in the call's language, made
 * G.711 μ-law at 8 kHz (resampled with a low-pass filter by wavefile), and kept per text and voice in a folder (the
 * same text is said again and again: a greeting, a menu). A WAV file fetched for `<Play>` goes through the same
 * conversion. Synthesis runs once per text at a time, however many calls ask for it together.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import wavefile from "wavefile";

const run = promisify(execFile);

/** espeak-ng's voice for a BCP 47 tag of TwiML's `<Say language>`: Brazilian Portuguese unless told otherwise. */
export function espeakVoice(language: string | undefined): string {
  const tag = (language ?? "pt-BR").toLowerCase();
  if (tag.startsWith("en")) return "en-us";
  if (tag.startsWith("es")) return "es";
  if (tag === "pt-pt") return "pt";
  return "pt-br";
}

/** The bytes of a file's data chunk (wavefile types it loosely). */
const samplesOf = (file: InstanceType<typeof wavefile.WaveFile>) =>
  (file.data as { samples: Uint8Array }).samples;

/** A WAV file (any rate, PCM or G.711) as μ-law samples at 8 kHz, mono. */
export function wavToUlaw(wav: Buffer): Buffer {
  const file = new wavefile.WaveFile(wav);
  const format = file.fmt as { numChannels: number; sampleRate: number; audioFormat: number };
  if (format.audioFormat === 7 && format.sampleRate === 8000 && format.numChannels === 1)
    return Buffer.from(samplesOf(file));
  if (format.audioFormat === 7) file.fromMuLaw("16");
  if (format.audioFormat === 6) file.fromALaw("16");
  if (format.numChannels !== 1) {
    // The first channel is enough for a telephone.
    const left = (file.getSamples(false) as unknown as Float64Array[])[0] ?? new Float64Array();
    file.fromScratch(1, format.sampleRate, file.bitDepth, Array.from(left));
  }
  if (file.bitDepth !== "16") file.toBitDepth("16");
  if (format.sampleRate !== 8000) file.toSampleRate(8000, { method: "sinc", LPF: true });
  file.toMuLaw();
  return Buffer.from(samplesOf(file));
}

/** A μ-law recording as a WAV file (format 7, 8 kHz, mono): what a recording's listener downloads. */
export function ulawToWav(ulaw: Buffer): Buffer {
  const file = new wavefile.WaveFile();
  file.fromScratch(1, 8000, "8m", Array.from(ulaw));
  return Buffer.from(file.toBuffer());
}

/** Says texts as μ-law audio, from the folder's copy when there is one. */
export interface Speech {
  audioOf(text: string, language: string | undefined): Promise<Buffer>;
}

/** Synthesis with `espeak-ng` (or `command`), its results kept in `folder`. */
export function espeakSpeech(options: { folder: string; command?: string; wordsPerMinute?: number }): Speech {
  const command = options.command ?? "espeak-ng";
  const speed = options.wordsPerMinute ?? 155;
  const pending = new Map<string, Promise<Buffer>>();
  const memory = new Map<string, Buffer>();

  const synthesise = async (text: string, voice: string, path: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch {
      // not made yet
    }
    const scratch = join(
      tmpdir(),
      `responsiva-say-${process.pid}-${Math.random().toString(36).slice(2)}.wav`,
    );
    try {
      // The text is an argument, never a shell word; "--" ends the options whatever the text starts with.
      await run(command, ["-v", voice, "-s", String(speed), "-w", scratch, "--", text], { timeout: 30_000 });
      const ulaw = wavToUlaw(await readFile(scratch));
      await mkdir(options.folder, { recursive: true });
      const partial = `${path}.${process.pid}.part`;
      await writeFile(partial, ulaw);
      await rename(partial, path);
      return ulaw;
    } finally {
      await rm(scratch, { force: true });
    }
  };

  return {
    async audioOf(text, language) {
      const voice = espeakVoice(language);
      const key = createHash("sha256").update(`${voice}\n${speed}\n${text}`).digest("hex");
      const held = memory.get(key);
      if (held) return held;
      let job = pending.get(key);
      if (!job) {
        job = synthesise(text, voice, join(options.folder, `${key}.ulaw`));
        pending.set(key, job);
        job
          .then((audio) => {
            // A few hundred prompts at most: a menu, its answers, the questionnaires' questions.
            if (memory.size > 500) memory.clear();
            memory.set(key, audio);
          })
          .catch(() => {})
          .finally(() => pending.delete(key));
      }
      return job;
    },
  };
}
