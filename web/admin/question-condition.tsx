/**
 * The skip logic of a question ("mostrar só se"): conditions on earlier questions, each the question, an operator
 * that fits its type and a value, joined by "all" or "any". A condition written otherwise (an imported `not(...)`)
 * is shown in words and can be removed.
 */
import type { Condition, Question } from "../../domain/questionnaire.ts";
import type { Translate } from "../ui/i18n.ts";
import { FieldError } from "./form-field.tsx";
import { type Clause, clauseFor, clausesOf, conditionOf, opsFor } from "./questionnaire-model.ts";

/** A condition in words ("pergunta_1 é igual a Não e …"), for one the clause rows cannot show. */
export function describeCondition(condition: Condition, questions: Question[], t: Translate): string {
  if ("all" in condition)
    return condition.all
      .map((c) => describeCondition(c, questions, t))
      .join(` ${t("admin.questionnaires.and")} `);
  if ("any" in condition)
    return condition.any
      .map((c) => describeCondition(c, questions, t))
      .join(` ${t("admin.questionnaires.or")} `);
  if ("not" in condition)
    return `${t("admin.questionnaires.not")} (${describeCondition(condition.not, questions, t)})`;
  const op = t(`admin.questionnaires.ops.${condition.op}`);
  if (!("value" in condition)) return `${condition.question} ${op}`;
  const target = questions.find((q) => q.name === condition.question);
  const value =
    typeof condition.value === "boolean"
      ? t(condition.value ? "admin.questionnaires.yes" : "admin.questionnaires.no")
      : (target?.choices?.find((c) => c.value === condition.value)?.label["pt-BR"] ??
        String(condition.value));
  return `${condition.question} ${op} ${value}`;
}

/** The editor of `question`'s condition over the questions before it. */
export function ConditionEditor(props: {
  t: Translate;
  id: string;
  question: Question;
  earlier: Question[];
  error: string | undefined;
  onChange: (condition: Condition | undefined) => void;
}) {
  const { t, id, earlier, question } = props;
  const flat = clausesOf(question.relevant);
  const legend = <legend>{t("admin.questionnaires.relevant")}</legend>;
  if (flat === null)
    return (
      <fieldset>
        {legend}
        <p>
          {t("admin.questionnaires.relevant_written", {
            condition: describeCondition(question.relevant!, earlier, t),
          })}
        </p>
        <FieldError id={id} text={props.error} />
        <button type="button" class="secondary" onClick={() => props.onChange(undefined)}>
          {t("admin.questionnaires.relevant_remove")}
        </button>
      </fieldset>
    );
  const change = (clauses: Clause[], mode = flat.mode) => props.onChange(conditionOf({ mode, clauses }));
  const update = (i: number, clause: Clause) => change(flat.clauses.map((c, j) => (j === i ? clause : c)));
  const add = () => {
    const target = earlier[earlier.length - 1]!;
    change([...flat.clauses, clauseFor(target, opsFor(target.type)[0]!)]);
    requestAnimationFrame(() => document.getElementById(`${id}-${flat.clauses.length}-question`)?.focus());
  };
  return (
    <fieldset>
      {legend}
      {earlier.length === 0 ? (
        <p>{t("admin.questionnaires.relevant_first")}</p>
      ) : (
        <p class="hint">{t("admin.questionnaires.relevant_hint")}</p>
      )}
      <FieldError id={id} text={props.error} />
      {flat.clauses.length > 1 ? (
        <div class="a-checks" role="radiogroup" aria-label={t("admin.questionnaires.relevant_mode")}>
          {(["all", "any"] as const).map((mode) => (
            <div class="choice" key={mode}>
              <input
                id={`${id}-mode-${mode}`}
                type="radio"
                name={`${id}-mode`}
                checked={flat.mode === mode}
                onChange={() => change(flat.clauses, mode)}
              />
              <label for={`${id}-mode-${mode}`}>{t(`admin.questionnaires.mode_${mode}`)}</label>
            </div>
          ))}
        </div>
      ) : null}
      {flat.clauses.map((clause, i) => (
        <ClauseRow
          key={i}
          t={t}
          id={`${id}-${i}`}
          n={i + 1}
          clause={clause}
          earlier={earlier}
          invalid={props.error !== undefined}
          errorId={props.error ? `${id}-error` : undefined}
          onChange={(c) => update(i, c)}
          onRemove={() => change(flat.clauses.filter((_, j) => j !== i))}
        />
      ))}
      {earlier.length > 0 ? (
        <button type="button" class="secondary" onClick={add}>
          {t("admin.questionnaires.relevant_add")}
        </button>
      ) : null}
    </fieldset>
  );
}

