/**
 * The choices of a choice question, one row each: the stored value, the label in three languages, the keypad key
 * that picks it on a call and the score it gives; add, move and remove. The server's problems are shown in the cell
 * they name.
 */
import type { Choice } from "../../domain/questionnaire.ts";
import type { Translate } from "../ui/i18n.ts";
import { FieldError } from "./form-field.tsx";
import { LANGS } from "./questionnaire-model.ts";

type Column = "value" | "pt-BR" | "en" | "es" | "key" | "score";
const COLUMNS: Column[] = ["value", ...LANGS, "key", "score"];

/** The choices' table; `path` is their place in the server's problems ("questions.2.choices"). */
export function ChoicesEditor(props: {
  t: Translate;
  id: string;
  choices: Choice[];
  errors: Record<string, string>;
  path: string;
  onChange: (choices: Choice[]) => void;
}) {
  const { t, choices, errors, path, id } = props;
  const update = (i: number, change: Partial<Choice>) =>
    props.onChange(choices.map((c, j) => (j === i ? { ...c, ...change } : c)));
  const move = (i: number, by: number) => {
    const next = [...choices];
    const [item] = next.splice(i, 1);
    next.splice(i + by, 0, item!);
    props.onChange(next);
    requestAnimationFrame(() => document.getElementById(`${id}-${i + by}-value`)?.focus());
  };
  const add = () => {
    let n = choices.length + 1;
    while (choices.some((c) => c.value === `opcao_${n}`)) n++;
    props.onChange([...choices, { value: `opcao_${n}`, label: { "pt-BR": "" } }]);
    requestAnimationFrame(() => document.getElementById(`${id}-${choices.length}-pt-BR`)?.focus());
  };
  const listError = errors[path];
  const cell = (c: Choice, i: number, column: Column) => {
    const cellId = `${id}-${i}-${column}`;
    const errorPath =
      column === "value" || column === "key" || column === "score"
        ? `${path}.${i}.${column}`
        : `${path}.${i}.label.${column}`;
    const error = errors[errorPath] ?? (column === "pt-BR" ? errors[`${path}.${i}.label`] : undefined);
    const label = t(`admin.questionnaires.choice_${column === "pt-BR" ? "pt" : column}`, { n: i + 1 });
    const value =
      column === "value"
        ? c.value
        : column === "key"
          ? (c.key ?? "")
          : column === "score"
            ? c.score === undefined
              ? ""
              : String(c.score)
            : (c.label[column] ?? "");
    const set = (text: string) => {
      if (column === "value") update(i, { value: text.trim() });
      else if (column === "key") update(i, { key: text.trim() || undefined });
      else if (column === "score") update(i, { score: text.trim() === "" ? undefined : Number(text) });
      else update(i, { label: { ...c.label, [column]: text } });
    };
    const common = {
      id: cellId,
      "aria-label": label,
      "aria-invalid": error ? ("true" as const) : undefined,
      "aria-describedby": error ? `${cellId}-error` : undefined,
      value,
    };
    return (
      <td key={column} class={`q-col-${column === "key" || column === "score" ? "narrow" : "wide"}`}>
        {column === "score" ? (
          <input
            {...common}
            type="number"
            min={0}
            max={1}
            step={0.05}
            // A score is read when it is committed: "0." typed on the way to "0.5" must not be rewritten.
            onChange={(e) => set(e.currentTarget.value)}
          />
        ) : (
          <input
            {...common}
            type="text"
            lang={column === "value" || column === "key" ? undefined : column}
            {...(column === "key" ? { inputMode: "numeric" as const, maxLength: 1, size: 2 } : {})}
            onInput={(e) => set(e.currentTarget.value)}
          />
        )}
        <FieldError id={cellId} text={error} />
      </td>
    );
  };
  return (
    <fieldset>
      <legend>{t("admin.questionnaires.choices")}</legend>
      <p class="hint" id={`${id}-hint`}>
        {t("admin.questionnaires.choices_hint")}
      </p>
      <FieldError id={id} text={listError} />
      <div class="table-wrap">
        <table class="data q-choices" aria-describedby={`${id}-hint`}>
          <caption class="visually-hidden">{t("admin.questionnaires.choices")}</caption>
          <thead>
            <tr>
              {COLUMNS.map((column) => (
                <th key={column} scope="col">
                  {t(`admin.questionnaires.choice_col_${column === "pt-BR" ? "pt" : column}`)}
                </th>
              ))}
              <th scope="col">
                <span class="visually-hidden">{t("admin.questionnaires.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {choices.map((c, i) => (
              <tr key={i}>
                {COLUMNS.map((column) => cell(c, i, column))}
                <td class="q-actions">
                  <button
                    type="button"
                    class="secondary"
                    disabled={i === 0}
                    aria-label={t("admin.questionnaires.choice_up", { n: i + 1 })}
                    onClick={() => move(i, -1)}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    class="secondary"
                    disabled={i === choices.length - 1}
                    aria-label={t("admin.questionnaires.choice_down", { n: i + 1 })}
                    onClick={() => move(i, 1)}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    class="secondary"
                    aria-label={t("admin.questionnaires.choice_remove", { n: i + 1 })}
                    onClick={() => props.onChange(choices.filter((_, j) => j !== i))}
                  >
                    ✕
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <button type="button" class="secondary" onClick={add}>
        {t("admin.questionnaires.choice_add")}
      </button>
    </fieldset>
  );
}
