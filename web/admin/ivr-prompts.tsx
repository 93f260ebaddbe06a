/**
 * The lines' recorded prompts (issue 18, docs/telephony.md "Recorded prompts"), under the IVR menu: each fixed text
 * the IVR and the auditors' calls say, in the chosen language, synthesised or with the city's own recording (heard
 * here), a WAV sent to record it and a button to go back to synthesis. A recording belongs to its exact text: a
 * text changed in the menu shows as not recorded.
 */
import { useState } from "preact/hooks";
import { api } from "../ui/api.ts";
import { inBase } from "../ui/base.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { useLoad } from "../ui/load.ts";
import { StatusLine, sendJson, useChange } from "./change.tsx";
import type { AdminScreenProps } from "./main.tsx";

type Language = "pt-BR" | "en" | "es";

interface PromptText {
  key: string;
  language: Language;
  use: string;
  text: string;
  recording: { audioUrl: string; durationSeconds: number; recordedAt: string } | null;
}

export function RecordedPrompts(props: AdminScreenProps) {
  const { t, locale } = props.env;
  const [texts, problem, reload] = useLoad<PromptText[]>("/api/v1/ivr/prompts", locale);
  const [language, setLanguage] = useState<Language>("pt-BR");
  const change = useChange();

  const upload = async (p: PromptText, file: File | undefined) => {
    if (!file) return;
    const done = await change.run(
      () =>
        api(
          `/api/v1/ivr/prompts/${p.key}`,
          { method: "PUT", headers: { "content-type": "audio/wav" }, body: file },
          locale,
        ),
      t("admin.ivr.prompts.uploaded"),
    );
    if (done) reload();
  };
  const remove = async (p: PromptText) => {
    const done = await change.run(
      () => sendJson(`/api/v1/ivr/prompts/${p.key}`, undefined, locale, "DELETE").then(() => true),
      t("admin.ivr.prompts.removed"),
    );
    if (done) reload();
  };

  const shown = (texts ?? []).filter((p) => p.language === language);
  return (
    <section aria-labelledby="ivr-prompts-title">
      <h2 id="ivr-prompts-title">{t("admin.ivr.prompts.title")}</h2>
      <p class="hint">{t("admin.ivr.prompts.hint")}</p>
      <label for="ivr-prompts-language">{t("admin.ivr.prompts.language")}</label>{" "}
      <select
        id="ivr-prompts-language"
        value={language}
        onChange={(e) => setLanguage(e.currentTarget.value as Language)}
      >
        {(["pt-BR", "en", "es"] as const).map((l) => (
          <option key={l} value={l}>
            {t(`admin.ivr.language.${l}`)}
          </option>
        ))}
      </select>
      <ProblemAlert problem={change.problem ?? problem} t={t} />
      <StatusLine text={change.status} />
      {texts ? (
        <table class="ivr-prompts">
          <caption class="visually-hidden">{t("admin.ivr.prompts.title")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("admin.ivr.prompts.col_where")}</th>
              <th scope="col">{t("admin.ivr.prompts.col_text")}</th>
              <th scope="col">{t("admin.ivr.prompts.col_recording")}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((p) => (
              <tr key={p.key}>
                <td>{t(`admin.ivr.prompts.area_${p.use.split(".")[0]}`)}</td>
                <td>{p.text}</td>
                <td>
                  {p.recording ? (
                    <>
                      {/* biome-ignore lint/a11y/useMediaCaption: the row shows the text it says, its transcript. */}
                      <audio
                        controls
                        preload="none"
                        src={inBase(p.recording.audioUrl)}
                        aria-label={t("admin.ivr.prompts.listen", { text: p.text })}
                      />
                      <span>{t("admin.ivr.prompts.recorded", { seconds: p.recording.durationSeconds })}</span>{" "}
                      <button
                        type="button"
                        class="secondary"
                        onClick={() => void remove(p)}
                        disabled={change.busy}
                      >
                        {t("admin.ivr.prompts.remove")}
                      </button>
                    </>
                  ) : (
                    <span>{t("admin.ivr.prompts.synthesised")}</span>
                  )}{" "}
                  <input
                    type="file"
                    accept="audio/wav,.wav"
                    aria-label={t("admin.ivr.prompts.upload", { text: p.text })}
                    disabled={change.busy}
                    onChange={(e) => void upload(p, e.currentTarget.files?.[0])}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