/** The clause with the value it had before its operator changed, when that value still fits ("=" to "≠"). */
function keepValue(clause: Clause, before: string | number | boolean | undefined): Clause {
  if (!("value" in clause) || before === undefined || typeof clause.value !== typeof before) return clause;
  return { ...clause, value: before } as Clause;
}

function ClauseRow(props: {
  t: Translate;
  id: string;
  n: number;
  clause: Clause;
  earlier: Question[];
  invalid: boolean;
  errorId: string | undefined;
  onChange: (clause: Clause) => void;
  onRemove: () => void;
}) {
  const { t, id, clause, earlier, n } = props;
  const target = earlier.find((q) => q.name === clause.question);
  const aria = {
    "aria-invalid": props.invalid ? ("true" as const) : undefined,
    "aria-describedby": props.errorId,
  };
  const pick = (name: string) => {
    const next = earlier.find((q) => q.name === name);
    if (!next) return;
    const ops = opsFor(next.type);
    props.onChange(clauseFor(next, ops.includes(clause.op) ? clause.op : ops[0]!));
  };
  const setValue = (value: string | number | boolean) => props.onChange({ ...clause, value } as Clause);
  const value = "value" in clause ? clause.value : undefined;
  let valueControl = null;
  if (target && value !== undefined) {
    const label = t("admin.questionnaires.clause_value", { n });
    if (target.type === "yes_no")
      valueControl = (
        <select
          id={`${id}-value`}
          aria-label={label}
          {...aria}
          value={String(value)}
          onChange={(e) => setValue(e.currentTarget.value === "true")}
        >
          <option value="true">{t("admin.questionnaires.yes")}</option>
          <option value="false">{t("admin.questionnaires.no")}</option>
        </select>
      );
    else if (target.choices)
      valueControl = (
        <select
          id={`${id}-value`}
          aria-label={label}
          {...aria}
          value={String(value)}
          onChange={(e) => setValue(e.currentTarget.value)}
        >
          {target.choices.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label["pt-BR"] || c.value}
            </option>
          ))}
        </select>
      );
    else if (target.type === "scale")
      valueControl = (
        <select
          id={`${id}-value`}
          aria-label={label}
          {...aria}
          value={String(value)}
          onChange={(e) => setValue(Number(e.currentTarget.value))}
        >
          {[1, 2, 3, 4, 5].map((v) => (
            <option key={v} value={String(v)}>
              {v}
            </option>
          ))}
        </select>
      );
    else
      valueControl = (
        <input
          id={`${id}-value`}
          aria-label={label}
          {...aria}
          // Preact types each input type apart; these two share every attribute written here.
          type={(target.type === "number" ? "number" : "text") as "text"}
          value={String(value)}
          onChange={(e) =>
            setValue(target.type === "number" ? Number(e.currentTarget.value) : e.currentTarget.value)
          }
        />
      );
  }
  return (
    <div class="row q-clause">
      <select
        id={`${id}-question`}
        aria-label={t("admin.questionnaires.clause_question", { n })}
        {...aria}
        value={clause.question}
        onChange={(e) => pick(e.currentTarget.value)}
      >
        {target ? null : (
          <option value={clause.question}>
            {t("admin.questionnaires.clause_missing", { name: clause.question })}
          </option>
        )}
        {earlier.map((q, i) => (
          <option key={q.name} value={q.name}>
            {i + 1}. {q.label["pt-BR"] || q.name}
          </option>
        ))}
      </select>
      <select
        id={`${id}-op`}
        aria-label={t("admin.questionnaires.clause_op", { n })}
        {...aria}
        value={clause.op}
        onChange={(e) =>
          target && props.onChange(keepValue(clauseFor(target, e.currentTarget.value as Clause["op"]), value))
        }
      >
        {(target ? opsFor(target.type) : [clause.op]).map((op) => (
          <option key={op} value={op}>
            {t(`admin.questionnaires.ops.${op}`)}
          </option>
        ))}
      </select>
      {valueControl}
      <button type="button" class="secondary" onClick={props.onRemove}>
        {t("admin.questionnaires.clause_remove", { n })}
      </button>
    </div>
  );
}
