/**
 * The questions of a draft in the order they are asked: each row says what it asks, its type and what makes it
 * special (required, conditional, scored) and opens its editor; questions are added by type, moved and removed. A
 * row the server named a problem in is marked.
 */
import { useState } from "preact/hooks";
import type { Question, QuestionType } from "../../domain/questionnaire.ts";
import { QUESTION_TYPES } from "../../domain/questionnaire.ts";
import type { Translate } from "../ui/i18n.ts";
import { FieldError, FormField } from "./form-field.tsx";
import { QuestionForm } from "./question-form.tsx";
import { newQuestion, renameInConditions } from "./questionnaire-model.ts";
import { hasProblems } from "./questionnaire-problems.ts";

/** The list of a draft's questions, with the one `open` shown in full. */
export function QuestionList(props: {
  t: Translate;
  questions: Question[];
  errors: Record<string, string>;
  services: { code: string; name: string }[] | null;
  open: number | null;
  onOpen: (index: number | null) => void;
  onChange: (questions: Question[]) => void;
}) {
  const { t, questions, errors, open } = props;
  const [type, setType] = useState<QuestionType>("yes_no");
  const replace = (i: number, q: Question) => props.onChange(questions.map((x, j) => (j === i ? q : x)));
  const rename = (i: number, from: string, to: string) =>
    props.onChange(renameInConditions(questions, from, to).map((x, j) => (j === i ? { ...x, name: to } : x)));
  const move = (i: number, by: number) => {
    const next = [...questions];
    const [item] = next.splice(i, 1);
    next.splice(i + by, 0, item!);
    props.onChange(next);
    if (open === i) props.onOpen(i + by);
    else if (open === i + by) props.onOpen(i);
    requestAnimationFrame(() => document.getElementById(`q${i + by}-${by < 0 ? "up" : "down"}`)?.focus());
  };
  const remove = (i: number) => {
    props.onChange(questions.filter((_, j) => j !== i));
    props.onOpen(null);
    requestAnimationFrame(() => document.getElementById("q-add")?.focus());
  };
  const add = () => {
    const q = newQuestion(
      type,
      questions.map((x) => x.name),
    );
    props.onChange([...questions, q]);
    props.onOpen(questions.length);
    requestAnimationFrame(() => document.getElementById(`q${questions.length}-label-pt-BR`)?.focus());
  };
  return (
    <section aria-labelledby="q-list-title">
      <h2 id="q-list-title">{t("admin.questionnaires.questions")}</h2>
      <FieldError id="q-list" text={errors.questions} />
      <ol class="q-list">
        {questions.map((q, i) => {
          const isOpen = open === i;
          const flags = [
            q.required ? t("admin.questionnaires.flag_required") : "",
            q.relevant ? t("admin.questionnaires.flag_conditional") : "",
            q.scoring ? t("admin.questionnaires.flag_scored") : "",
          ].filter(Boolean);
          return (
            <li key={i} class={hasProblems(errors, i) ? "q-item q-invalid" : "q-item"}>
              <div class="row q-head">
                <h3 class="grow">
                  {q.label["pt-BR"] || t("admin.questionnaires.untitled")}{" "}
                  <span class="q-code">
                    {q.name} · {t(`admin.questionnaires.types.${q.type}`)}
                    {flags.length ? ` · ${flags.join(" · ")}` : ""}
                  </span>
                  {hasProblems(errors, i) ? (
                    <strong class="q-warn"> {t("admin.questionnaires.has_problems")}</strong>
                  ) : null}
                </h3>
                <button
                  type="button"
                  class="secondary"
                  aria-expanded={isOpen}
                  aria-controls={isOpen ? `q${i}-form` : undefined}
                  onClick={() => props.onOpen(isOpen ? null : i)}
                >
                  {t(isOpen ? "admin.questionnaires.close_question" : "admin.questionnaires.edit_question", {
                    n: i + 1,
                  })}
                </button>
                <button
                  type="button"
                  id={`q${i}-up`}
                  class="secondary"
                  disabled={i === 0}
                  aria-label={t("admin.questionnaires.move_up", { n: i + 1 })}
                  onClick={() => move(i, -1)}
                >
                  ↑
                </button>
                <button
                  type="button"
                  id={`q${i}-down`}
                  class="secondary"
                  disabled={i === questions.length - 1}
                  aria-label={t("admin.questionnaires.move_down", { n: i + 1 })}
                  onClick={() => move(i, 1)}
                >
                  ↓
                </button>
                <button
                  type="button"
                  class="secondary"
                  disabled={questions.length === 1}
                  aria-label={t("admin.questionnaires.remove_question", { n: i + 1 })}
                  onClick={() => remove(i)}
                >
                  ✕
                </button>
              </div>
              {isOpen ? (
                <div id={`q${i}-form`}>
                  <QuestionForm
                    t={t}
                    index={i}
                    questions={questions}
                    errors={errors}
                    services={props.services}
                    onChange={(next) => replace(i, next)}
                    onRename={(from, to) => rename(i, from, to)}
                  />
                </div>
              ) : null}
            </li>
          );
        })}
      </ol>
      <div class="row a-inline">
        <FormField
          id="q-new-type"
          label={t("admin.questionnaires.new_type")}
          value={type}
          onValue={(v) => setType(v as QuestionType)}
          options={QUESTION_TYPES.map((x) => (
            <option key={x} value={x}>
              {t(`admin.questionnaires.types.${x}`)}
            </option>
          ))}
        />
        <button type="button" id="q-add" onClick={add}>
          {t("admin.questionnaires.add_question")}
        </button>
      </div>
    </section>
  );
}
