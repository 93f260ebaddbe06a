/**
 * One question of a draft: its name, type, whether it is required, its texts in three languages (the screen's
 * label, the hint, the voice and chat prompts), its choices, its constraint, its skip logic, and how it scores
 * (with the service it measures, in a group questionnaire). The server's problems are shown beside their fields.
 */
import type { Constraint, LocalText, Question, QuestionType } from "../../domain/questionnaire.ts";
import { QUESTION_TYPES } from "../../domain/questionnaire.ts";
import type { Translate } from "../ui/i18n.ts";
import { FieldError, FormField } from "./form-field.tsx";
import { ChoicesEditor } from "./question-choices.tsx";
import { ConditionEditor } from "./question-condition.tsx";
import { CONSTRAINT_FIELDS, LANGS, retype, SCORINGS } from "./questionnaire-model.ts";
import { problemsUnder } from "./questionnaire-problems.ts";

/** A text in the three languages: one input each (a textarea when `long`), pt-BR required when `required`. */
export function LocalTextFields(props: {
  t: Translate;
  id: string;
  /** What the text is ("Pergunta na tela"): each field is labelled "<what> (<language>)". */
  what: string;
  value: LocalText | undefined;
  /** The server's problems by path, and this text's path ("questions.0.label"). */
  errors: Record<string, string>;
  path: string;
  required?: boolean;
  long?: boolean;
  onChange: (text: LocalText) => void;
}) {
  const { t, value } = props;
  return (
    <div class="row a-fields">
      {LANGS.map((lang) => {
        const error =
          props.errors[`${props.path}.${lang}`] ?? (lang === "pt-BR" ? props.errors[props.path] : undefined);
        const set = (text: string) => props.onChange({ "pt-BR": "", ...value, [lang]: text } as LocalText);
        return (
          <FormField
            key={lang}
            id={`${props.id}-${lang}`}
            label={t("admin.questionnaires.text_in", {
              text: props.what,
              language: t(`admin.questionnaires.lang_${lang}`),
            })}
            error={error}
            required={props.required && lang === "pt-BR"}
            requiredText={t("admin.questionnaires.required")}
          >
            {(control) =>
              props.long ? (
                <textarea
                  {...control}
                  lang={lang}
                  rows={2}
                  value={value?.[lang] ?? ""}
                  onInput={(e) => set(e.currentTarget.value)}
                />
              ) : (
                <input
                  {...control}
                  type="text"
                  lang={lang}
                  value={value?.[lang] ?? ""}
                  onInput={(e) => set(e.currentTarget.value)}
                />
              )
            }
          </FormField>
        );
      })}
    </div>
  );
}

/** A number typed in a field, or undefined when it is left empty. */
const numberOrNothing = (text: string) => (text.trim() === "" ? undefined : Number(text));

