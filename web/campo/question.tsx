/**
 * One question of a questionnaire on the tablet, by its type: yes/no, scale 1–5, single and multiple choice, number,
 * text, photos (the camera; several; made smaller and kept by their SHA-256), audio, and a location from the GPS.
 * Large touch targets; every input labelled; the problem of the answer, if any, said beside it.
 */
import { useEffect, useState } from "preact/hooks";
import {
  type AnswerValue,
  DEFINITION_LIMITS,
  localText,
  type Question,
  type QuestionnaireLocale,
} from "../../domain/questionnaire.ts";
import type { Translate } from "../ui/i18n.ts";
import { currentPlace, keepChosenFiles } from "./photos.ts";
import { keptFile } from "./store.ts";

/** The most files one answer takes (the server's limit). */
const MAX_FILES = DEFINITION_LIMITS.files;

/** A kept photo's thumbnail (an object URL of its Blob, revoked when it goes). */
function Thumbnail(props: { sha256: string; alt: string }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let made: string | null = null;
    void keptFile(props.sha256).then((blob) => {
      if (!blob) return;
      made = URL.createObjectURL(blob);
      setUrl(made);
    });
    return () => {
      if (made) URL.revokeObjectURL(made);
    };
  }, [props.sha256]);
  return url ? <img class="thumb" src={url} alt={props.alt} /> : <span class="thumb" />;
}

