/**
 * The questionnaire asked as the tablet asks it, live beside the editor: the questions the skip logic asks given the
 * answers so far, the constraints checked as they are typed and the required ones on "finish" (the domain's own
 * askedQuestions and checkResponse), in the prompt of a channel (screen, voice, chat) and a language of choice.
 */
import { useState } from "preact/hooks";
import {
  type AnswerSet,
  type AnswerValue,
  type AskingChannel,
  askedQuestions,
  checkResponse,
  localText,
  promptOf,
  type Question,
  type QuestionnaireDefinition,
} from "../../domain/questionnaire.ts";
import type { Translate } from "../ui/i18n.ts";
import { FieldError, FormField } from "./form-field.tsx";
import { LANGS, type Lang } from "./questionnaire-model.ts";
import { answerProblemText } from "./questionnaire-problems.ts";

/** The point a location question is answered with: the preview checks only that one is given, not where. */
const SAMPLE_POINT = { lat: 0, lng: 0, accuracy: 10 };

/** A stand-in file hash per file picked: the preview keeps no file, only how many there are. */
const fakeHash = (i: number) => (i + 1).toString(16).padStart(64, "0");

/** The preview of `definition` (the draft as edited, or a published version). */
export function QuestionnairePreview(props: { t: Translate; definition: QuestionnaireDefinition }) {
  const { t, definition } = props;
  const [lang, setLang] = useState<Lang>("pt-BR");
  const [channel, setChannel] = useState<AskingChannel>("screen");
  const [answers, setAnswers] = useState<AnswerSet>({});
  const [finished, setFinished] = useState(false);
  const asked = askedQuestions(definition, answers);
  // Answers to questions the skip logic no longer asks are kept aside (they come back if the question does) but
  // are not part of the response, as on the tablet.
  const given: AnswerSet = Object.fromEntries(
    asked.filter((q) => answers[q.name] !== undefined).map((q) => [q.name, answers[q.name]!]),
  );
  const problems = checkResponse(definition, given).filter((p) => finished || p.code !== "required");
  const problemOf = (q: Question) => {
    const p = problems.find((x) => x.question === q.name);
    return p ? answerProblemText(p, q, lang, t) : undefined;
  };
  const answer = (name: string, value: AnswerValue | undefined) => {
    const next = { ...answers };
    if (value === undefined || value === "" || (Array.isArray(value) && value.length === 0))
      delete next[name];
    else next[name] = value;
    setAnswers(next);
  };
  return (
    <section class="card q-preview" aria-labelledby="q-preview-title">
      <h2 id="q-preview-title">{t("admin.questionnaires.preview")}</h2>
      <p class="hint">{t("admin.questionnaires.preview_hint")}</p>
      <div class="row a-fields">
        <FormField
          id="pv-lang"
          label={t("admin.questionnaires.preview_lang")}
          value={lang}
          onValue={(v) => setLang(v as Lang)}
          options={LANGS.map((l) => (
            <option key={l} value={l}>
              {t(`admin.questionnaires.lang_${l}`)}
            </option>
          ))}
        />
        <FormField
          id="pv-channel"
          label={t("admin.questionnaires.preview_channel")}
          value={channel}
          onValue={(v) => setChannel(v as AskingChannel)}
          options={(["screen", "voice", "chat"] as const).map((c) => (
            <option key={c} value={c}>
              {t(`admin.questionnaires.channels.${c}`)}
            </option>
          ))}
        />
      </div>
      <form
        data-testid="preview"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setFinished(true);
        }}
      >
        <ol class="q-asked">
          {asked.map((q) => (
            <li key={q.name} data-question={q.name}>
              <AskedQuestion
                t={t}
                q={q}
                lang={lang}
                channel={channel}
                value={answers[q.name]}
                error={problemOf(q)}
                onAnswer={(v) => answer(q.name, v)}
              />
            </li>
          ))}
        </ol>
        <p class="row">
          <button type="submit">{t("admin.questionnaires.preview_finish")}</button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setAnswers({});
              setFinished(false);
            }}
          >
            {t("admin.questionnaires.preview_restart")}
          </button>
        </p>
        <p role="status">
          {finished
            ? problems.length === 0
              ? t("admin.questionnaires.preview_done", { count: Object.keys(given).length })
              : t("admin.questionnaires.preview_problems", { count: problems.length })
            : t("admin.questionnaires.preview_asked", {
                count: asked.length,
                total: definition.questions.length,
              })}
        </p>
      </form>
    </section>
  );
}