/** The editor of one question (`index` in `questions`); `services` are the group's when the questionnaire is one's. */
export function QuestionForm(props: {
  t: Translate;
  index: number;
  questions: Question[];
  errors: Record<string, string>;
  services: { code: string; name: string }[] | null;
  onChange: (question: Question) => void;
  onRename: (from: string, to: string) => void;
}) {
  const { t, index, errors } = props;
  const q = props.questions[index]!;
  const base = `q${index}`;
  const path = `questions.${index}`;
  const set = (change: Partial<Question>) => props.onChange({ ...q, ...change });
  const setConstraint = (change: Partial<Constraint>) => set({ constraint: { ...q.constraint, ...change } });
  const limits = CONSTRAINT_FIELDS[q.type];
  const scorings = SCORINGS[q.type];
  return (
    <div class="q-form">
      <div class="row a-fields">
        <FormField
          id={`${base}-name`}
          label={t("admin.questionnaires.q_name")}
          hint={t("admin.questionnaires.q_name_hint")}
          error={errors[`${path}.name`]}
          value={q.name}
          onValue={(name) => props.onRename(q.name, name.trim())}
        />
        <FormField
          id={`${base}-type`}
          label={t("admin.questionnaires.q_type")}
          error={errors[`${path}.type`]}
          value={q.type}
          onValue={(type) => props.onChange(retype(q, type as QuestionType))}
          options={QUESTION_TYPES.map((type) => (
            <option key={type} value={type}>
              {t(`admin.questionnaires.types.${type}`)}
            </option>
          ))}
        />
        <div class="choice">
          <input
            id={`${base}-required`}
            type="checkbox"
            checked={q.required === true}
            onChange={(e) => set({ required: e.currentTarget.checked })}
          />
          <label for={`${base}-required`}>{t("admin.questionnaires.q_required")}</label>
          <FieldError id={`${base}-required`} text={errors[`${path}.required`]} />
        </div>
      </div>
      <LocalTextFields
        t={t}
        id={`${base}-label`}
        what={t("admin.questionnaires.q_label")}
        value={q.label}
        errors={errors}
        path={`${path}.label`}
        required
        long
        onChange={(label) => set({ label })}
      />
      <LocalTextFields
        t={t}
        id={`${base}-hint`}
        what={t("admin.questionnaires.q_hint")}
        value={q.hint}
        errors={errors}
        path={`${path}.hint`}
        onChange={(hint) => set({ hint })}
      />
      <details open={problemsUnder(errors, `${path}.prompts`) !== undefined || undefined}>
        <summary>{t("admin.questionnaires.prompts")}</summary>
        <p class="hint">{t("admin.questionnaires.prompts_hint")}</p>
        {(["voice", "chat"] as const).map((channel) => (
          <LocalTextFields
            key={channel}
            t={t}
            id={`${base}-${channel}`}
            what={t(`admin.questionnaires.prompt_${channel}`)}
            value={q.prompts?.[channel]}
            errors={errors}
            path={`${path}.prompts.${channel}`}
            long
            onChange={(text) => set({ prompts: { ...q.prompts, [channel]: text } })}
          />
        ))}
      </details>
      {q.choices ? (
        <ChoicesEditor
          t={t}
          id={`${base}-choices`}
          choices={q.choices}
          errors={errors}
          path={`${path}.choices`}
          onChange={(choices) => set({ choices })}
        />
      ) : null}
      {limits.length > 0 ? (
        <fieldset>
          <legend>{t("admin.questionnaires.constraint")}</legend>
          <p class="hint">{t(`admin.questionnaires.constraint_hint_${q.type}`)}</p>
          <div class="row a-fields">
            {limits.map((limit) =>
              limit === "integer" ? (
                <div class="choice" key={limit}>
                  <input
                    id={`${base}-integer`}
                    type="checkbox"
                    checked={q.constraint?.integer === true}
                    onChange={(e) => setConstraint({ integer: e.currentTarget.checked })}
                  />
                  <label for={`${base}-integer`}>{t("admin.questionnaires.c_integer")}</label>
                  <FieldError id={`${base}-integer`} text={errors[`${path}.constraint.integer`]} />
                </div>
              ) : (
                <FormField
                  key={limit}
                  id={`${base}-${limit}`}
                  label={t(`admin.questionnaires.c_${limit}`)}
                  error={errors[`${path}.constraint.${limit}`]}
                >
                  {(control) => (
                    <input
                      {...control}
                      type="number"
                      value={q.constraint?.[limit] === undefined ? "" : String(q.constraint[limit])}
                      // Read when committed, so "-" or "1." on the way to a number is not rewritten.
                      onChange={(e) => setConstraint({ [limit]: numberOrNothing(e.currentTarget.value) })}
                    />
                  )}
                </FormField>
              ),
            )}
          </div>
          <LocalTextFields
            t={t}
            id={`${base}-message`}
            what={t("admin.questionnaires.c_message")}
            value={q.constraint?.message}
            errors={errors}
            path={`${path}.constraint.message`}
            onChange={(message) => setConstraint({ message })}
          />
        </fieldset>
      ) : null}
      <ConditionEditor
        t={t}
        id={`${base}-relevant`}
        question={q}
        earlier={props.questions.slice(0, index)}
        error={problemsUnder(errors, `${path}.relevant`)}
        onChange={(relevant) => {
          const next = { ...q, relevant };
          if (!relevant) delete next.relevant;
          props.onChange(next);
        }}
      />
      {scorings.length > 0 || props.services ? (
        <fieldset>
          <legend>{t("admin.questionnaires.scoring")}</legend>
          {scorings.length > 0 ? (
            <FormField
              id={`${base}-scoring`}
              label={t("admin.questionnaires.scoring_how")}
              hint={t("admin.questionnaires.scoring_hint")}
              error={errors[`${path}.scoring`]}
              value={q.scoring ?? ""}
              onValue={(scoring) => set({ scoring: (scoring || undefined) as Question["scoring"] })}
              options={["", ...scorings].map((s) => (
                <option key={s} value={s}>
                  {t(`admin.questionnaires.scorings.${s || "none"}`)}
                </option>
              ))}
            />
          ) : (
            <p>{t("admin.questionnaires.not_scorable")}</p>
          )}
          {props.services ? (
            <FormField
              id={`${base}-service`}
              label={t("admin.questionnaires.q_service")}
              hint={t("admin.questionnaires.q_service_hint")}
              error={errors[`${path}.service`]}
              value={q.service ?? ""}
              onValue={(service) => set({ service: service || undefined })}
              options={
                <>
                  <option value="">{t("admin.questionnaires.no_service")}</option>
                  {q.service && !props.services.some((s) => s.code === q.service) ? (
                    <option value={q.service}>{q.service}</option>
                  ) : null}
                  {props.services.map((s) => (
                    <option key={s.code} value={s.code}>
                      {s.name} ({s.code})
                    </option>
                  ))}
                </>
              }
            />
          ) : null}
        </fieldset>
      ) : null}
    </div>
  );
}