/** The files of a photo or audio answer: the kept ones listed with a remove button, and the input to add more. */
export function FilesInput(props: {
  id: string;
  kind: "photo" | "audio";
  value: string[];
  t: Translate;
  describedBy?: string | undefined;
  /** The most files the answer takes (the question's constraint, or a demand's 5). */
  max?: number | undefined;
  onChange: (value: string[]) => void;
}) {
  const { t, kind, value } = props;
  const full = props.max !== undefined && value.length >= props.max;
  const [busy, setBusy] = useState(false);
  const add = async (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    if (!input.files || input.files.length === 0) return;
    setBusy(true);
    try {
      const shas = await keepChosenFiles(input.files, kind);
      const all = [...new Set([...value, ...shas])];
      props.onChange(props.max === undefined ? all : all.slice(0, props.max));
    } finally {
      input.value = "";
      setBusy(false);
    }
  };
  return (
    <div class="files">
      {value.length > 0 ? (
        <ul class="file-list">
          {value.map((sha, i) => (
            <li key={sha}>
              {kind === "photo" ? (
                <Thumbnail sha256={sha} alt={t("campo.files.photo_n", { n: i + 1 })} />
              ) : (
                <span>{t("campo.files.audio_n", { n: i + 1 })}</span>
              )}
              <button
                type="button"
                class="secondary"
                onClick={() => props.onChange(value.filter((s) => s !== sha))}
                aria-label={t("campo.files.remove_n", { n: i + 1 })}
              >
                {t("campo.files.remove")}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {full ? <p class="hint">{t("campo.files.full", { count: props.max ?? 0 })}</p> : null}
      <input
        id={props.id}
        type="file"
        class="file-input"
        multiple
        accept={kind === "photo" ? "image/*" : "audio/*"}
        {...(kind === "photo" ? { capture: "environment" } : {})}
        aria-describedby={props.describedBy}
        onChange={add}
        disabled={busy || full}
      />
      {busy ? <p role="status">{t("campo.files.keeping")}</p> : null}
    </div>
  );
}

/** One question's input; `onChange(undefined)` clears the answer. */
export function QuestionInput(props: {
  question: Question;
  value: AnswerValue | undefined;
  locale: QuestionnaireLocale;
  t: Translate;
  error?: string | undefined;
  onChange: (value: AnswerValue | undefined) => void;
}) {
  const { question: q, value, locale, t } = props;
  const id = `q-${q.name}`;
  const hintId = q.hint ? `${id}-hint` : undefined;
  const errorId = props.error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  const label = (
    <>
      {localText(q.label, locale)}
      {q.required ? <span class="required"> ({t("campo.answer.required")})</span> : null}
    </>
  );
  const hint = q.hint ? (
    <p class="hint" id={hintId}>
      {localText(q.hint, locale)}
    </p>
  ) : null;
  const error = props.error ? (
    <p class="field-error" id={errorId}>
      {props.error}
    </p>
  ) : null;
  const radios = (options: { value: string | number | boolean; label: string }[]) => (
    <fieldset class="question" id={id} tabIndex={-1} aria-describedby={describedBy}>
      <legend>{label}</legend>
      {hint}
      <div class={q.type === "scale" ? "options scale" : "options"}>
        {options.map((o) => (
          <label class="choice big-choice" key={String(o.value)}>
            <input
              type="radio"
              name={id}
              checked={value === o.value}
              onChange={() => props.onChange(o.value)}
            />
            <span>{o.label}</span>
          </label>
        ))}
      </div>
      {error}
    </fieldset>
  );
  switch (q.type) {
    case "yes_no":
      return radios([
        { value: true, label: t("campo.answer.yes") },
        { value: false, label: t("campo.answer.no") },
      ]);
    case "scale":
      return radios([1, 2, 3, 4, 5].map((n) => ({ value: n, label: t(`campo.answer.scale_${n}`) })));
    case "single_choice":
      return radios((q.choices ?? []).map((c) => ({ value: c.value, label: localText(c.label, locale) })));
    case "multiple_choice": {
      const chosen = Array.isArray(value) ? (value as string[]) : [];
      return (
        <fieldset class="question" id={id} tabIndex={-1} aria-describedby={describedBy}>
          <legend>{label}</legend>
          {hint}
          <div class="options">
            {(q.choices ?? []).map((c) => (
              <label class="choice big-choice" key={c.value}>
                <input
                  type="checkbox"
                  checked={chosen.includes(c.value)}
                  onChange={(e) => {
                    const on = (e.currentTarget as HTMLInputElement).checked;
                    const next = on ? [...chosen, c.value] : chosen.filter((v) => v !== c.value);
                    props.onChange(next.length > 0 ? next : undefined);
                  }}
                />
                <span>{localText(c.label, locale)}</span>
              </label>
            ))}
          </div>
          {error}
        </fieldset>
      );
    }
    case "number":
    case "text":
      return (
        <div class="field question">
          <label for={id}>{label}</label>
          {hint}
          {q.type === "number" ? (
            <input
              id={id}
              type="number"
              inputMode={q.constraint?.integer ? "numeric" : "decimal"}
              step={q.constraint?.integer ? 1 : "any"}
              value={typeof value === "number" ? String(value) : ""}
              aria-describedby={describedBy}
              aria-invalid={props.error ? "true" : undefined}
              onInput={(e) => {
                const text = (e.currentTarget as HTMLInputElement).value;
                props.onChange(text === "" || !Number.isFinite(Number(text)) ? undefined : Number(text));
              }}
            />
          ) : (
            <textarea
              id={id}
              value={typeof value === "string" ? value : ""}
              maxLength={q.constraint?.maxLength}
              aria-describedby={describedBy}
              aria-invalid={props.error ? "true" : undefined}
              onInput={(e) => {
                const text = (e.currentTarget as HTMLTextAreaElement).value;
                props.onChange(text === "" ? undefined : text);
              }}
            />
          )}
          {error}
        </div>
      );
    case "photo":
    case "audio":
      return (
        <div class="field question">
          <label for={id}>{label}</label>
          {hint}
          <FilesInput
            id={id}
            kind={q.type}
            value={Array.isArray(value) ? (value as string[]) : []}
            t={t}
            describedBy={describedBy}
            max={Math.min(q.constraint?.max ?? MAX_FILES, MAX_FILES)}
            onChange={(v) => props.onChange(v.length > 0 ? v : undefined)}
          />
          {error}
        </div>
      );
    case "location":
      return (
        <LocationInput {...props} id={id} label={label} hint={hint} error={error} describedBy={describedBy} />
      );
  }
}

function LocationInput(props: {
  id: string;
  label: preact.ComponentChildren;
  hint: preact.ComponentChildren;
  error: preact.ComponentChildren;
  describedBy: string | undefined;
  value: AnswerValue | undefined;
  t: Translate;
  onChange: (value: AnswerValue | undefined) => void;
}) {
  const { t, value } = props;
  const [state, setState] = useState<"idle" | "busy" | "failed">("idle");
  const place = value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  const locate = async () => {
    setState("busy");
    const at = await currentPlace();
    if (at) props.onChange(at);
    setState(at ? "idle" : "failed");
  };
  return (
    <div class="field question" id={props.id} tabIndex={-1}>
      <p class="label">{props.label}</p>
      {props.hint}
      <p class="row">
        <button
          type="button"
          class="secondary big"
          onClick={locate}
          disabled={state === "busy"}
          aria-describedby={props.describedBy}
        >
          {t("campo.answer.use_gps")}
        </button>
      </p>
      <p role="status">
        {state === "busy"
          ? t("campo.answer.locating")
          : state === "failed"
            ? t("campo.answer.no_gps")
            : place
              ? t("campo.answer.located", {
                  lat: place.lat.toFixed(5),
                  lng: place.lng.toFixed(5),
                  accuracy: place.accuracy ?? "?",
                })
              : ""}
      </p>
      {props.error}
    </div>
  );
}