/** One question as the channel asks it, with the control its type takes. */
function AskedQuestion(props: {
  t: Translate;
  q: Question;
  lang: Lang;
  channel: AskingChannel;
  value: AnswerValue | undefined;
  error: string | undefined;
  onAnswer: (value: AnswerValue | undefined) => void;
}) {
  const { t, q, lang, channel, value, error } = props;
  const id = `pv-${q.name}`;
  const prompt = promptOf(q, channel, lang);
  const required = q.required ? <span class="required"> ({t("admin.questionnaires.required")})</span> : null;
  const hint = channel === "screen" && q.hint ? localText(q.hint, lang) : "";
  const described =
    [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  const hintLine = hint ? (
    <p class="hint" id={`${id}-hint`} lang={lang}>
      {hint}
    </p>
  ) : null;
  // Yes/no, scale and choices are picked from a list: a group of radios or checkboxes under the prompt.
  const options: { value: string; label: string; key?: string }[] | null =
    q.type === "yes_no"
      ? [
          { value: "true", label: t("admin.questionnaires.yes"), key: "1" },
          { value: "false", label: t("admin.questionnaires.no"), key: "2" },
        ]
      : q.type === "scale"
        ? [1, 2, 3, 4, 5].map((n) => ({ value: String(n), label: String(n), key: String(n) }))
        : q.choices
          ? q.choices.map((c, i) => ({
              value: c.value,
              label: localText(c.label, lang),
              key: c.key ?? String(i + 1),
            }))
          : null;
  if (options) {
    const many = q.type === "multiple_choice";
    const picked = many
      ? ((value as string[] | undefined) ?? [])
      : value === undefined
        ? []
        : [String(value)];
    const pick = (v: string, on: boolean) => {
      if (many) return props.onAnswer(on ? [...picked, v] : picked.filter((x) => x !== v));
      props.onAnswer(q.type === "yes_no" ? v === "true" : q.type === "scale" ? Number(v) : v);
    };
    return (
      <fieldset aria-describedby={described}>
        <legend lang={lang}>
          {prompt}
          {required}
        </legend>
        {hintLine}
        {options.map((o) => (
          <div class="choice" key={o.value}>
            <input
              id={`${id}-${o.value}`}
              type={many ? "checkbox" : "radio"}
              name={id}
              checked={picked.includes(o.value)}
              onChange={(e) => pick(o.value, e.currentTarget.checked)}
            />
            <label for={`${id}-${o.value}`} lang={q.choices ? lang : undefined}>
              {channel === "voice"
                ? t("admin.questionnaires.press_key", { key: o.key ?? "", label: o.label })
                : channel === "chat"
                  ? `${o.key}. ${o.label}`
                  : o.label}
            </label>
          </div>
        ))}
        <FieldError id={id} text={error} />
      </fieldset>
    );
  }
  if (q.type === "photo" || q.type === "audio" || q.type === "location") {
    const isFile = q.type !== "location";
    const count = Array.isArray(value) ? value.length : 0;
    return (
      <div class="field">
        <p id={`${id}-prompt`} lang={lang}>
          <strong>{prompt}</strong>
          {required}
        </p>
        {hintLine}
        {isFile ? (
          <>
            <label for={id}>{t(`admin.questionnaires.preview_${q.type}`)}</label>
            <input
              id={id}
              type="file"
              multiple
              accept={q.type === "photo" ? "image/*" : "audio/*"}
              aria-describedby={[`${id}-prompt`, described].filter(Boolean).join(" ")}
              aria-invalid={error ? "true" : undefined}
              onChange={(e) => {
                const n = e.currentTarget.files?.length ?? 0;
                props.onAnswer(Array.from({ length: n }, (_, i) => fakeHash(i)));
              }}
            />
            <p class="hint">{t("admin.questionnaires.preview_files", { count })}</p>
          </>
        ) : (
          <button
            type="button"
            class="secondary"
            aria-describedby={`${id}-prompt`}
            onClick={() => props.onAnswer(value ? undefined : SAMPLE_POINT)}
          >
            {value ? t("admin.questionnaires.preview_unlocate") : t("admin.questionnaires.preview_locate")}
          </button>
        )}
        <FieldError id={id} text={error} />
      </div>
    );
  }
  const isNumber = q.type === "number";
  return (
    <div class="field">
      <label for={id} lang={lang}>
        {prompt}
        {required}
      </label>
      {hintLine}
      {isNumber ? (
        <input
          id={id}
          type="number"
          aria-describedby={described}
          aria-invalid={error ? "true" : undefined}
          value={value === undefined ? "" : String(value)}
          onChange={(e) =>
            props.onAnswer(e.currentTarget.value === "" ? undefined : Number(e.currentTarget.value))
          }
        />
      ) : (
        <textarea
          id={id}
          rows={2}
          aria-describedby={described}
          aria-invalid={error ? "true" : undefined}
          value={typeof value === "string" ? value : ""}
          onInput={(e) => props.onAnswer(e.currentTarget.value)}
        />
      )}
      <FieldError id={id} text={error} />
    </div>
  );
}
