/**
 * The conversation flow of one service (docs/channels.md, decision 0049): which flow the assistant runs (the
 * service's own, its group's, or the one made from the catalogue) and its questions; the manager writes the
 * service's own (order, prompt per language, required, a pattern answers must match, retries) with
 * PUT /api/v1/services/:code/flow, or removes it (DELETE) to go back to the group's or the default.
 */
import { useEffect, useState } from "preact/hooks";
import type { ApiProblem } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { asProblem, useLoad } from "../ui/load.ts";
import { type StaffEnv, send } from "../ui/staff.tsx";
import type { Attribute } from "./catalogue.ts";
import { StatusLine } from "./change.tsx";
import { FormField, fieldProblems, focusFirstInvalid } from "./form-field.tsx";

const ASKS = ["place", "photo", "attribute", "anonymity", "contact"] as const;
const LANGS = ["pt-BR", "en", "es"] as const;
type Prompt = Record<(typeof LANGS)[number], string>;

interface QuestionDraft {
  ask: (typeof ASKS)[number];
  code?: string | undefined;
  required?: boolean | undefined;
  prompt?: Prompt | undefined;
  sms?: Prompt | undefined;
  voice?: Prompt | undefined;
  rules?: { pattern?: string | undefined } & Record<string, unknown>;
}

interface FlowView {
  source: "service" | "group" | "default";
  written: { questions: QuestionDraft[]; retries: number } | null;
  retries: number;
  questions: { id: string; required: boolean; prompt: Prompt }[];
}

const EMPTY: Prompt = { "pt-BR": "", en: "", es: "" };

