/**
 * The spoken answers to write down, on the centre's "Respostas" screen (issue 18, docs/auditors.md "Voice answers"):
 * text questions citizen auditors answered by voice on a call, oldest first (GET /api/v1/voice-answers). A reviewer
 * listens (the audited recordings route), writes what was said and saves it — the words become the answer in the one
 * table of answers — or discards it (POST /api/v1/voice-answers/:id/review).
 */
import { useState } from "preact/hooks";
import type { ApiProblem } from "../ui/api.ts";
import { inBase } from "../ui/base.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen } from "../ui/i18n.ts";
import { asProblem, useLoad } from "../ui/load.ts";
import { type StaffEnv, send } from "../ui/staff.tsx";

/** A spoken answer waiting for a person, as the queue lists it. */
interface VoiceAnswer {
  id: number;
  question: { name: string; label: string };
  questionnaire: string;
  block: { sector: string; block: string } | null;
  durationSeconds: number | null;
  recordedAt: string;
  audio: string | null;
  audioState: "pending" | "stored" | "failed";
}

/** One answer: its audio, the box to write in, save and discard. */
function VoiceAnswerItem(props: { env: StaffEnv; item: VoiceAnswer; done: (said: string) => void }) {
  const { env, item } = props;
  const { t, locale } = env;
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const review = async (body: { transcript: string } | { discard: true }, said: string) => {
    setBusy(true);
    setProblem(null);
    try {
      await send(`/api/v1/voice-answers/${item.id}/review`, body, locale);
      props.done(said);
    } catch (error) {
      setProblem(asProblem(error));
      setBusy(false);
    }
  };
  const box = `voice-answer-${item.id}`;
  return (
    <li class="voice-answer" data-voice-answer={item.id}>
      <p>
        <strong>{item.question.label}</strong> <span class="hint">· {item.questionnaire}</span>
      </p>
      <p class="hint">
        {item.block
          ? `${t("centre.quality.block", { sector: item.block.sector, block: item.block.block })} · `
          : ""}
        {t("centre.quality.voice.recorded", {
          when: formatWhen(item.recordedAt, locale),
          seconds: item.durationSeconds ?? "—",
        })}
      </p>
      {item.audio && env.can("recordings.listen") ? (
        // biome-ignore lint/a11y/useMediaCaption: this recording is what the reviewer writes the text of; none exists yet
        <audio
          controls
          preload="none"
          src={inBase(item.audio)}
          aria-label={t("centre.quality.voice.listen", { question: item.question.label })}
        />
      ) : (
        <p class="hint">
          {t(
            item.audioState === "failed"
              ? "centre.quality.voice.audio_failed"
              : item.audio
                ? "centre.quality.voice.cannot_listen"
                : "centre.quality.voice.audio_pending",
          )}
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void review({ transcript: text }, t("centre.quality.voice.saved"));
        }}
      >
        <label for={box}>{t("centre.quality.voice.transcript")}</label>
        <textarea
          id={box}
          name="transcript"
          rows={3}
          maxLength={2000}
          required
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <ProblemAlert problem={problem} t={t} />
        <p class="row">
          <button type="submit" disabled={busy || item.audioState !== "stored" || text.trim() === ""}>
            {t("centre.quality.voice.save")}
          </button>
          <button
            type="button"
            class="secondary"
            disabled={busy}
            onClick={() => void review({ discard: true }, t("centre.quality.voice.discarded"))}
          >
            {t("centre.quality.voice.discard")}
          </button>
        </p>
      </form>
    </li>
  );
}

/** The queue of spoken answers waiting for a person (shown to those who may review them). */
export function VoiceReview(props: { env: StaffEnv }) {
  const { env } = props;
  const { t, locale } = env;
  const [items, problem, reload] = useLoad<VoiceAnswer[]>("/api/v1/voice-answers?limit=20", locale);
  const [said, setSaid] = useState("");
  return (
    <section class="voice-review" aria-labelledby="voice-review-title">
      <h2 id="voice-review-title">{t("centre.quality.voice.title")}</h2>
      <p>{t("centre.quality.voice.intro")}</p>
      <p role="status">{said}</p>
      <ProblemAlert problem={problem} t={t} />
      {items && items.length === 0 ? <p>{t("centre.quality.voice.empty")}</p> : null}
      {items && items.length > 0 ? (
        <ul class="voice-answers">
          {items.map((item) => (
            <VoiceAnswerItem
              key={item.id}
              env={env}
              item={item}
              done={(text) => {
                setSaid(text);
                reload();
              }}
            />
          ))}
        </ul>
      ) : null}
    </section>
  );
}