/** The flow section of a service's page. */
export function ServiceFlow(props: { env: StaffEnv; code: string; attributes: Attribute[] }) {
  const { t, locale } = props.env;
  const path = `/api/v1/services/${encodeURIComponent(props.code)}/flow`;
  const [view, loadProblem, reload] = useLoad<FlowView>(path, locale);
  const [questions, setQuestions] = useState<QuestionDraft[]>([]);
  const [retries, setRetries] = useState(2);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [status, setStatus] = useState("");
  useEffect(() => {
    if (!view) return;
    // Start from the service's own flow, else from the questions that apply now.
    setQuestions(
      view.written?.questions ??
        view.questions.map((q) => {
          const [ask, code] = q.id.split(":") as [QuestionDraft["ask"], string | undefined];
          return { ask, code };
        }),
    );
    setRetries(view.written?.retries ?? view.retries);
  }, [view]);
  const errors = fieldProblems(problem, t);
  const update = (i: number, change: Partial<QuestionDraft>) =>
    setQuestions((list) => list.map((q, j) => (j === i ? { ...q, ...change } : q)));
  const move = (i: number, by: number) =>
    setQuestions((list) => {
      const next = [...list];
      const [item] = next.splice(i, 1);
      next.splice(i + by, 0, item!);
      return next;
    });

  const act = async (method: "PUT" | "DELETE") => {
    setProblem(null);
    setStatus("");
    try {
      await send(
        path,
        method === "PUT" ? { questions: questions.map(cleanQuestion), retries } : undefined,
        locale,
        method,
      );
      setStatus(t(method === "PUT" ? "staff.saved" : "admin.flow.removed"));
      reload();
    } catch (e) {
      setProblem(asProblem(e));
      focusFirstInvalid();
    }
  };

  return (
    <section aria-labelledby="flow-title" class="card">
      <h2 id="flow-title">{t("admin.flow.title")}</h2>
      <p>{view ? t(`admin.flow.source_${view.source}`) : t("ui.loading")}</p>
      <ProblemAlert problem={loadProblem ?? problem} t={t} />
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          act("PUT");
        }}
      >
        <ol class="flow-questions">
          {questions.map((q, i) => (
            <li key={i}>
              <fieldset>
                <legend>{t("admin.flow.question", { n: i + 1 })}</legend>
                <FormField
                  id={`flow-${i}-ask`}
                  label={t("admin.flow.ask")}
                  value={q.ask}
                  onValue={(ask) => update(i, { ask: ask as QuestionDraft["ask"], code: undefined })}
                  options={ASKS.map((a) => (
                    <option key={a} value={a}>
                      {t(`admin.flow.asks.${a}`)}
                    </option>
                  ))}
                />
                {q.ask === "attribute" ? (
                  <FormField
                    id={`flow-${i}-code`}
                    label={t("admin.flow.field")}
                    error={errors[`questions[${i}].code`]}
                    value={q.code ?? ""}
                    onValue={(code) => update(i, { code })}
                    options={[
                      <option key="" value="">
                        —
                      </option>,
                      ...props.attributes.map((a) => (
                        <option key={a.code} value={a.code}>
                          {a.code}
                        </option>
                      )),
                    ]}
                  />
                ) : null}
                <div class="choice">
                  <input
                    id={`flow-${i}-required`}
                    type="checkbox"
                    checked={q.required === true}
                    onChange={(e) =>
                      update(i, { required: (e.target as HTMLInputElement).checked || undefined })
                    }
                  />
                  <label for={`flow-${i}-required`}>{t("admin.flow.required")}</label>
                </div>
                {LANGS.map((lang) => (
                  <FormField
                    key={lang}
                    id={`flow-${i}-prompt-${lang}`}
                    label={t(`admin.flow.prompt_${lang}`)}
                    hint={lang === "pt-BR" ? t("admin.flow.prompt_hint") : undefined}
                    error={errors[`questions[${i}].prompt.${lang}`]}
                    value={q.prompt?.[lang] ?? ""}
                    onValue={(text) => update(i, { prompt: { ...(q.prompt ?? EMPTY), [lang]: text } })}
                  />
                ))}
                {q.ask === "attribute" ? (
                  <FormField
                    id={`flow-${i}-pattern`}
                    label={t("admin.flow.pattern")}
                    hint={t("admin.flow.pattern_hint")}
                    error={errors[`questions[${i}].rules.pattern`]}
                    value={q.rules?.pattern ?? ""}
                    onValue={(pattern) => update(i, { rules: { ...q.rules, pattern: pattern || undefined } })}
                  />
                ) : null}
                <p class="row">
                  <button type="button" disabled={i === 0} onClick={() => move(i, -1)}>
                    {t("admin.flow.up")}
                  </button>{" "}
                  <button type="button" disabled={i === questions.length - 1} onClick={() => move(i, 1)}>
                    {t("admin.flow.down")}
                  </button>{" "}
                  <button type="button" onClick={() => setQuestions((l) => l.filter((_, j) => j !== i))}>
                    {t("admin.flow.remove_question")}
                  </button>
                </p>
              </fieldset>
            </li>
          ))}
        </ol>
        <p>
          <button type="button" onClick={() => setQuestions((l) => [...l, { ask: "attribute" }])}>
            {t("admin.flow.add")}
          </button>
        </p>
        <FormField
          id="flow-retries"
          label={t("admin.flow.retries")}
          hint={t("admin.flow.retries_hint")}
          error={errors.retries}
          value={String(retries)}
          onValue={(text) => setRetries(Number(text))}
          options={[0, 1, 2, 3, 4, 5].map((n) => (
            <option key={n} value={String(n)}>
              {n}
            </option>
          ))}
        />
        <button type="submit">{t("admin.flow.save")}</button>{" "}
        {view?.source === "service" ? (
          <button type="button" onClick={() => act("DELETE")}>
            {t("admin.flow.reset")}
          </button>
        ) : null}
        <StatusLine compact text={status} />
      </form>
    </section>
  );
}

/** A question as the API takes it: empty prompts and patterns left out. */
function cleanQuestion(q: QuestionDraft): QuestionDraft {
  const filled = (p: Prompt | undefined) => (p && LANGS.some((l) => p[l].trim()) ? p : undefined);
  const pattern = q.rules?.pattern?.trim();
  const rules = { ...q.rules, pattern: pattern || undefined };
  const hasRules = Object.values(rules).some((v) => v !== undefined);
  return {
    ask: q.ask,
    ...(q.ask === "attribute" ? { code: q.code ?? "" } : {}),
    ...(q.required !== undefined ? { required: q.required } : {}),
    ...(filled(q.prompt) ? { prompt: q.prompt } : {}),
    ...(q.sms ? { sms: q.sms } : {}),
    ...(q.voice ? { voice: q.voice } : {}),
    ...(hasRules ? { rules } : {}),
  };
}
